"""Who may see, write, submit and decide on plans.

A unit's own managers write its plan; the level above approves or returns it (TT 19/2019 Điều 8: each
plan goes to the competent level). A person writes their own plan; the head of their school approves it,
and a principal's plan goes to the level above, like their appraisal."""

from django.db.models import Q

from bdtx.accounts import permissions
from bdtx.accounts.models import MANAGING_ROLES
from bdtx.appraisals.permissions import own_staff, superior_unit
from bdtx.organisations.models import Unit


def _reach(user) -> list[Unit]:
    units = [role.unit for role in permissions.roles_of(user)]
    own = own_staff(user)
    if own is not None:
        units.append(own.unit)
    return units


def unit_plans_in_scope(user):
    """Plans of units above, at or below the user's units."""
    from .models import UnitPlan

    if getattr(user, "is_superuser", False):
        return UnitPlan.objects.all()
    units = _reach(user)
    if not units:
        return UnitPlan.objects.none()
    condition = Q(unit_id__in={pk for unit in units for pk in unit.ancestor_ids()})
    for unit in units:
        condition |= Q(unit__path__startswith=unit.path)
    return UnitPlan.objects.filter(condition)


def can_write_unit_plan(user, unit: Unit) -> bool:
    """The unit's own managers (a role held at that very unit), or a system administrator."""
    if permissions.is_system_admin(user):
        return True
    return any(role.unit.pk == unit.pk for role in permissions.roles_of(user) if role.role in MANAGING_ROLES)


def can_decide_unit_plan(user, unit: Unit) -> bool:
    """The level above: a managing role at a unit strictly above, or a system administrator. The top of the
    tree (the Sở) has no level above: its own managers approve (issue) its plan."""
    if permissions.is_system_admin(user):
        return True
    if unit.parent_id is None:
        return can_write_unit_plan(user, unit)
    return any(
        unit.is_within(role.unit) and role.unit.pk != unit.pk
        for role in permissions.roles_of(user)
        if role.role in MANAGING_ROLES
    )


def deciding_unit(plan) -> Unit | None:
    """Whose head approves a personal plan: the school's, or for a principal the level above."""
    from bdtx.rules.standards import matches

    staff = plan.staff
    if matches({"groups": ["manager"], "position_keywords": ["hieu truong"]}, staff.group, [], staff.position):
        return superior_unit(staff.unit)
    return staff.unit


def can_decide_personal_plan(user, plan) -> bool:
    """The head of the deciding unit (never the person themself), or a system administrator."""
    if plan.staff.user_id is not None and plan.staff.user_id == user.pk:
        return False
    if permissions.is_system_admin(user):
        return True
    unit = deciding_unit(plan)
    if unit is None:
        return False
    return any(unit.is_within(role.unit) for role in permissions.roles_of(user) if role.role in MANAGING_ROLES)


def can_edit_rates(user, province: Unit) -> bool:
    """The province's rate card (TT 36/2018 rates set by its HĐND): a province officer or system administrator
    holding the role at the top unit itself, or a superuser."""
    from bdtx.accounts.models import Role

    if getattr(user, "is_superuser", False):
        return True
    return any(
        role.unit.pk == province.pk and role.role in (Role.PROVINCE_OFFICER, Role.SYSTEM_ADMIN)
        for role in permissions.roles_of(user)
    )


def can_read_budget(user, unit: Unit) -> bool:
    """A unit plan's budget: the unit's own managers and the levels above it (who roll it up)."""
    return permissions.can_manage_unit(user, unit)


def planning_roots(user) -> list[Unit]:
    """The tops of the part of the tree the user manages, for the demand and progress pages (empty: none)."""
    if getattr(user, "is_superuser", False):
        return list(Unit.objects.filter(parent=None).order_by("path"))
    units = permissions.managed_units(user)
    tops = {u.pk: u for u in units if not any(u.pk != other.pk and u.is_within(other) for other in units)}
    return sorted(tops.values(), key=lambda u: u.path)
