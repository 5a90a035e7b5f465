"""Classes: the list (filters, 50 a page), creating and editing one, publishing and closing it, its sessions, and
the class page (facts, sessions, presenters with their Điều 9 status, the enrolled, the waiting list, requests to
decide, clashes). Reads are scoped by TrainingClass.objects.visible_to (404 outside); changes need
can_run_class (403 for someone who only sees the class)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bdtx.accounts import permissions as account_permissions
from bdtx.appraisals.permissions import own_staff
from bdtx.catalog.models import TrainingModule
from bdtx.rules.completion import completion_rule

from .. import services
from ..forms import ClassFilterForm, ClassForm, SessionForm
from ..models import ClassSession, Enrolment, EnrolmentStatus, TrainingClass
from ..permissions import can_run_class, can_teach_class
from ..services import DeliveryError, trainer_gaps

PAGE_SIZE = 50
PEOPLE_PAGE = 100


def visible_class(request, pk: int) -> TrainingClass:
    """The class if the user may see it; 404 otherwise."""
    return get_object_or_404(TrainingClass.objects.visible_to(request.user).select_related("organiser", "topic"), pk=pk)


def runnable_class(request, pk: int) -> TrainingClass:
    """The class if the user runs it: 404 outside their reach, 403 when they only see it."""
    training_class = visible_class(request, pk)
    if not can_run_class(request.user, training_class):
        raise PermissionDenied
    return training_class


def runnable_session(request, pk: int) -> ClassSession:
    session = get_object_or_404(
        ClassSession.objects.filter(training_class__in=TrainingClass.objects.visible_to(request.user)).select_related(
            "training_class__organiser"
        ),
        pk=pk,
    )
    if not can_run_class(request.user, session.training_class):
        raise PermissionDenied
    return session


# The list --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def class_list(request):
    """Classes the user may see, filtered, newest year first, 50 a page, with their enrolment counts."""
    form = ClassFilterForm(request.GET, user=request.user)
    classes = (
        form.apply(TrainingClass.objects.visible_to(request.user))
        .select_related("organiser")
        .annotate(
            enrolled_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)),
            waiting_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITING)),
            requested_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.REQUESTED)),
        )
        .order_by("-year", "code", "pk")
    )
    page = Paginator(classes, PAGE_SIZE).get_page(request.GET.get("page"))
    prefetch_related_objects(page.object_list, "modules")
    context = {"form": form, "page": page, "can_create": bool(account_permissions.managed_units(request.user))}
    template = "delivery/classes_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#rows"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# Create and edit -------------------------------------------------------------------------------------------


def _initial_from(request) -> dict:
    """?module=<id>&year=2027 (from the plans' demand page): a class of content 03 for that module."""
    initial = {"content": "03", "mode": "tap_trung", "capacity": 50}
    module = request.GET.get("module", "")
    if module.isdigit():
        found = TrainingModule.objects.visible_to(request.user).filter(pk=int(module)).first()
        if found is not None:
            initial.update(modules=[found.pk], title=found.title, periods=found.periods or None)
    year = request.GET.get("year", "")
    if year[:4].isdigit():
        initial["year"] = f"{int(year[:4])}-{int(year[:4]) + 1}"
    roots = account_permissions.managed_units(request.user)
    if roots:
        initial["organiser"] = roots[0].code
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def class_new(request):
    if not account_permissions.managed_units(request.user) and not request.user.is_superuser:
        raise Http404
    form = ClassForm(request.POST or None, user=request.user, initial=_initial_from(request))
    if request.method == "POST" and form.is_valid():
        try:
            training_class = services.create_class(
                by=request.user,
                modules=form.cleaned_data["modules"],
                trainers=form.cleaned_data["trainers"],
                **form.values(),
            )
        except DeliveryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Class %(code)s has been created as a draft: add its sessions, then publish it.")
                % {"code": training_class.code},
            )
            return redirect("delivery:class-detail", pk=training_class.pk)
    return render(request, "delivery/classes_form.html", {"form": form, "training_class": None})


@login_required
@require_http_methods(["GET", "POST"])
def class_edit(request, pk: int):
    training_class = runnable_class(request, pk)
    form = ClassForm(request.POST or None, user=request.user, instance=training_class)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_class(
                training_class,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                modules=form.cleaned_data["modules"],
                trainers=form.cleaned_data["trainers"],
                **form.values(),
            )
        except DeliveryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Class %(code)s has been saved.") % {"code": form.cleaned_data["code"]})
            return redirect("delivery:class-detail", pk=training_class.pk)
    return render(request, "delivery/classes_form.html", {"form": form, "training_class": training_class})


def _status_change(request, pk: int, action, done: str):
    training_class = runnable_class(request, pk)
    version = request.POST.get("version", "")
    try:
        action(training_class, by=request.user, expected_version=int(version) if version.isdigit() else None)
    except DeliveryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done % {"code": training_class.code})
    return redirect("delivery:class-detail", pk=training_class.pk)


@login_required
@require_POST
def class_publish(request, pk: int):
    return _status_change(
        request,
        pk,
        services.publish_class,
        _("Class %(code)s is published: the people of the units below now see it."),
    )


@login_required
@require_POST
def class_close(request, pk: int):
    return _status_change(request, pk, services.close_class, _("Class %(code)s is closed."))


# The class page --------------------------------------------------------------------------------------------


@login_required
@require_GET
def class_detail(request, pk: int):
    training_class = visible_class(request, pk)
    user = request.user
    runner = can_run_class(user, training_class)
    teaches = runner or can_teach_class(user, training_class)
    sessions = list(training_class.sessions.all())
    today = timezone.localdate()
    context = {
        "training_class": training_class,
        "runner": runner,
        "teaches": teaches,
        "modules": list(training_class.modules.all()),
        "sessions": sessions,
        "trainers": [(trainer, trainer_gaps(trainer)) for trainer in training_class.trainers.all()],
        "counts": services.class_counts(training_class),
        "min_attendance": training_class.min_attendance_percent
        if training_class.min_attendance_percent is not None
        else completion_rule().min_attendance_percent,
        "window_open": services.window_open(training_class, today),
    }
    own = own_staff(user)
    mine = training_class.enrolments.filter(staff=own).first() if own is not None else None
    context["mine"] = mine
    context["can_join"] = (
        own is not None
        and (mine is None or mine.status == EnrolmentStatus.WITHDRAWN)
        and services.offered_classes(own, today).filter(pk=training_class.pk).exists()
    )
    context["can_leave"] = (
        mine is not None and mine.status in services.ACTIVE and not services.class_started(training_class, today)
    )
    if teaches:
        context.update(_people(request, training_class))
    return render(request, "delivery/classes_detail.html", context)


def _people(request, training_class: TrainingClass) -> dict:
    """The enrolled (Vietnamese name order, 100 a page), the waiting list in its order, the requests, and who is
    in another class at the same time: a fixed number of queries."""
    people = Enrolment.objects.filter(training_class=training_class).select_related("staff__unit")
    enrolled = Paginator(
        people.filter(status=EnrolmentStatus.ENROLLED).order_by("staff__sort_key", "pk"), PEOPLE_PAGE
    ).get_page(request.GET.get("page"))
    waiting = list(people.filter(status=EnrolmentStatus.WAITING).order_by("requested_at", "pk")[:PEOPLE_PAGE])
    requests = list(people.filter(status=EnrolmentStatus.REQUESTED).order_by("requested_at", "pk")[:PEOPLE_PAGE])
    clashes = services.clashes(training_class)
    for enrolment in [*enrolled.object_list, *waiting]:
        enrolment.clashes = clashes.get(enrolment.staff_id, [])
    return {"enrolled": enrolled, "waiting": waiting, "requests": requests, "clash_count": len(clashes)}


# Sessions --------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request, pk: int):
    training_class = runnable_class(request, pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.save_session(training_class, by=request.user, **form.values())
        except DeliveryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The session of %(date)s has been added.") % {"date": session.date.strftime("%d/%m/%Y")}
            )
            if "another" in request.POST:
                return redirect("delivery:session-new", pk=training_class.pk)
            return redirect("delivery:class-detail", pk=training_class.pk)
    return render(
        request, "delivery/classes_session_form.html", {"form": form, "training_class": training_class, "session": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk: int):
    session = runnable_session(request, pk)
    training_class = session.training_class
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_session(
                training_class, session, by=request.user, stamp=form.cleaned_data["stamp"] or None, **form.values()
            )
        except DeliveryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The session has been saved."))
            return redirect("delivery:class-detail", pk=training_class.pk)
    return render(
        request,
        "delivery/classes_session_form.html",
        {"form": form, "training_class": training_class, "session": session},
    )


@login_required
@require_POST
def session_delete(request, pk: int):
    session = runnable_session(request, pk)
    try:
        services.delete_session(session, by=request.user)
    except DeliveryError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The session of %(date)s has been deleted.") % {"date": session.date.strftime("%d/%m/%Y")}
        )
    return redirect("delivery:class-detail", pk=session.training_class_id)


urlpatterns = [
    path("", class_list, name="class-list"),
    path("new/", class_new, name="class-new"),
    path("<int:pk>/", class_detail, name="class-detail"),
    path("<int:pk>/edit/", class_edit, name="class-edit"),
    path("<int:pk>/publish/", class_publish, name="class-publish"),
    path("<int:pk>/close/", class_close, name="class-close"),
    path("<int:pk>/sessions/new/", session_new, name="session-new"),
    path("sessions/<int:pk>/edit/", session_edit, name="session-edit"),
    path("sessions/<int:pk>/delete/", session_delete, name="session-delete"),
]
