"""The presenters' register (báo cáo viên): the list with what TT 19/2019 Điều 9 asks of each presenter, adding one
(from a staff record or from outside) and changing one. A unit may register someone who does not yet show every
requirement: the page says what is missing rather than refusing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bdtx.accounts import permissions as account_permissions
from bdtx.rules.completion import completion_rule

from .. import services
from ..forms import TrainerFilterForm, TrainerForm
from ..permissions import trainers_in_scope
from ..services import DeliveryError, trainer_gaps

PAGE_SIZE = 50


def _requirements() -> dict:
    rule = completion_rule()
    wanted = rule.trainer_requirements
    names = {degree["code"]: degree["name_vi"] for degree in rule.degrees}
    return {
        "degree": names.get(wanted.get("min_degree"), ""),
        "years": wanted.get("min_bdtx_years") or 0,
        "it_standard": bool(wanted.get("it_standard")),
    }


@login_required
@require_GET
def trainer_list(request):
    """The registers the user may see (their units', and those above to choose from), 50 a page, by name."""
    form = TrainerFilterForm(request.GET)
    trainers = (
        form.apply(trainers_in_scope(request.user))
        .select_related("unit", "user")
        .annotate(class_count=Count("classes"))
        .order_by("sort_key", "pk")
    )
    page = Paginator(trainers, PAGE_SIZE).get_page(request.GET.get("page"))
    degrees = {degree["code"]: degree["name_vi"] for degree in completion_rule().degrees}
    for trainer in page.object_list:
        trainer.degree_name = degrees.get(trainer.degree, trainer.degree)
        trainer.gaps = trainer_gaps(trainer)
        trainer.editable = account_permissions.can_manage_unit(request.user, trainer.unit)
    context = {
        "form": form,
        "page": page,
        "can_add": bool(account_permissions.managed_units(request.user)) or request.user.is_superuser,
        "requirements": _requirements(),
    }
    template = "delivery/trainers_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#rows"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def trainer_new(request):
    if not account_permissions.managed_units(request.user) and not request.user.is_superuser:
        raise Http404
    roots = account_permissions.managed_units(request.user)
    form = TrainerForm(
        request.POST or None,
        user=request.user,
        initial={"unit": roots[0].code if roots else "", "active": True, "bdtx_years": 0},
    )
    if request.method == "POST" and form.is_valid():
        try:
            trainer = services.save_trainer(None, by=request.user, unit=form.cleaned_data["unit"], **form.values())
        except DeliveryError as error:
            form.add_error(None, str(error))
        else:
            _saved_message(request, trainer, _("%(name)s has been added to the presenters' register."))
            return redirect("delivery:trainer-list")
    return render(
        request, "delivery/trainers_form.html", {"form": form, "trainer": None, "requirements": _requirements()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def trainer_edit(request, pk: int):
    trainer = get_object_or_404(trainers_in_scope(request.user).select_related("unit", "staff", "user"), pk=pk)
    if not account_permissions.can_manage_unit(request.user, trainer.unit):
        raise PermissionDenied
    form = TrainerForm(request.POST or None, user=request.user, instance=trainer)
    if request.method == "POST" and form.is_valid():
        try:
            trainer = services.save_trainer(
                trainer,
                by=request.user,
                unit=form.cleaned_data["unit"],
                stamp=form.cleaned_data["stamp"] or None,
                **form.values(),
            )
        except DeliveryError as error:
            form.add_error(None, str(error))
        else:
            _saved_message(request, trainer, _("The entry of %(name)s has been saved."))
            return redirect("delivery:trainer-list")
    return render(
        request,
        "delivery/trainers_form.html",
        {"form": form, "trainer": trainer, "gaps": trainer_gaps(trainer), "requirements": _requirements()},
    )


def _saved_message(request, trainer, text: str) -> None:
    messages.success(request, text % {"name": trainer.full_name})
    gaps = trainer_gaps(trainer)
    if gaps:
        messages.warning(
            request,
            _("Registered, but the register does not show all that TT 19/2019 Điều 9 asks: %(gaps)s")
            % {"gaps": " ".join(gaps)},
        )


urlpatterns = [
    path("presenters/", trainer_list, name="trainer-list"),
    path("presenters/new/", trainer_new, name="trainer-new"),
    path("presenters/<int:pk>/edit/", trainer_edit, name="trainer-edit"),
]
