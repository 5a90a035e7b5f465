"""Cycles, progress, rating distribution, training needs, subject groups, evaluation policy."""

import logging
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from bdtx.accounts import permissions
from bdtx.lib import cells
from bdtx.lib.excel import XLSX_CONTENT_TYPE
from bdtx.lib.schoolyear import current_school_year
from bdtx.organisations.forms import UnitChoiceField
from bdtx.organisations.models import Unit
from bdtx.rules.models import Criterion, Rating
from bdtx.staff.exports import chase_workbook

from .. import services
from ..models import AppraisalCycle, EvaluationPolicy, SubjectGroup
from ..permissions import can_manage_groups, can_open_cycle_at, officer_units, own_staff
from ..progress import (
    KHA_OR_BETTER_TARGET,
    RATING_ORDER,
    Subtree,
    distribution,
    expected_staff,
    needs_by_criterion,
    needs_heat,
    needs_without_criterion,
    not_submitted,
    progress,
)

PAGE_SIZE = 50
DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
DATE_FIELDS = ("self_assessment_from", "self_assessment_until", "opinions_until", "evaluation_until")
_SCHOOL_YEAR = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{4})$")
export_log = logging.getLogger("bdtx.exports")


# Forms (used by these views only) ------------------------------------------------------------------------


def _date_field(label):
    return forms.CharField(label=label, widget=forms.TextInput(attrs=DATE_ATTRS))


class CycleDatesForm(forms.Form):
    """The four dates of a cycle, typed dd/mm/yyyy, read by the same parser as the spreadsheets."""

    self_assessment_from = _date_field(gettext_lazy("Self-assessment opens"))
    self_assessment_until = _date_field(gettext_lazy("Self-assessment deadline"))
    opinions_until = _date_field(gettext_lazy("Colleagues' opinions deadline"))
    evaluation_until = _date_field(gettext_lazy("Evaluation deadline"))
    # The version of the cycle the form was loaded with: a save over someone else's change is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, cycle: AppraisalCycle | None = None, **kwargs):
        if cycle is not None:
            initial = {name: getattr(cycle, name).strftime("%d/%m/%Y") for name in DATE_FIELDS}
            kwargs.setdefault("initial", {**initial, "version": cycle.version})
        super().__init__(*args, **kwargs)

    def _date(self, name: str):
        try:
            return cells.date(self.cleaned_data[name], allow_future=True)
        except cells.Invalid as error:
            raise forms.ValidationError(str(error)) from None

    def clean_self_assessment_from(self):
        return self._date("self_assessment_from")

    def clean_self_assessment_until(self):
        return self._date("self_assessment_until")

    def clean_opinions_until(self):
        return self._date("opinions_until")

    def clean_evaluation_until(self):
        return self._date("evaluation_until")

    def dates(self) -> dict:
        return {name: self.cleaned_data[name] for name in DATE_FIELDS}


class CycleForm(CycleDatesForm):
    year = forms.CharField(
        label=gettext_lazy("School year"),
        max_length=20,
        help_text=gettext_lazy("For example 2026-2027."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "2026-2027"}),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Leave empty for “Professional standards appraisal, school year …”."),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            units,
            label=_("Unit"),
            help_text=_("The cycle reaches every school under this unit."),
        )
        self.order_fields(["unit", "year", "title", *DATE_FIELDS, "version"])

    def clean_year(self):
        raw = cells.clean(self.cleaned_data["year"])
        match = _SCHOOL_YEAR.match(raw)
        first = int(match.group(1)) if match else int(raw) if raw.isdigit() and len(raw) == 4 else None
        if first is None or (match and int(match.group(2)) != first + 1) or not 2000 <= first <= 2100:
            raise forms.ValidationError(
                _("“%(value)s” is not a school year. Type it as 2026-2027 (two years that follow each other).")
                % {"value": raw}
            )
        return first

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())


class GroupForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=120, help_text=gettext_lazy("For example Tổ Toán – Tin.")
    )
    leader = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Group leader"), required=False, empty_label="—")
    members = forms.ModelMultipleChoiceField(
        queryset=None, label=gettext_lazy("Members"), required=False, widget=forms.CheckboxSelectMultiple
    )
    # The version of the group the form was loaded with: a save over someone else's change is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, unit: Unit, group: SubjectGroup | None = None, **kwargs):
        if group is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": group.name,
                    "leader": group.leader_id,
                    "members": [m.pk for m in group.members.all()],
                    "version": group.version,
                },
            )
        super().__init__(*args, **kwargs)
        people = expected_staff().filter(unit=unit).order_by("sort_key", "pk").only("full_name", "position", "unit_id")
        for name in ("leader", "members"):
            self.fields[name].queryset = people
            self.fields[name].label_from_instance = _person_label

    def clean(self):
        data = super().clean()
        if not data.get("members") and not data.get("leader") and not self.has_error("members"):
            self.add_error("members", _("Choose the group's members (tick at least one person)."))
        return data


def _person_label(member) -> str:
    return f"{member.full_name} ({member.position})" if member.position else member.full_name


class PolicyForm(forms.Form):
    yearly = forms.BooleanField(
        label=gettext_lazy("Evaluate teachers every year (instead of every two years)"), required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Decision or reason"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=gettext_lazy("For example the number and date of the decision, or the superior's agreement."),
    )
    # The version of the policy the form was loaded with (0: none yet): a save over someone else's is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def clean(self):
        data = super().clean()
        data["note"] = " ".join(data.get("note", "").split())
        if data.get("yearly") and not data["note"]:
            self.add_error(
                "note",
                _(
                    "Give the decision or the reason for evaluating every year: the regulation (TT 20 Điều 11 "
                    "khoản 3) asks for the agreement of the level above."
                ),
            )
        return data


# Helpers -----------------------------------------------------------------------------------------------


def url(name: str, *args, query: str = "") -> str:
    return reverse(name, args=args) + query


def _cycle(request, pk: int) -> AppraisalCycle:
    return get_object_or_404(AppraisalCycle.objects.visible_to(request.user).select_related("unit"), pk=pk)


def progress_roots(user, cycle: AppraisalCycle) -> list[Unit]:
    """The tops of the part of the cycle the user manages: the cycle's unit, or their own managed units
    inside it (a principal: their school; a commune officer: their commune)."""
    if getattr(user, "is_superuser", False):
        return [cycle.unit]
    found: dict[int, Unit] = {}
    for root in permissions.managed_units(user):
        if cycle.unit.is_within(root):
            found[cycle.unit.pk] = cycle.unit
        elif root.is_within(cycle.unit):
            found[root.pk] = root
    units = list(found.values())
    tops = [u for u in units if not any(u.pk != other.pk and u.is_within(other) for other in units)]
    return sorted(tops, key=lambda u: u.path)


def viewed_unit(request, cycle: AppraisalCycle) -> tuple[Unit | None, list[Unit]]:
    """The unit whose part of the cycle is shown: ?unit=<id> inside the user's part (else 404), by default
    the top of it. None for people who manage no part of the cycle."""
    roots = progress_roots(request.user, cycle)
    raw = request.GET.get("unit", "")
    if not raw:
        return (roots[0] if roots else None), roots
    if not raw.isdigit():
        raise Http404
    unit = Unit.objects.filter(pk=int(raw)).first()
    if unit is None or not any(unit.is_within(root) for root in roots):
        raise Http404
    return unit, roots


def _managed_view(request, pk: int) -> tuple[AppraisalCycle, Unit, list[Unit]]:
    cycle = _cycle(request, pk)
    unit, roots = viewed_unit(request, cycle)
    if unit is None:
        raise Http404
    return cycle, unit, roots


def crumbs(unit: Unit, roots: list[Unit]) -> list[Unit]:
    """The units from the top of the user's part down to the viewed unit's parent, for the trail."""
    top = next((root for root in roots if unit.is_within(root)), None)
    if top is None or top.pk == unit.pk:
        return []
    return [a for a in unit.ancestors() if a.is_within(top)]


def _unit_query(unit: Unit, roots: list[Unit]) -> str:
    return "" if roots and unit.pk == roots[0].pk else f"?unit={unit.pk}"


def _context(request, cycle: AppraisalCycle, unit: Unit | None, roots: list[Unit], tab: str) -> dict:
    query = _unit_query(unit, roots) if unit else ""
    return {
        "cycle": cycle,
        "unit": unit,
        "roots": roots,
        "other_roots": [root for root in roots if unit is None or not unit.is_within(root)],
        "crumbs": crumbs(unit, roots) if unit else [],
        "tab": tab,
        "query": query,
        "today": timezone.localdate(),
    }


# Cycles ------------------------------------------------------------------------------------------------


def openable_units(user):
    if permissions.is_system_admin(user):
        return Unit.objects.filter(active=True)
    roots = officer_units(user)
    return Unit.objects.within_any(roots).filter(active=True) if roots else Unit.objects.none()


def may_open_cycles(user) -> bool:
    return permissions.is_system_admin(user) or bool(officer_units(user))


@login_required
@require_GET
def cycle_list(request):
    """The cycles reaching the user, newest first."""
    cycles = (
        AppraisalCycle.objects.visible_to(request.user).select_related("unit").order_by("-year", "unit__path", "pk")
    )
    page = Paginator(cycles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "appraisals/cycles_list.html",
        {"page": page, "can_open": may_open_cycles(request.user), "today": timezone.localdate()},
    )


@login_required
def cycle_new(request):
    """Open a cycle for a unit's subtree (officers at their units, system administrators anywhere)."""
    if not may_open_cycles(request.user):
        raise Http404
    year = current_school_year()
    form = CycleForm(request.POST or None, units=openable_units(request.user), initial={"year": f"{year}-{year + 1}"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        title = data["title"] or _("Professional standards appraisal, school year %(year)s") % {
            "year": services.school_year_label(data["year"])
        }
        try:
            cycle = services.open_cycle(
                by=request.user, unit=data["unit"], year=data["year"], title=title, **form.dates()
            )
        except services.AppraisalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The cycle “%(title)s” is open.") % {"title": cycle.title})
            return redirect("appraisals:cycle-detail", pk=cycle.pk)
    return render(request, "appraisals/cycles_form.html", {"form": form, "cycle": None})


@login_required
def cycle_edit(request, pk: int):
    """Move a cycle's dates (a late extension); only those who may open a cycle at its unit."""
    cycle = _cycle(request, pk)
    if not can_open_cycle_at(request.user, cycle.unit):
        raise PermissionDenied
    form = CycleDatesForm(request.POST or None, cycle=cycle)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_cycle_dates(cycle, expected_version=form.cleaned_data["version"], **form.dates())
        except services.AppraisalError as error:
            cycle.refresh_from_db()
            form.add_error(None, str(error))
            status = 409 if isinstance(error, services.Stale) else 200
        else:
            messages.success(request, _("The dates of “%(title)s” have been saved.") % {"title": cycle.title})
            return redirect("appraisals:cycle-detail", pk=cycle.pk)
    return render(request, "appraisals/cycles_form.html", {"form": form, "cycle": cycle}, status=status)


@login_required
@require_GET
def cycle_detail(request, pk: int):
    """The cycle's dates and its progress in the viewed unit: one row per child unit; at a school, the people
    who have not submitted yet (to chase before the deadline)."""
    cycle = _cycle(request, pk)
    unit, roots = viewed_unit(request, cycle)
    context = _context(request, cycle, unit, roots, "progress")
    user = request.user
    me = own_staff(user)
    context.update(
        can_edit=can_open_cycle_at(user, cycle.unit),
        own=me,
        mine_url=url("appraisals:mine") if me else None,
        opinions_url=url("appraisals:opinions", cycle.pk) if me else None,
        principals_url=url("appraisals:principals", cycle.pk) if officer_units(user) else None,
    )
    if unit is not None:
        subtree = Subtree.of(unit)
        total, rows = progress(cycle, subtree)
        query = context["query"]
        context.update(
            total=total,
            rows=rows,
            is_school=subtree.is_leaf,
            form04_url=url("appraisals:form-04", cycle.pk, query=f"?unit={unit.pk}") if subtree.is_leaf else None,
            results_url=url("appraisals:results-xlsx", cycle.pk, query=f"?unit={unit.pk}"),
            export_url=reverse("appraisals:not-submitted-xlsx", args=[cycle.pk]) + f"?unit={unit.pk}",
            groups_url=reverse("appraisals:groups", args=[unit.pk]) + f"?cycle={cycle.pk}"
            if subtree.is_leaf and can_manage_groups(user, unit)
            else None,
            policy_url=reverse("appraisals:policy", args=[unit.pk]),
            ratings_url=reverse("appraisals:cycle-ratings", args=[cycle.pk]) + query,
            needs_url=reverse("appraisals:cycle-needs", args=[cycle.pk]) + query,
        )
        if subtree.is_leaf:
            page = Paginator(not_submitted(cycle, [unit.pk]), PAGE_SIZE).get_page(request.GET.get("page"))
            for member in page.object_list:
                member.appraisal_url = url("appraisals:detail", member.appraisal_id) if member.appraisal_id else None
            context["page"] = page
    template = "appraisals/cycles_detail.html"
    if request.htmx and not request.htmx.history_restore_request and "page" in request.GET:
        template += "#chase"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# Spreadsheet words are Vietnamese data (CONTRACTS.md), like the import's column labels.
STARTED, NOT_STARTED = "Đang làm, chưa nộp", "Chưa bắt đầu"


@login_required
@require_GET
def not_submitted_xlsx(request, pk: int):
    """Who has not submitted yet in the viewed unit, as an .xlsx to chase them (name order, with contacts)."""
    cycle, unit, _roots = _managed_view(request, pk)
    people = not_submitted(cycle, list(Unit.objects.within(unit).values_list("pk", flat=True)))
    count = people.count()
    if count > settings.EXPORT_INLINE_ROWS:
        messages.error(
            request,
            _(
                "%(count)d people have not submitted in %(unit)s: choose a smaller unit (a commune or a school) "
                "to download the list."
            )
            % {"count": count, "unit": unit.name},
        )
        return redirect(reverse("appraisals:cycle-detail", args=[cycle.pk]) + f"?unit={unit.pk}")
    handle, written = chase_workbook(
        people,
        status_header="Tự đánh giá",
        status_of=lambda member: STARTED if member.appraisal_id else NOT_STARTED,
        sheet="Chưa nộp tự đánh giá",
    )
    export_log.info(
        "user=%s exported not-submitted cycle=%s unit=%s rows=%d", request.user.username, cycle.pk, unit.code, written
    )
    name = f"chua-nop-tu-danh-gia-{unit.code}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


@login_required
@require_GET
def cycle_ratings(request, pk: int):
    """Rating distribution of the confirmed evaluations by child unit and by level of education, the share
    Khá or better against the province's target, the change against last year; self-ratings beside."""
    cycle, unit, roots = _managed_view(request, pk)
    context = _context(request, cycle, unit, roots, "ratings")
    context.update(
        dist=distribution(cycle, Subtree.of(unit), no_level=_("Level not recorded")),
        rating_labels=[Rating(code).label for code in RATING_ORDER],
        target=KHA_OR_BETTER_TARGET,
        previous_year=services.school_year_label(cycle.year - 1),
    )
    return render(request, "appraisals/cycles_ratings.html", context)


@login_required
@require_GET
def cycle_needs(request, pk: int):
    """Training needs of the cycle's school year in the viewed unit: by criterion (rated lowest / declared),
    and per child unit × criterion of one standard, shaded by the share of the people appraised."""
    cycle, unit, roots = _managed_view(request, pk)
    context = _context(request, cycle, unit, roots, "needs")
    rows = needs_by_criterion(unit, cycle.year)
    codes = sorted({row.standard_code for row in rows})
    chosen = request.GET.get("standard") or (
        max(codes, key=lambda c: sum(r.people for r in rows if r.standard_code == c)) if codes else ""
    )
    if chosen and chosen not in codes:
        chosen = codes[0] if codes else ""
        context["bad_standard"] = True
    criteria = list(Criterion.objects.filter(standard__code=chosen).order_by("number")) if chosen else []
    context.update(
        rows=rows,
        text_only=needs_without_criterion(unit, cycle.year),
        codes=codes,
        chosen=chosen,
        criteria=criteria,
        heat=needs_heat(cycle, Subtree.of(unit), criteria),
    )
    return render(request, "appraisals/cycles_needs.html", context)


# Subject groups ----------------------------------------------------------------------------------------


def _managed_unit(request, pk: int) -> Unit:
    return get_object_or_404(permissions.manageable_units(request.user), pk=pk)


def _cycle_from_query(request) -> AppraisalCycle | None:
    raw = request.GET.get("cycle", "")
    if not raw.isdigit():
        return None
    return AppraisalCycle.objects.visible_to(request.user).filter(pk=int(raw)).first()


@login_required
@require_GET
def groups(request, pk: int):
    """The school's subject groups (tổ chuyên môn), and who belongs to none yet."""
    unit = _managed_unit(request, pk)
    cycle = _cycle_from_query(request)
    unit_groups = list(
        SubjectGroup.objects.filter(unit=unit).select_related("leader").annotate(size=Count("members")).order_by("name")
    )
    outside = (
        expected_staff()
        .filter(unit=unit, subject_groups__isnull=True)
        .only("full_name", "position", "sort_key")
        .order_by("sort_key", "pk")
    )
    links = {}
    if cycle is not None:
        query = f"?cycle={cycle.pk}"
        for group in unit_groups:
            links[group.pk] = [
                (label, url)
                for label, url in (
                    (_("Evaluate the group"), url("appraisals:bulk-evaluate", group.pk, query=query)),
                    (
                        _("Colleagues' opinions (form 03)"),
                        url("appraisals:group-summary", group.pk, query=query),
                    ),
                    (_("Form 03 (PDF)"), url("appraisals:form-03", group.pk, query=query)),
                )
                if url
            ]
    return render(
        request,
        "appraisals/cycles_groups.html",
        {
            "unit": unit,
            "cycle": cycle,
            "groups": [(group, links.get(group.pk, [])) for group in unit_groups],
            "outside": list(outside),
        },
    )


def _save_group(request, unit: Unit, group: SubjectGroup | None):
    form = GroupForm(request.POST or None, unit=unit, group=group)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_group(
                unit=unit,
                name=data["name"],
                leader=data["leader"],
                members=data["members"],
                group=group,
                expected_version=data["version"],
            )
        except services.AppraisalError as error:
            form.add_error(None, str(error))
            status = 409 if isinstance(error, services.Stale) else 200
        else:
            messages.success(request, _("The group “%(name)s” has been saved.") % {"name": saved.name})
            return redirect("appraisals:groups", pk=unit.pk)
    return render(
        request, "appraisals/cycles_group_form.html", {"form": form, "unit": unit, "group": group}, status=status
    )


@login_required
def group_new(request, pk: int):
    unit = _managed_unit(request, pk)
    if not can_manage_groups(request.user, unit):
        raise Http404
    return _save_group(request, unit, None)


@login_required
def group_edit(request, pk: int):
    group = get_object_or_404(
        SubjectGroup.objects.filter(unit__in=permissions.manageable_units(request.user)).select_related("unit"), pk=pk
    )
    if not can_manage_groups(request.user, group.unit):
        raise Http404
    return _save_group(request, group.unit, group)


# Evaluation policy -------------------------------------------------------------------------------------


@login_required
def policy(request, pk: int):
    """Whether the unit evaluates its teachers every year instead of every two (TT 20 Điều 11 khoản 3), with
    the decision; who decided and when. Only the unit's managers."""
    unit = _managed_unit(request, pk)
    current = EvaluationPolicy.objects.filter(unit=unit).select_related("decided_by").first()
    initial = {"yearly": current.yearly, "note": current.note, "version": current.version} if current else {}
    form = PolicyForm(request.POST or None, initial={"version": 0, **initial})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.set_evaluation_policy(
                unit,
                yearly=form.cleaned_data["yearly"],
                by=request.user,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except services.Stale as error:
            form.add_error(None, str(error))
            status = 409
        else:
            messages.success(request, _("The evaluation policy of %(unit)s has been saved.") % {"unit": unit.name})
            return redirect("appraisals:policy", pk=unit.pk)
    above = EvaluationPolicy.objects.filter(unit_id__in=unit.ancestor_ids()[:-1], yearly=True).select_related(
        "unit", "decided_by"
    )
    return render(
        request,
        "appraisals/cycles_policy.html",
        {"unit": unit, "form": form, "current": current, "above": list(above)},
        status=status,
    )


urlpatterns = [
    path("cycles/", cycle_list, name="cycles"),
    path("cycles/new/", cycle_new, name="cycle-new"),
    path("cycles/<int:pk>/", cycle_detail, name="cycle-detail"),
    path("cycles/<int:pk>/edit/", cycle_edit, name="cycle-edit"),
    path("cycles/<int:pk>/ratings/", cycle_ratings, name="cycle-ratings"),
    path("cycles/<int:pk>/needs/", cycle_needs, name="cycle-needs"),
    path("cycles/<int:pk>/not-submitted.xlsx", not_submitted_xlsx, name="not-submitted-xlsx"),
    path("units/<int:pk>/groups/", groups, name="groups"),
    path("units/<int:pk>/groups/new/", group_new, name="group-new"),
    path("groups/<int:pk>/edit/", group_edit, name="group-edit"),
    path("units/<int:pk>/policy/", policy, name="policy"),
]
