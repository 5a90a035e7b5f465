"""Who keeps the province's rule choices: the programme of the school year (and, in catalog, the modules).

The Sở keeps them: a province officer (at the unit of that role), a managing role held at a unit with no
parent (the Sở itself), or a system administrator (every top unit). Everyone signed in reads them."""

from bdtx.accounts import permissions
from bdtx.accounts.models import MANAGING_ROLES, Role
from bdtx.organisations.models import Unit


def province_units(user) -> list[Unit]:
    """The units whose programme of the year and added modules this user keeps, top first."""
    if permissions.is_system_admin(user):
        return list(Unit.objects.filter(parent=None).order_by("path"))
    units = {
        role.unit.pk: role.unit
        for role in permissions.roles_of(user)
        if role.role == Role.PROVINCE_OFFICER or (role.role in MANAGING_ROLES and role.unit.parent_id is None)
    }
    return sorted(units.values(), key=lambda unit: unit.path)


def reach_ids(user) -> set[int] | None:
    """The units whose choices reach this user: those above or at their units (None: every unit)."""
    if permissions.is_system_admin(user):
        return None
    units = [role.unit for role in permissions.roles_of(user)]
    own = getattr(user, "staff_member", None) if getattr(user, "is_authenticated", False) else None
    if own is not None:
        units.append(own.unit)
    return {pk for unit in units for pk in unit.ancestor_ids()}
