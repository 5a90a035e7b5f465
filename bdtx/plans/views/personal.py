"""The person's own BDTX plan with its live period balance and suggested modules; the head's approvals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bdtx.accounts import permissions as account_permissions
from bdtx.appraisals.permissions import own_staff
from bdtx.catalog.models import TrainingModule
from bdtx.organisations.models import Unit
from bdtx.staff.models import StaffMember, Status

from .. import permissions, services
from ..models import PersonalPlan, PlanStatus, UnitPlan
from ..suggestions import suggestions


def current_year_for(staff) -> int | None:
    """The school year of the newest unit plan reaching the person (plans are made ahead of the year)."""
    plan = UnitPlan.objects.filter(unit_id__in=staff.unit.ancestor_ids()).order_by("-year").first()
    return plan.year if plan else None


@login_required
@require_GET
def mine(request):
    """The signed-in person's plan for the year their unit is planning, started on first visit."""
    own = own_staff(request.user)
    if own is None:
        return render(request, "plans/personal_none.html", {"reason": "no_record"})
    year = current_year_for(own)
    if year is None:
        return render(request, "plans/personal_none.html", {"reason": "no_unit_plan", "member": own})
    try:
        plan = services.start_personal_plan(own, year)
    except services.PlanError as error:
        return render(request, "plans/personal_none.html", {"reason": "no_programme", "error": error})
    return redirect("plans:personal", pk=plan.pk)


def plan_in_scope(user, pk: int) -> PersonalPlan:
    return get_object_or_404(
        PersonalPlan.objects.visible_to(user).select_related(
            "staff", "staff__unit", "unit", "programme", "unit_plan", "decided_by"
        ),
        pk=pk,
    )


def _is_owner(user, plan: PersonalPlan) -> bool:
    return plan.staff.user_id is not None and plan.staff.user_id == user.pk


def _context(request, plan: PersonalPlan, *, chosen_ids=None) -> dict:
    owner = _is_owner(request.user, plan)
    items = list(plan.items.select_related("topic", "module").order_by("content", "pk"))
    chosen = {item.module_id for item in items if item.module_id} if chosen_ids is None else set(chosen_ids)
    editable = owner and plan.status in (PlanStatus.DRAFT, PlanStatus.RETURNED)
    offered = list(services.offered_modules(plan).prefetch_related("criteria")) if editable else []
    check = services.plan_check(plan)
    return {
        "plan": plan,
        "member": plan.staff,
        "owner": owner,
        "editable": editable,
        "topics": [item for item in items if item.topic_id],
        "chosen_modules": [item for item in items if item.module_id],
        "suggested": suggestions(plan, offered),
        "chosen": chosen,
        "balance": _balance_rows(plan, check),
        "problems": check["problems"],
        "can_decide": plan.status == PlanStatus.SUBMITTED and permissions.can_decide_personal_plan(request.user, plan),
        "deadline": (deadline := plan.unit_plan.personal_plan_deadline if plan.unit_plan else None),
        "days_left": (deadline - timezone.localdate()).days if deadline else None,
        "events": plan.events.select_related("by")[:10],
        "today": timezone.localdate(),
    }


def _balance_rows(plan: PersonalPlan, balance: dict) -> list[dict]:
    names = {content.code: content.name for content in plan.programme.contents.all()}
    rows = []
    for code, required in balance["required"].items():
        planned = balance["planned"].get(code, 0)
        rows.append(
            {
                "code": code,
                "name": names.get(code, _("Total")) if code != "total" else _("Total"),
                "required": required,
                "planned": planned,
                "missing": max(0, required - planned),
            }
        )
    return rows


@login_required
@require_GET
def personal(request, pk: int):
    """A personal plan: contents 01/02 set by the plans above, modules chosen for 03, and the live balance."""
    plan = plan_in_scope(request.user, pk)
    return render(request, "plans/personal_detail.html", _context(request, plan))


@login_required
@require_POST
def choose_modules(request, pk: int):
    """Save the modules chosen for content 03 (htmx on every tick, or the Save button) and show the balance."""
    plan = plan_in_scope(request.user, pk)
    if not _is_owner(request.user, plan):
        raise PermissionDenied
    ids = [int(value) for value in request.POST.getlist("module") if value.isdigit()]
    modules = list(TrainingModule.objects.filter(pk__in=ids))
    try:
        services.set_modules(plan, modules, by=request.user, expected_version=request.POST.get("version") or None)
        if request.POST.get("action") == "submit":
            services.submit_personal_plan(plan, by=request.user)
    except services.PlanError as error:
        if request.htmx:
            context = _context(request, plan, chosen_ids=ids) | {"error": error}
            return render(request, "plans/personal_detail.html#balance", context, status=400)
        messages.error(request, str(error))
        return render(request, "plans/personal_detail.html", _context(request, plan, chosen_ids=ids), status=400)
    if request.htmx:
        return render(request, "plans/personal_detail.html#balance", _context(request, plan) | {"saved": True})
    if plan.status == PlanStatus.SUBMITTED:
        messages.success(request, _("Plan submitted; your school will approve it or return it with a comment."))
    else:
        messages.success(request, _("Plan saved."))
    return redirect("plans:personal", pk=plan.pk)


@login_required
@require_POST
def decide(request, pk: int):
    """The head approves one plan, or returns it with a comment."""
    plan = plan_in_scope(request.user, pk)
    if not permissions.can_decide_personal_plan(request.user, plan):
        raise PermissionDenied
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_personal_plans(
            [plan], by=request.user, approve=approve, comment=request.POST.get("comment", "")
        )
    except services.PlanError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Plan approved.") if approve else _("Plan returned with your comment."))
    return redirect("plans:personal", pk=plan.pk)


# The head's approvals -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def approvals(request, pk: int):
    """The plans of a unit waiting for the head's decision: approve many at once, or return them with a comment."""
    unit = get_object_or_404(Unit, pk=pk)
    if not account_permissions.can_manage_unit(request.user, unit):
        raise Http404
    year = request.GET.get("year") or request.POST.get("year")
    if year is not None and not str(year).isdigit():
        raise Http404
    plans_qs = (
        PersonalPlan.objects.visible_to(request.user)
        .filter(unit=unit)
        .select_related("staff", "staff__unit", "programme")
        .order_by("staff__sort_key", "pk")
    )
    years = sorted(set(plans_qs.values_list("year", flat=True)), reverse=True)
    year = int(year) if year else (years[0] if years else timezone.localdate().year)
    plans = list(plans_qs.filter(year=year))
    waiting = [
        p for p in plans if p.status == PlanStatus.SUBMITTED and permissions.can_decide_personal_plan(request.user, p)
    ]
    if request.method == "POST":
        ids = {int(value) for value in request.POST.getlist("plan") if value.isdigit()}
        chosen = [p for p in waiting if p.pk in ids]
        approve = request.POST.get("decision") == "approve"
        if not chosen:
            messages.error(request, _("Tick the plans to decide on first."))
        else:
            try:
                count = services.decide_personal_plans(
                    chosen, by=request.user, approve=approve, comment=request.POST.get("comment", "")
                )
            except services.PlanError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    (_("%(count)d plans approved.") if approve else _("%(count)d plans returned with your comment."))
                    % {"count": count},
                )
                return redirect(f"{request.path}?year={year}")
    counts = {status: 0 for status, _label in PlanStatus.choices}
    for plan in plans:
        counts[plan.status] += 1
    expected = StaffMember.objects.filter(unit=unit, status=Status.WORKING, group__in=["teacher", "manager"]).count()
    totals = _totals([p.pk for p in waiting])
    rows = [{"plan": p, "periods": totals.get(p.pk, 0)} for p in waiting]
    context = {
        "unit": unit,
        "year": year,
        "years": years,
        "rows": rows,
        "counts": counts,
        "expected": expected,
        "without_plan": max(0, expected - len(plans)),
    }
    return render(request, "plans/personal_approvals.html", context)


def _totals(plan_ids) -> dict[int, int]:
    from django.db.models import Sum

    from ..models import PersonalPlanItem

    rows = PersonalPlanItem.objects.filter(plan_id__in=plan_ids).values("plan_id").annotate(total=Sum("periods"))
    return {row["plan_id"]: row["total"] for row in rows}


urlpatterns = [
    path("mine/", mine, name="mine"),
    path("personal/<int:pk>/", personal, name="personal"),
    path("personal/<int:pk>/modules/", choose_modules, name="personal-modules"),
    path("personal/<int:pk>/decide/", decide, name="personal-decide"),
    path("units/<int:pk>/approvals/", approvals, name="approvals"),
]
