"""Every write of the yearly plans: unit plans derived from the plan above, personal plans with their period
balance checked by the programme's rule, approval and return by the level above, all audited."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.lib.db import update_if_unchanged
from bdtx.rules import periods as period_rules
from bdtx.rules.costs import cost_rules, format_money
from bdtx.rules.models import Programme, ProgrammeYear
from bdtx.rules.standards import matches, person_levels

from .models import (
    BudgetLine,
    CostCategory,
    CostRate,
    PersonalPlan,
    PersonalPlanItem,
    PlanEvent,
    PlanStatus,
    PlanTopic,
    UnitPlan,
)

DEFAULT_DEADLINE = (5, 31)  # TT 19/2019 Điều 8: personal plans go for approval before 31 May


class PlanError(Exception):
    """A refused action; the message says in the user's language what is wrong and what to do."""


class Stale(PlanError):
    pass


# Which programme and how many periods -------------------------------------------------------------------


def programme_for(staff, day: dt.date | None = None, *, year: int | None = None) -> Programme | None:
    """The programme the person follows: among those the province chose for the school year (ProgrammeYear at
    a unit above), else among those valid on `day`, the first by code whose `applies_to` matches their group
    and levels."""
    day = day or timezone.localdate()
    levels = person_levels(staff)
    if year is not None:
        chosen = (
            Programme.objects.filter(years__year=year, years__unit_id__in=staff.unit.ancestor_ids())
            .order_by("code")
            .distinct()
        )
        for programme in chosen:
            if matches(programme.applies_to, staff.group, levels, staff.position):
                return programme
    for programme in Programme.objects.valid_on(day).order_by("code"):
        if matches(programme.applies_to, staff.group, levels, staff.position):
            return programme
    return None


def requirement_for(programme: Programme, unit, year: int) -> period_rules.Requirement:
    """The periods a plan under `programme` must cover in `year` for a person of `unit`: the programme's,
    as split by the nearest unit above that set the year's programme (ProgrammeYear)."""
    base = {content.code: content.periods for content in programme.contents.all()}
    chosen = (
        ProgrammeYear.objects.filter(programme=programme, year=year, unit_id__in=unit.ancestor_ids())
        .order_by("-unit__depth")
        .first()
    )
    split = {**base, **{code: int(value) for code, value in (chosen.periods if chosen else {}).items()}}
    return period_rules.Requirement(periods=split, total=programme.total_periods)


PROBLEM_MESSAGES = {
    "module_twice": lambda v: _("Module %(module)s is in the plan twice; keep it once.") % v,
    "unknown_content": lambda v: _("Content %(content)s is not part of this programme.") % v,
    "content_short": lambda v: (
        _("Content %(content)s has %(planned)d of the %(required)d periods required: add %(missing)d more.")
        % {**v, "missing": v["required"] - v["planned"]}
    ),
    "total_short": lambda v: _("The plan has %(planned)d of the %(required)d periods of the year.") % v,
}


def plan_check(plan: PersonalPlan) -> dict:
    """The plan against the year's requirement, worked out once: {"required": {...}, "planned": {...}} per
    content and "total", and "problems" in the user's language (empty: the plan meets it)."""
    requirement = requirement_for(plan.programme, plan.unit, plan.year)
    lines = plan_lines(plan)
    return {
        "required": {**requirement.periods, "total": requirement.total},
        "planned": period_rules.balance(requirement, lines),
        "problems": [PROBLEM_MESSAGES[key](values) for key, values in period_rules.problems(requirement, lines)],
    }


def plan_problems(plan: PersonalPlan) -> list[str]:
    return plan_check(plan)["problems"]


def plan_balance(plan: PersonalPlan) -> dict:
    """{"required": {...}, "planned": {...}} per content and "total", for the live balance."""
    check = plan_check(plan)
    return {"required": check["required"], "planned": check["planned"]}


def plan_lines(plan: PersonalPlan) -> list[period_rules.Line]:
    return [
        period_rules.Line(content=item.content, periods=item.periods, module=item.module.code if item.module_id else "")
        for item in plan.items.select_related("module")
    ]


# Personal plans -------------------------------------------------------------------------------------------


def unit_plan_for(staff, year: int) -> UnitPlan | None:
    """The plan of the nearest unit above or at the person's unit for the year (the school's, usually)."""
    return UnitPlan.objects.filter(unit_id__in=staff.unit.ancestor_ids(), year=year).order_by("-unit__depth").first()


def start_personal_plan(staff, year: int) -> PersonalPlan:
    """The person's plan for the year, created on first use with the topics of 01/02 their unit's plan sets."""
    existing = (
        PersonalPlan.objects.filter(staff=staff, year=year).select_related("programme", "unit", "unit_plan").first()
    )
    if existing:
        return existing
    programme = programme_for(staff, dt.date(year, 9, 5), year=year)
    if programme is None:
        raise PlanError(
            _(
                "No BDTX programme applies to %(name)s (staff group and levels taught); "
                "ask the school to check the record."
            )
            % {"name": staff.full_name}
        )
    with transaction.atomic():
        plan, created = PersonalPlan.objects.get_or_create(
            staff=staff,
            year=year,
            defaults={"unit": staff.unit, "programme": programme, "unit_plan": unit_plan_for(staff, year)},
        )
        if created and plan.unit_plan is not None:
            PersonalPlanItem.objects.bulk_create(
                PersonalPlanItem(plan=plan, content=topic.content, topic=topic, periods=topic.periods)
                for topic in topics_for(plan.unit_plan, staff)
            )
    return plan


def topics_for(unit_plan: UnitPlan, staff) -> list[PlanTopic]:
    """The topics of contents 01/02 that the plan (or the plans above it) sets for the person's levels."""
    levels = set(person_levels(staff))
    plans, plan = [], unit_plan
    while plan is not None:
        plans.append(plan.pk)
        plan = plan.parent
    topics = PlanTopic.objects.filter(plan_id__in=plans).order_by("content", "position", "pk")
    return [t for t in topics if not t.levels or levels & set(t.levels.split(","))]


def _editable(plan: PersonalPlan) -> None:
    if plan.status in (PlanStatus.SUBMITTED, PlanStatus.APPROVED):
        raise PlanError(_("The plan was submitted; it can change again only if the school returns it."))


def _write_versioned(record, fields: list[str], expected_version: int | None, stale_message: str) -> None:
    """Write the record's `fields` only if nobody saved it since `expected_version` was read; else Stale."""
    if not update_if_unchanged(record, expected_version, **{name: getattr(record, name) for name in fields}):
        raise Stale(stale_message)


def _bump(plan: PersonalPlan, expected_version: int | None) -> None:
    """Raise the version if nobody changed the plan since it was read; else Stale."""
    if not update_if_unchanged(plan, expected_version, updated_at=timezone.now()):
        raise Stale(_("This plan was changed elsewhere since you opened it. Reload the page and try again."))


def set_modules(plan: PersonalPlan, modules, *, by, expected_version: int | None = None) -> PersonalPlan:
    """Content 03: the modules the person chooses (replacing the earlier choice), each with its periods."""
    _editable(plan)
    modules = list(modules)
    missing = [m.code for m in modules if not m.periods]
    if missing:
        raise PlanError(
            _("Modules %(codes)s have no periods set yet; the Sở sets them in the catalogue.")
            % {"codes": ", ".join(missing)}
        )
    offered = set(offered_modules(plan).values_list("pk", flat=True))
    outside = [m.code for m in modules if m.pk not in offered]
    if outside:
        raise PlanError(_("Modules %(codes)s are not offered to you this year.") % {"codes": ", ".join(outside)})
    with transaction.atomic():
        _bump(plan, expected_version)
        plan.items.filter(module__isnull=False).delete()
        PersonalPlanItem.objects.bulk_create(
            PersonalPlanItem(plan=plan, content=m.content, module=m, periods=m.periods) for m in modules
        )
    return plan


def offered_modules(plan: PersonalPlan):
    """Modules the person may choose: those of their unit's plan (or the nearest plan above that lists any),
    active, of the plan's programme, and meant for their group and levels."""
    from bdtx.catalog.models import TrainingModule

    chosen = TrainingModule.objects.filter(active=True, programme=plan.programme)
    unit_plan = plan.unit_plan
    while unit_plan is not None and not unit_plan.modules.exists():
        unit_plan = unit_plan.parent
    if unit_plan is not None:
        chosen = chosen.filter(pk__in=unit_plan.modules.values("pk"))
    levels = person_levels(plan.staff)
    return chosen.filter(
        pk__in=[
            m.pk for m in chosen if not m.target or matches(m.target, plan.staff.group, levels, plan.staff.position)
        ]
    )


def submit_personal_plan(plan: PersonalPlan, *, by, today: dt.date | None = None) -> PersonalPlan:
    """Submit for approval: refused, saying what is missing, unless the plan covers the year's periods."""
    _editable(plan)
    found = plan_problems(plan)
    if found:
        raise PlanError(" ".join(found))
    with transaction.atomic():
        _bump(plan, None)
        PersonalPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.SUBMITTED, submitted_at=timezone.now())
        plan.status = PlanStatus.SUBMITTED
        PlanEvent.objects.create(personal_plan=plan, by=by, action=PlanEvent.Action.SUBMITTED)
    return plan


def decide_personal_plans(plans, *, by, approve: bool, comment: str = "") -> int:
    """Approve or return (with a comment) submitted plans, one or many at once, in one transaction."""
    plans = list(plans)
    if not approve and not comment.strip():
        raise PlanError(_("Say what to change when returning a plan (field “Comment”)."))
    not_submitted = [p.staff.full_name for p in plans if p.status != PlanStatus.SUBMITTED]
    if not_submitted:
        raise PlanError(
            _("These plans are not waiting for a decision: %(names)s.") % {"names": ", ".join(not_submitted)}
        )
    now = timezone.now()
    status = PlanStatus.APPROVED if approve else PlanStatus.RETURNED
    with transaction.atomic():
        changed = PersonalPlan.objects.filter(pk__in=[p.pk for p in plans], status=PlanStatus.SUBMITTED).update(
            status=status,
            decided_by=by,
            decided_at=now,
            return_comment="" if approve else comment.strip(),
            version=F("version") + 1,
            updated_at=now,
        )
        if changed != len(plans):
            raise Stale(_("Some of these plans were decided meanwhile. Reload the page and check them."))
        action = PlanEvent.Action.APPROVED if approve else PlanEvent.Action.RETURNED
        PlanEvent.objects.bulk_create(
            PlanEvent(personal_plan=p, by=by, action=action, comment=comment.strip()) for p in plans
        )
    return changed


# Unit plans -----------------------------------------------------------------------------------------------


def create_unit_plan(*, unit, year: int, by, title: str = "") -> UnitPlan:
    """A unit's plan for the year, derived from the plan of the nearest unit above (its modules; its topics
    stay on the plan above and reach people through it). The Sở's plan has no parent."""
    if UnitPlan.objects.filter(unit=unit, year=year).exists():
        raise PlanError(
            _("%(unit)s already has a plan for %(year)s.") % {"unit": unit.name, "year": f"{year}-{year + 1}"}
        )
    parent = UnitPlan.objects.filter(unit_id__in=unit.ancestor_ids()[:-1], year=year).order_by("-unit__depth").first()
    if parent is None and unit.parent_id is not None:
        raise PlanError(_("The level above has no plan for this school year yet; it comes first."))
    month, day = DEFAULT_DEADLINE
    with transaction.atomic():
        plan = UnitPlan.objects.create(
            unit=unit,
            year=year,
            parent=parent,
            title=title
            or _("BDTX plan of %(unit)s, school year %(year)s") % {"unit": unit.name, "year": f"{year}-{year + 1}"},
            personal_plan_deadline=parent.personal_plan_deadline if parent else dt.date(year, month, day),
            created_by=by,
        )
        if parent is not None:
            plan.modules.set(parent.modules.all())
    return plan


def submit_unit_plan(plan: UnitPlan, *, by) -> UnitPlan:
    if plan.status in (PlanStatus.SUBMITTED, PlanStatus.APPROVED):
        raise PlanError(_("The plan was already submitted."))
    with transaction.atomic():
        # Conditional on the status: of two people submitting at once, the second is refused.
        if (
            not UnitPlan.objects.filter(pk=plan.pk)
            .exclude(status__in=(PlanStatus.SUBMITTED, PlanStatus.APPROVED))
            .update(status=PlanStatus.SUBMITTED, submitted_at=timezone.now(), version=F("version") + 1)
        ):
            raise PlanError(_("The plan was already submitted."))
        plan.status = PlanStatus.SUBMITTED
        PlanEvent.objects.create(unit_plan=plan, by=by, action=PlanEvent.Action.SUBMITTED)
    return plan


def decide_unit_plan(plan: UnitPlan, *, by, approve: bool, comment: str = "") -> UnitPlan:
    """The level above approves the plan, or returns it with a comment."""
    if plan.status != PlanStatus.SUBMITTED:
        raise PlanError(_("Only a submitted plan can be approved or returned."))
    if not approve and not comment.strip():
        raise PlanError(_("Say what to change when returning a plan (field “Comment”)."))
    with transaction.atomic():
        status = PlanStatus.APPROVED if approve else PlanStatus.RETURNED
        decided_at = timezone.now()
        # Conditional on the status: of two people deciding at once, the second is refused, not applied over.
        if not UnitPlan.objects.filter(pk=plan.pk, status=PlanStatus.SUBMITTED).update(
            status=status,
            decided_by=by,
            decided_at=decided_at,
            return_comment="" if approve else comment.strip(),
            version=F("version") + 1,
            updated_at=decided_at,
        ):
            raise Stale(_("Someone decided on this plan meanwhile. Reload the page to see the decision."))
        plan.status, plan.decided_by, plan.decided_at = status, by, decided_at
        plan.return_comment = "" if approve else comment.strip()
        plan.version += 1
        PlanEvent.objects.create(
            unit_plan=plan,
            by=by,
            action=PlanEvent.Action.APPROVED if approve else PlanEvent.Action.RETURNED,
            comment=comment.strip(),
        )
    return plan


def reopen_unit_plan(plan: UnitPlan) -> None:
    """A returned plan goes back to draft when its unit edits it."""
    if plan.status == PlanStatus.RETURNED:
        UnitPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.DRAFT)
        plan.status = PlanStatus.DRAFT


# Budgets and the province's rate card (TT 36/2018) ---------------------------------------------------------


def province_id(unit) -> int:
    """The top of the unit's tree: the province whose HĐND rates apply to it."""
    return unit.ancestor_ids()[0]


def _category_label(category: str) -> str:
    return str(CostCategory(category).label)


def _national_cap_problem(category: str, rate: int, name: str) -> str | None:
    cap = cost_rules().cap(category)
    if cap is not None and rate > cap:
        return _(
            "“%(name)s”: %(rate)s is above the cap of Thông tư 36/2018/TT-BTC for %(category)s: %(cap)s per learner. "
            "Lower it to at most %(cap)s."
        ) % {"name": name, "rate": format_money(rate), "category": _category_label(category), "cap": format_money(cap)}
    return None


@transaction.atomic
def save_rate(
    *,
    unit,
    category: str,
    label: str,
    per: str,
    max_rate: int,
    source: str = "",
    rate: CostRate | None = None,
    expected_version: int | None = None,
) -> CostRate:
    """Add a rate to the province's rate card (`unit`: the top of the tree), or change one (`rate`). Refused
    above the national cap (rewards: 200.000 đ per learner) or when the card already has that label; refused
    (Stale) when the rate changed since `expected_version` was read. Callers check that the user may edit the
    province's card (plans.permissions.can_edit_rates)."""
    label, per, source = " ".join(label.split()), " ".join(per.split()), " ".join(source.split())
    if category not in CostCategory.values:
        raise PlanError(_("Choose a spending category of Thông tư 36/2018/TT-BTC (field “Category”)."))
    if not label:
        raise PlanError(_("Name the rate (field “Label”), for example “Báo cáo viên cấp tỉnh”."))
    if not per:
        raise PlanError(_("Say what the rate is paid per (field “Per”), for example “người/buổi”."))
    if max_rate is None or max_rate <= 0:
        raise PlanError(_("“%(name)s”: the maximum rate must be a sum in đồng above 0.") % {"name": label})
    problem = _national_cap_problem(category, max_rate, label)
    if problem:
        raise PlanError(problem)
    top = province_id(unit)
    twin = CostRate.objects.filter(unit_id=top, category=category, label__iexact=label)
    if rate is not None:
        twin = twin.exclude(pk=rate.pk)
    if twin.exists():
        raise PlanError(
            _("The rate card already has “%(name)s” in %(category)s; change that rate instead.")
            % {"name": label, "category": _category_label(category)}
        )
    if rate is None:
        return CostRate.objects.create(
            unit_id=top, category=category, label=label, per=per, max_rate=max_rate, source=source
        )
    read_label = rate.label
    rate.category, rate.label, rate.per, rate.max_rate, rate.source = category, label, per, max_rate, source
    _write_versioned(
        rate,
        ["category", "label", "per", "max_rate", "source"],
        expected_version,
        _(
            "The rate “%(name)s” was changed by someone else since you opened this page. Reload the page to see "
            "their version, then make your change again."
        )
        % {"name": read_label},
    )
    return rate


def delete_rate(rate: CostRate) -> None:
    """Remove a rate from the card; budget lines that used it keep their rate (and lose the link)."""
    rate.delete()


def budget_editable(plan: UnitPlan) -> bool:
    return plan.status in (PlanStatus.DRAFT, PlanStatus.RETURNED)


def _budget_open(plan: UnitPlan) -> None:
    if not budget_editable(plan):
        raise PlanError(
            _("The plan was submitted; its budget can change again only if the level above returns the plan.")
        )


@transaction.atomic
def save_budget_line(
    plan: UnitPlan,
    *,
    by,
    category: str,
    description: str,
    quantity: Decimal,
    rate: int | None = None,
    unit_label: str = "",
    rate_card: CostRate | None = None,
    course_ref: str = "",
    line: BudgetLine | None = None,
    expected_version: int | None = None,
) -> BudgetLine:
    """Add a line to a unit plan's budget (amount = quantity × rate), or change one (`line`). The rate comes
    from the province's rate card when the card has rates for the category (its maximum when none is typed)
    and may not exceed it; rewards may not exceed TT 36/2018's 200.000 đ per learner. Each refusal names the
    line and the cap; a change is refused (Stale) when the line changed since `expected_version` was read. A
    returned plan goes back to draft. Callers check can_write_unit_plan."""
    _budget_open(plan)
    description, unit_label, course_ref = (" ".join(v.split()) for v in (description, unit_label, course_ref))
    if category not in CostCategory.values:
        raise PlanError(_("Choose a spending category of Thông tư 36/2018/TT-BTC (field “Category”)."))
    if not description:
        raise PlanError(_("Describe the line (field “Details”), for example “Báo cáo viên lớp mô đun GVPT 04”."))
    name = description
    if quantity is None or quantity <= 0:
        raise PlanError(_("Line “%(line)s”: the quantity must be more than 0.") % {"line": name})
    card = CostRate.objects.filter(unit_id=province_id(plan.unit), category=category)
    if rate_card is not None:
        if rate_card.unit_id != province_id(plan.unit):
            raise PlanError(_("Line “%(line)s”: pick a rate of this province's rate card.") % {"line": name})
        if rate_card.category != category:
            raise PlanError(
                _("Line “%(line)s”: the rate “%(rate)s” is for %(other)s, not %(category)s; pick one of %(category)s.")
                % {
                    "line": name,
                    "rate": rate_card.label,
                    "other": _category_label(rate_card.category),
                    "category": _category_label(category),
                }
            )
        if rate is None:
            rate = rate_card.max_rate
    elif card.exists():
        raise PlanError(
            _(
                "Line “%(line)s”: pick the rate from the province's rate card (field “Rate card”): "
                "it sets the caps of %(category)s."
            )
            % {"line": name, "category": _category_label(category)}
        )
    if rate is None or rate <= 0:
        raise PlanError(_("Line “%(line)s”: give the rate in đồng (field “Rate”).") % {"line": name})
    if rate_card is not None and rate > rate_card.max_rate:
        raise PlanError(
            _(
                "Line “%(line)s”: the rate %(rate)s is above the province's cap of %(cap)s per %(per)s "
                "(%(label)s). Lower it to at most %(cap)s."
            )
            % {
                "line": name,
                "rate": format_money(rate),
                "cap": format_money(rate_card.max_rate),
                "per": rate_card.per,
                "label": rate_card.label,
            }
        )
    problem = _national_cap_problem(category, rate, _("Line “%(line)s”") % {"line": name})
    if problem:
        raise PlanError(problem)
    if line is not None and line.plan_id != plan.pk:
        raise PlanError(_("This line belongs to another plan."))
    values = {
        "category": category,
        "description": description,
        "quantity": quantity,
        "unit_label": unit_label,
        "rate": rate,
        "rate_card": rate_card,
        "course_ref": course_ref,
    }
    if line is None:
        line = BudgetLine.objects.create(plan=plan, **values)
    else:
        read_description = line.description
        for name, value in values.items():
            setattr(line, name, value)
        _write_versioned(line, list(values), expected_version, line_changed_message(read_description))
    reopen_unit_plan(plan)
    return line


def line_changed_message(description: str) -> str:
    return _(
        "The line “%(line)s” was changed or removed by someone else since you opened this page. Reload the page "
        "to see the budget as it is now, then make your change again."
    ) % {"line": description}


@transaction.atomic
def delete_budget_line(line: BudgetLine, *, by) -> None:
    """Remove a line while the plan is a draft (or returned: it then goes back to draft)."""
    plan = line.plan
    _budget_open(plan)
    line.delete()
    reopen_unit_plan(plan)


# Unit plan editing ---------------------------------------------------------------------------------------

TOPIC_CONTENTS = ("01", "02")  # contents set by topics (chuyên đề); 03 is filled with modules


def year_programmes(year: int) -> list[Programme]:
    """The programmes in force at the start of the school year (the date start_personal_plan chooses by)."""
    return list(Programme.objects.valid_on(dt.date(year, 9, 5)).prefetch_related("contents").order_by("code"))


def modules_allowed(plan: UnitPlan):
    """The modules a unit plan may offer: a subset of the list of the nearest plan above that has one; for the
    Sở (or when no plan above lists any) the active catalogue of the year's programmes, national or added by a
    unit at or above the plan's unit."""
    from django.db.models import Q

    from bdtx.catalog.models import TrainingModule

    above = plan.parent
    while above is not None and not above.modules.exists():
        above = above.parent
    if above is not None:
        return above.modules.filter(active=True)
    return TrainingModule.objects.filter(
        Q(owner__isnull=True) | Q(owner_id__in=plan.unit.ancestor_ids()),
        active=True,
        programme__in=[programme.pk for programme in year_programmes(plan.year)],
    )


def _unit_plan_editable(plan: UnitPlan) -> None:
    if plan.status in (PlanStatus.SUBMITTED, PlanStatus.APPROVED):
        raise PlanError(_("The plan was submitted; it can change again only if the level above returns it."))


UNIT_PLAN_FIELDS = ("title", "objectives", "organisation", "outcomes", "targets", "personal_plan_deadline")


def save_unit_plan(
    plan: UnitPlan,
    *,
    by,
    topics: list[dict] | None = None,
    modules=None,
    expected_version: int | None = None,
    **fields,
) -> UnitPlan:
    """Save what a unit's managers wrote: any of the texts (UNIT_PLAN_FIELDS) and the personal-plan deadline
    given, the topics of 01/02 (the whole list, in order: {"id" (None for a new one), "content", "title",
    "periods", "levels"}) and the modules offered, when given. Only a draft or returned plan; a returned plan goes
    back to draft. Refused (Stale) if the plan changed since `expected_version` was read."""
    unknown = set(fields) - set(UNIT_PLAN_FIELDS)
    if unknown:
        raise TypeError(f"save_unit_plan() got unexpected fields {sorted(unknown)}")
    _unit_plan_editable(plan)
    if "title" in fields:
        fields["title"] = " ".join((fields["title"] or "").split())
        if not fields["title"]:
            raise PlanError(_("Give the plan a title (field “Plan title”)."))
    for name in ("objectives", "organisation", "outcomes", "targets"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    deadline = fields.get("personal_plan_deadline")
    if deadline is not None and not dt.date(plan.year - 1, 1, 1) <= deadline <= dt.date(plan.year + 1, 8, 31):
        raise PlanError(
            _("The personal plans' deadline %(day)s is outside school year %(year)s; type a date before %(end)s.")
            % {"day": f"{deadline:%d/%m/%Y}", "year": plan.school_year, "end": f"31/08/{plan.year + 1}"}
        )
    if modules is not None:
        modules = list(modules)
        allowed = set(modules_allowed(plan).values_list("pk", flat=True))
        outside = sorted(m.code for m in modules if m.pk not in allowed)
        if outside:
            raise PlanError(
                _("Modules %(codes)s are not in the list of the plan above; choose among the modules it offers.")
                % {"codes": ", ".join(outside)}
            )
    with transaction.atomic():
        if not update_if_unchanged(plan, expected_version, updated_at=timezone.now()):
            raise Stale(_("This plan was changed elsewhere since you opened it. Reload the page and try again."))
        for name, value in fields.items():
            setattr(plan, name, value)
        if plan.status == PlanStatus.RETURNED:
            plan.status = PlanStatus.DRAFT
        plan.save(update_fields=[*fields, "status", "updated_at"])
        if topics is not None:
            save_topics(plan, topics)
        if modules is not None:
            plan.modules.set(modules)
    return plan


def save_topics(plan: UnitPlan, topics: list[dict]) -> None:
    """Make the plan's topics the given list, in order. A changed topic updates the periods of the personal plans
    still in draft that include it; a removed one leaves them. A topic in a submitted or approved personal plan
    cannot be removed."""
    existing = {topic.pk: topic for topic in plan.topics.all()}
    for number, values in enumerate(topics, start=1):
        if values.get("content") not in TOPIC_CONTENTS:
            raise PlanError(
                _("Topic %(number)d: the content must be 01 or 02 (content 03 is made of modules).")
                % {"number": number}
            )
        if not " ".join(str(values.get("title") or "").split()):
            raise PlanError(_("Topic %(number)d: give the topic a title.") % {"number": number})
        if not isinstance(values.get("periods"), int) or values["periods"] < 1:
            raise PlanError(_("Topic %(number)d: the periods must be a whole number above 0.") % {"number": number})
        if values.get("id") is not None and values["id"] not in existing:
            raise PlanError(_("Topic %(number)d is not part of this plan; reload the page.") % {"number": number})
    kept = {values["id"] for values in topics if values.get("id") is not None}
    removed = [topic for pk, topic in existing.items() if pk not in kept]
    open_plans = (PlanStatus.DRAFT, PlanStatus.RETURNED)
    if removed:
        in_use = (
            PersonalPlanItem.objects.filter(topic__in=removed)
            .exclude(plan__status__in=open_plans)
            .values_list("topic__title", flat=True)
            .distinct()
        )
        if in_use:
            raise PlanError(
                _(
                    "Topics %(titles)s are in personal plans already submitted or approved; change their periods "
                    "instead of removing them, or ask for those plans to be returned first."
                )
                % {"titles": ", ".join(f"“{title}”" for title in sorted(in_use))}
            )
        PersonalPlanItem.objects.filter(topic__in=removed).delete()
        PlanTopic.objects.filter(pk__in=[topic.pk for topic in removed]).delete()
    for position, values in enumerate(topics, start=1):
        fields = {
            "content": values["content"],
            "title": " ".join(str(values["title"]).split()),
            "periods": values["periods"],
            "levels": values.get("levels") or "",
            "position": position,
        }
        topic = existing.get(values.get("id"))
        if topic is None:
            PlanTopic.objects.create(plan=plan, **fields)
            continue
        changed = (topic.content, topic.periods) != (fields["content"], fields["periods"])
        for name, value in fields.items():
            setattr(topic, name, value)
        topic.save()
        if changed:
            PersonalPlanItem.objects.filter(topic=topic, plan__status__in=open_plans).update(
                content=fields["content"], periods=fields["periods"]
            )
