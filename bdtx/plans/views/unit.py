"""Unit plans, Sở → commune/Phòng → school: the list, creating a unit's plan from the plan above, reading it
(topics own and inherited, modules, the period check, the approved plans below), editing, submitting, approving
or returning, and the plan printed as an official document."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bdtx.accounts import permissions as account_permissions
from bdtx.accounts.models import MANAGING_ROLES
from bdtx.lib import cells
from bdtx.lib.pdf import pdf_response
from bdtx.lib.schoolyear import current_school_year
from bdtx.organisations.models import Level, Unit

from .. import services
from ..aggregation import aggregate, chain, period_warnings, periods_by_content, topic_rows
from ..models import PlanStatus, UnitPlan
from ..pdf import unit_plan_document
from ..permissions import can_decide_unit_plan, can_write_unit_plan

PAGE_SIZE = 50
DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
OPEN = (PlanStatus.DRAFT, PlanStatus.RETURNED)


# Forms (used by these views only) ------------------------------------------------------------------------


class ModuleChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, module) -> str:
        if module.periods:
            return _("%(code)s %(title)s (%(periods)d periods)") % {
                "code": module.code,
                "title": module.title,
                "periods": module.periods,
            }
        return _("%(code)s %(title)s (periods not set yet)") % {"code": module.code, "title": module.title}


class UnitPlanForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Plan title"), max_length=255, widget=forms.TextInput(attrs={"size": 80})
    )
    objectives = forms.CharField(
        label=gettext_lazy("Objectives and requirements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    organisation = forms.CharField(
        label=gettext_lazy("Forms of organisation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Face-to-face, distance (online) or blended, and when (TT 19/2019 Điều 6)."),
    )
    outcomes = forms.CharField(
        label=gettext_lazy("Expected outcomes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    targets = forms.CharField(label=gettext_lazy("Targets"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    personal_plan_deadline = forms.CharField(
        label=gettext_lazy("Personal plans due"),
        widget=forms.TextInput(attrs=DATE_ATTRS),
        help_text=gettext_lazy("Teachers and managers submit their personal plans by this date (dd/mm/yyyy)."),
        error_messages={"required": gettext_lazy("Type the date personal plans are due, as dd/mm/yyyy.")},
    )
    modules = ModuleChoices(
        queryset=None,
        label=gettext_lazy("Modules offered for content 03"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, plan: UnitPlan, allowed, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "title": plan.title,
                "objectives": plan.objectives,
                "organisation": plan.organisation,
                "outcomes": plan.outcomes,
                "targets": plan.targets,
                "personal_plan_deadline": plan.personal_plan_deadline.strftime("%d/%m/%Y")
                if plan.personal_plan_deadline
                else "",
                "modules": [m.pk for m in plan.modules.all()],
                "version": plan.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["modules"].queryset = allowed
        if plan.parent_id:
            self.fields["modules"].help_text = _("A choice among the modules the plan above offers.")
        else:
            self.fields["modules"].help_text = _("The active modules of the catalogue for the year's programmes.")

    def clean_personal_plan_deadline(self):
        try:
            return cells.date(self.cleaned_data["personal_plan_deadline"], allow_future=True)
        except cells.Invalid as error:
            raise forms.ValidationError(str(error)) from None

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "objectives": data["objectives"],
            "organisation": data["organisation"],
            "outcomes": data["outcomes"],
            "targets": data["targets"],
            "personal_plan_deadline": data["personal_plan_deadline"],
        }


CONTENT_CHOICES = [
    ("01", gettext_lazy("01 – set by the Ministry")),
    ("02", gettext_lazy("02 – set by the Sở")),
]


class TopicForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    content = forms.ChoiceField(label=gettext_lazy("Content"), choices=CONTENT_CHOICES)
    title = forms.CharField(
        label=gettext_lazy("Topic"),
        max_length=300,
        error_messages={"required": gettext_lazy("Give the topic a title.")},
        widget=forms.TextInput(attrs={"size": 50}),
    )
    periods = forms.IntegerField(
        label=gettext_lazy("Periods"),
        min_value=1,
        max_value=200,
        error_messages={
            "required": gettext_lazy("Type the topic's periods, e.g. 10."),
            "invalid": gettext_lazy("Type the periods as a whole number, e.g. 10."),
            "min_value": gettext_lazy("A topic takes at least 1 period."),
            "max_value": gettext_lazy("A topic takes at most 200 periods; split it into several."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "short-number"}),
    )
    levels = forms.MultipleChoiceField(
        label=gettext_lazy("For"),
        choices=Level.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave all unticked: for everyone."),
    )


TopicFormSet = forms.formset_factory(TopicForm, extra=3, can_delete=True, can_order=True, max_num=100)


def topic_initial(plan: UnitPlan) -> list[dict]:
    return [
        {
            "id": topic.pk,
            "content": topic.content,
            "title": topic.title,
            "periods": topic.periods,
            "levels": [code for code in topic.levels.split(",") if code],
        }
        for topic in plan.topics.order_by("content", "position", "pk")
    ]


def topic_values(formset) -> list[dict]:
    """The topics the formset keeps, in the order typed (by content, then the order number)."""
    values = []
    for form in formset.ordered_forms:
        data = form.cleaned_data
        values.append(
            {
                "id": data.get("id"),
                "content": data["content"],
                "title": data["title"],
                "periods": data["periods"],
                "levels": ",".join(data.get("levels") or []),
            }
        )
    return sorted(values, key=lambda value: value["content"])  # stable: the order within a content stays


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("return", gettext_lazy("Return for changes"))],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose whether to approve the plan or return it.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when returning: say what to change."),
    )


# Helpers -----------------------------------------------------------------------------------------------


def url(name: str, *args) -> str:
    return reverse(name, args=args)


def _plan(request, pk: int) -> UnitPlan:
    return get_object_or_404(
        UnitPlan.objects.visible_to(request.user).select_related("unit", "parent", "parent__unit", "decided_by"),
        pk=pk,
    )


def _edit_refusal(user, plan: UnitPlan) -> str:
    if not can_write_unit_plan(user, plan.unit):
        return _("Only the managers of %(unit)s can change or submit its plan.") % {"unit": plan.unit.name}
    if plan.status not in OPEN:
        return _("The plan was submitted; it can change again only if the level above returns it.")
    return ""


def _decide_refusal(user, plan: UnitPlan) -> str:
    if not can_decide_unit_plan(user, plan.unit):
        return _("The plan of %(unit)s is approved or returned by the level above, not by the unit itself.") % {
            "unit": plan.unit.name
        }
    if plan.status != PlanStatus.SUBMITTED:
        return _("Only a submitted plan can be approved or returned.")
    return ""


def _year(request) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return current_school_year()


def creatable_units(user, year: int) -> list[dict]:
    """The units whose plan for `year` the user writes: their plan if it exists, else whether it can be made
    (the plan of a unit above exists, or the unit is the top of the tree). One query."""
    units = {role.unit.pk: role.unit for role in account_permissions.roles_of(user) if role.role in MANAGING_ROLES}
    if not units:
        return []
    ids = {pk for unit in units.values() for pk in unit.ancestor_ids()}
    plans = dict(UnitPlan.objects.filter(year=year, unit_id__in=ids).values_list("unit_id", "pk"))
    rows = []
    for unit in sorted(units.values(), key=lambda u: u.path):
        above = any(pk in plans for pk in unit.ancestor_ids()[:-1])
        rows.append(
            {
                "unit": unit,
                "plan": plans.get(unit.pk),
                "can_create": unit.pk not in plans and (above or unit.parent_id is None),
            }
        )
    return rows


# Views -------------------------------------------------------------------------------------------------


@login_required
@require_GET
def unit_plan_list(request):
    """The unit plans the user may read for a school year (their units', those above and below), with status."""
    user = request.user
    year = _year(request)
    visible = UnitPlan.objects.visible_to(user)
    plans = visible.filter(year=year).select_related("unit", "parent__unit").order_by("unit__path", "pk")
    status = request.GET.get("status", "")
    if status in PlanStatus.values:
        plans = plans.filter(status=status)
    else:
        status = ""
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    this_year = current_school_year()
    years = sorted(set(visible.order_by().values_list("year", flat=True).distinct()) | {this_year, this_year + 1})
    return render(
        request,
        "plans/unit_list.html",
        {
            "page": page,
            "year": year,
            "school_year": f"{year}-{year + 1}",
            "years": [(y, f"{y}-{y + 1}") for y in reversed(years)],
            "status": status,
            "statuses": PlanStatus.choices,
            "own_units": creatable_units(user, year),
        },
    )


@login_required
@require_POST
def unit_plan_new(request):
    """Create the plan of one of the user's units for a school year, derived from the plan above."""
    raw_unit, raw_year = request.POST.get("unit", ""), request.POST.get("year", "")
    if not raw_unit.isdigit() or not raw_year.isdigit() or not 2000 <= int(raw_year) <= 2100:
        raise Http404
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=int(raw_unit))
    year = int(raw_year)
    back = reverse("plans:unit-plans") + f"?year={year}"
    if not can_write_unit_plan(request.user, unit):
        messages.error(request, _("Only the managers of %(unit)s can make its plan.") % {"unit": unit.name})
        return redirect(back)
    try:
        plan = services.create_unit_plan(unit=unit, year=year, by=request.user)
    except services.PlanError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, _("The plan “%(title)s” has been created as a draft.") % {"title": plan.title})
    return redirect("plans:unit-plan-edit", pk=plan.pk)


@login_required
@require_GET
def unit_plan_detail(request, pk: int):
    """The plan: its four parts, the topics of 01/02 (own and inherited), the modules of 03, the deadline, the
    status and history, the plan above, and for those who manage the unit the approved plans below."""
    plan = _plan(request, pk)
    user = request.user
    plans = chain(plan)
    rows = topic_rows(plans)
    manages = account_permissions.can_manage_unit(user, plan.unit)
    children = None
    if not manages:
        children = list(
            UnitPlan.objects.visible_to(user).filter(parent=plan).select_related("unit").order_by("unit__path")
        )
    edit_refusal = _edit_refusal(user, plan)
    context = {
        "plan": plan,
        "above": plans[1:],
        "rows": rows,
        "totals": periods_by_content(rows),
        "modules": list(plan.modules.order_by("code")),
        "events": list(plan.events.select_related("by")[:50]),
        "warnings": period_warnings(plan, rows) if manages else [],
        "aggregation": aggregate(plan) if manages else None,
        "children": children,
        "can_edit": not edit_refusal,
        "can_decide": not _decide_refusal(user, plan),
        "decision_form": DecisionForm(),
        "approvals_url": url("plans:approvals", plan.unit_id) if manages else None,
        "budget_url": url("plans:budget", plan.pk) if manages else None,
    }
    return render(request, "plans/unit_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def unit_plan_edit(request, pk: int):
    """The unit's own managers write the plan while it is a draft or was returned (saving a returned plan puts
    it back to draft): its texts, the deadline, the topics of 01/02 and the modules it offers."""
    plan = _plan(request, pk)
    refusal = _edit_refusal(request.user, plan)
    if refusal:
        messages.error(request, refusal)
        return redirect("plans:unit-plan", pk=plan.pk)
    allowed = services.modules_allowed(plan).order_by("code")
    data = request.POST if request.method == "POST" else None
    form = UnitPlanForm(data, plan=plan, allowed=allowed)
    topics = TopicFormSet(data, initial=topic_initial(plan), prefix="topics")
    if request.method == "POST" and form.is_valid() and topics.is_valid():
        try:
            services.save_unit_plan(
                plan,
                by=request.user,
                **form.values(),
                topics=topic_values(topics),
                modules=form.cleaned_data["modules"],
                expected_version=form.cleaned_data["version"],
            )
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The plan “%(title)s” has been saved.") % {"title": plan.title})
            return redirect("plans:unit-plan", pk=plan.pk)
    inherited = [row for row in topic_rows(chain(plan)) if row.inherited]
    return render(
        request,
        "plans/unit_edit.html",
        {"plan": plan, "form": form, "topics": topics, "inherited": inherited},
    )


@login_required
@require_POST
def unit_plan_submit(request, pk: int):
    """The unit's managers send the plan to the level above."""
    plan = _plan(request, pk)
    refusal = _edit_refusal(request.user, plan)
    if refusal:
        messages.error(request, refusal)
        return redirect("plans:unit-plan", pk=plan.pk)
    try:
        services.submit_unit_plan(plan, by=request.user)
    except services.PlanError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The plan has been submitted to the level above."))
    return redirect("plans:unit-plan", pk=plan.pk)


@login_required
@require_http_methods(["GET", "POST"])
def unit_plan_decide(request, pk: int):
    """The level above approves a submitted plan, or returns it with a comment saying what to change."""
    plan = _plan(request, pk)
    refusal = _decide_refusal(request.user, plan)
    if refusal:
        messages.error(request, refusal)
        return redirect("plans:unit-plan", pk=plan.pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.decide_unit_plan(plan, by=request.user, approve=approve, comment=form.cleaned_data["comment"])
        except services.PlanError as error:
            form.add_error("comment" if not approve and not isinstance(error, services.Stale) else None, str(error))
        else:
            if approve:
                messages.success(request, _("The plan of %(unit)s is approved.") % {"unit": plan.unit.name})
            else:
                messages.success(
                    request, _("The plan of %(unit)s was returned for changes.") % {"unit": plan.unit.name}
                )
            return redirect("plans:unit-plan", pk=plan.pk)
    return render(request, "plans/unit_decide.html", {"plan": plan, "form": form})


@login_required
@require_GET
def unit_plan_pdf(request, pk: int):
    """The plan as a Vietnamese document laid out like the official plans, to print, sign and stamp."""
    plan = _plan(request, pk)
    document = unit_plan_document(plan)
    return pdf_response(document, f"ke-hoach-bdtx-{plan.unit.code}-{plan.school_year}.pdf")


urlpatterns = [
    path("unit-plans/", unit_plan_list, name="unit-plans"),
    path("unit-plans/new/", unit_plan_new, name="unit-plan-new"),
    path("unit-plans/<int:pk>/", unit_plan_detail, name="unit-plan"),
    path("unit-plans/<int:pk>/edit/", unit_plan_edit, name="unit-plan-edit"),
    path("unit-plans/<int:pk>/submit/", unit_plan_submit, name="unit-plan-submit"),
    path("unit-plans/<int:pk>/decide/", unit_plan_decide, name="unit-plan-decide"),
    path("unit-plans/<int:pk>/plan.pdf", unit_plan_pdf, name="unit-plan-pdf"),
]
