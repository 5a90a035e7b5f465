"""The one place that decides scope: who may see and change which units, people and accounts.

Every view, API endpoint, export and import asks here. Outside a user's scope a record does not
exist for them (views answer 404, not 403)."""

from django.db.models import Q

from bdtx.organisations.models import Unit, UnitQuerySet

from .models import MANAGING_ROLES, Role, RoleAssignment, User


def roles_of(user) -> list[RoleAssignment]:
    """The user's role assignments at active units, loaded once per request object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_bdtx_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.active().filter(user=user).select_related("unit"))
        user._bdtx_roles = cached
    return cached


def managed_units(user) -> list[Unit]:
    """Roots of the subtrees whose people this user manages (officers, principals, admins)."""
    return [r.unit for r in roles_of(user) if r.role in MANAGING_ROLES]


def is_system_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(r.role == Role.SYSTEM_ADMIN for r in roles_of(user))


def has_role(user, *roles: str) -> bool:
    return any(r.role in roles for r in roles_of(user))


def units_in_scope(user) -> UnitQuerySet:
    """Units the user may see: the subtree of every unit where they hold a role."""
    if getattr(user, "is_superuser", False):
        return Unit.objects.all()
    assignments = roles_of(user)
    if not assignments:
        return Unit.objects.none()
    return Unit.objects.within_any(r.unit for r in assignments)


def manageable_units(user) -> UnitQuerySet:
    """Units whose people and records the user may change."""
    if getattr(user, "is_superuser", False):
        return Unit.objects.all()
    roots = managed_units(user)
    return Unit.objects.within_any(roots) if roots else Unit.objects.none()


def staff_scope(user) -> Q:
    """A filter on StaffMember: the people in the subtrees the user manages, and their own record.
    Worked out once per request's user object (it may ask the database whether other trees exist)."""
    cached = getattr(user, "_bdtx_staff_scope", None)
    if cached is None:
        cached = _staff_scope(user)
        if getattr(user, "is_authenticated", False):
            user._bdtx_staff_scope = cached
    return cached


def _staff_scope(user) -> Q:
    if getattr(user, "is_superuser", False):
        return Q()
    own = Q(user_id=user.pk) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    roots = managed_units(user)
    if not roots:
        return own
    top_ids = [root.pk for root in roots if root.parent_id is None]
    if top_ids and not Unit.objects.filter(parent=None).exclude(pk__in=top_ids).exists():
        # Roles at the top of every tree there is (a province's own database): everyone is in scope.
        return Q()
    # unit_id IN (subtree ids) lets the database count without joining every person to their unit.
    return own | Q(unit_id__in=Unit.objects.within_any(roots).values("pk"))


def can_manage_staff(user) -> bool:
    return getattr(user, "is_superuser", False) or bool(managed_units(user))


def can_manage_unit(user, unit: Unit) -> bool:
    """May change people of this unit (and the unit itself, for officers above it)."""
    if getattr(user, "is_superuser", False):
        return True
    return any(unit.is_within(root) for root in managed_units(user))


def can_edit_unit_tree(user, unit: Unit | None) -> bool:
    """Officers and admins change units strictly below their own; a principal cannot edit their school."""
    if is_system_admin(user):
        return True
    roots = [r.unit for r in roles_of(user) if r.role in {Role.PROVINCE_OFFICER, Role.LOCAL_OFFICER}]
    if unit is None:
        return False
    return any(unit.is_within(root) and unit.pk != root.pk for root in roots)


def users_in_scope(user):
    """Accounts whose password this user may reset: linked to staff they manage, or holding roles
    only at units they manage. Never their own account and never a system administrator."""
    if is_system_admin(user):
        return User.objects.exclude(pk=user.pk)
    roots = managed_units(user)
    if not roots:
        return User.objects.none()
    inside = Q(pk__in=[])
    for root in roots:
        inside |= Q(staff_member__unit__path__startswith=root.path) | Q(roles__unit__path__startswith=root.path)
    # Someone who also holds a role elsewhere is not this user's to reset.
    outside_roles = RoleAssignment.objects.exclude(_any_path(roots)).values("user_id")
    return (
        User.objects.filter(inside)
        .exclude(pk=user.pk)
        .exclude(is_superuser=True)
        .exclude(roles__role=Role.SYSTEM_ADMIN)
        .exclude(pk__in=outside_roles)
        .distinct()
    )


def _any_path(units) -> Q:
    condition = Q(pk__in=[])
    for unit in units:
        condition |= Q(unit__path__startswith=unit.path)
    return condition


def units_accepting_children(user) -> UnitQuerySet:
    """Units under which this user may create or hang units: within the unit of an officer role
    (their own unit included, since the new unit is then strictly below it); admins everywhere."""
    if is_system_admin(user):
        return Unit.objects.all()
    roots = [r.unit for r in roles_of(user) if r.role in {Role.PROVINCE_OFFICER, Role.LOCAL_OFFICER}]
    return Unit.objects.within_any(roots) if roots else Unit.objects.none()


def can_add_unit_under(user, parent: Unit) -> bool:
    if is_system_admin(user):
        return True
    officer_units = [r.unit for r in roles_of(user) if r.role in {Role.PROVINCE_OFFICER, Role.LOCAL_OFFICER}]
    return any(parent.is_within(unit) for unit in officer_units)
