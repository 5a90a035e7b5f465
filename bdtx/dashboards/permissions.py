"""Who sees which dashboards and targets, built on bdtx.accounts.permissions (the one place deciding scope).

- A dashboard of a unit: those who manage its people (officers, principals, administrators of the unit or a unit
  above it). Anyone else gets 404; a teacher has no dashboard (they are sent to their own result).
- Targets: a user sees the built-in ones (no scope unit) and those set at a unit they manage, above it (the Sở's
  target reaches its schools) or below it. Officers (Sở, commune/district) and administrators set targets for
  units in their subtree; a principal reads them."""

from django.db.models import Q

from bdtx.accounts import permissions
from bdtx.accounts.models import Role
from bdtx.organisations.models import Unit, UnitQuerySet

TARGET_ROLES = (Role.PROVINCE_OFFICER, Role.LOCAL_OFFICER, Role.SYSTEM_ADMIN)


def can_view_unit(user, unit: Unit) -> bool:
    """May see the dashboard of this unit."""
    return permissions.can_manage_unit(user, unit)


def top_unit(user) -> Unit | None:
    """The highest unit whose dashboard the user may see (the first of the shallowest)."""
    if getattr(user, "is_superuser", False):
        return Unit.objects.filter(parent=None).order_by("pk").first()
    roots = sorted(permissions.managed_units(user), key=lambda unit: (unit.depth, unit.pk))
    return roots[0] if roots else None


def target_units(user) -> UnitQuerySet:
    """Units for which the user may set targets: the subtrees where they are an officer or an administrator."""
    if getattr(user, "is_superuser", False):
        return Unit.objects.all()
    roots = [r.unit for r in permissions.roles_of(user) if r.role in TARGET_ROLES]
    return Unit.objects.within_any(roots) if roots else Unit.objects.none()


def can_set_targets(user) -> bool:
    return getattr(user, "is_superuser", False) or permissions.has_role(user, *TARGET_ROLES)


def can_remove_target(user, target) -> bool:
    """An officer's own kind of target (not a built-in one) set for a unit within their subtrees."""
    if target.builtin or target.unit is None:
        return False
    if getattr(user, "is_superuser", False):
        return True
    roots = [r.unit for r in permissions.roles_of(user) if r.role in TARGET_ROLES]
    return any(target.unit.is_within(root) for root in roots)


def targets_in_scope(user) -> Q:
    """A filter on Target: built-in targets and those set at, above or below a unit the user manages."""
    if getattr(user, "is_superuser", False):
        return Q()
    roots = permissions.managed_units(user)
    if not roots:
        return Q(pk__in=[])
    above = sorted({pk for root in roots for pk in root.ancestor_ids()})
    return Q(unit__isnull=True) | Q(unit_id__in=above) | Q(unit_id__in=Unit.objects.within_any(roots).values("pk"))
