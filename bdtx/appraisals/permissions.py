"""Who may open cycles, see, assess, give opinions on, evaluate and reopen appraisals.

Built on accounts.permissions (the staff scope); the decisions particular to appraisals live here.
Teachers are evaluated by the head of their school (TT 20/26 Điều 10); principals by the level above:
the commune/district for preschool, primary and lower secondary, the Sở for upper secondary and GDTX
(TT 14 Điều 11 khoản 2)."""

from django.db.models import Q

from bdtx.accounts import permissions
from bdtx.accounts.models import Role
from bdtx.organisations.models import Level, Unit, UnitKind
from bdtx.rules.models import Subject

OFFICER_ROLES = {Role.PROVINCE_OFFICER, Role.LOCAL_OFFICER}
LOCAL_KINDS = {UnitKind.COMMUNE, UnitKind.DISTRICT_OFFICE}
# Schools whose principal the Sở evaluates.
SO_LEVELS = {Level.UPPER_SECONDARY, Level.CONTINUING}


def cycles_in_scope(user):
    """Cycles opened at a unit above, at or below any unit where the user holds a role, and those
    reaching the unit of their own staff record."""
    from .models import AppraisalCycle

    if getattr(user, "is_superuser", False):
        return AppraisalCycle.objects.all()
    units = [role.unit for role in permissions.roles_of(user)]
    own = own_staff(user)
    if own is not None:
        units.append(own.unit)
    if not units:
        return AppraisalCycle.objects.none()
    condition = Q(unit_id__in={pk for unit in units for pk in unit.ancestor_ids()})
    for unit in units:
        condition |= Q(unit__path__startswith=unit.path)
    return AppraisalCycle.objects.filter(condition)


def officer_units(user) -> list[Unit]:
    return [r.unit for r in permissions.roles_of(user) if r.role in OFFICER_ROLES]


def can_open_cycle_at(user, unit: Unit) -> bool:
    """Officers open a cycle for their own unit's subtree or a part of it; system administrators anywhere."""
    if permissions.is_system_admin(user):
        return True
    return any(unit.is_within(root) for root in officer_units(user))


def superior_unit(school: Unit, known: dict[int, Unit] | None = None) -> Unit | None:
    """The unit whose head evaluates this school's principal: the Sở for upper secondary and GDTX
    (and any school placed directly under the Sở), else the nearest commune or district office above.
    `known` (units by id, e.g. loaded once for a whole list) saves the query for the school's ancestors."""
    if known is None:
        ancestors = list(reversed(school.ancestors()))  # nearest first
    else:
        ancestors = [known[pk] for pk in reversed(school.ancestor_ids()[:-1]) if pk in known]
    wants_so = bool(SO_LEVELS & set(school.level_list)) or school.kind == UnitKind.CONTINUING_CENTRE
    if not wants_so:
        for unit in ancestors:
            if unit.kind in LOCAL_KINDS:
                return unit
            if unit.kind == UnitKind.DEPARTMENT:
                break
    for unit in ancestors:
        if unit.kind == UnitKind.DEPARTMENT:
            return unit
    return ancestors[0] if ancestors else None


def evaluating_unit(appraisal) -> Unit | None:
    """The unit whose head evaluates this appraisal: the school for a teacher, the level above for a principal."""
    if appraisal.standard.subject == Subject.PRINCIPAL:
        return superior_unit(appraisal.unit)
    return appraisal.unit


def can_evaluate(user, appraisal) -> bool:
    """The head of the evaluating unit (its school administrator for teachers; an officer holding a role at the
    level above for principals), never the person themself; system administrators too."""
    if appraisal.staff.user_id is not None and appraisal.staff.user_id == user.pk:
        return False
    if permissions.is_system_admin(user):
        return True
    unit = evaluating_unit(appraisal)
    if unit is None:
        return False
    if appraisal.standard.subject == Subject.PRINCIPAL:
        return any(role.unit.pk == unit.pk for role in permissions.roles_of(user) if role.role in OFFICER_ROLES)
    return any(unit.is_within(role.unit) for role in permissions.roles_of(user) if role.role == Role.SCHOOL_ADMIN)


def can_reopen(user, appraisal) -> bool:
    """Only the level above the evaluating unit reopens a confirmed evaluation (an officer holding a managing
    role strictly above it), or a system administrator."""
    if permissions.is_system_admin(user):
        return True
    unit = evaluating_unit(appraisal)
    if unit is None:
        return False
    return any(
        unit.is_within(role.unit) and role.unit.pk != unit.pk
        for role in permissions.roles_of(user)
        if role.role in OFFICER_ROLES
    )


def own_staff(user):
    """The user's own staff record, or None."""
    from bdtx.staff.models import StaffMember

    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_bdtx_own_staff", False)
    if cached is False:
        cached = StaffMember.objects.filter(user=user).select_related("unit").first()
        user._bdtx_own_staff = cached
    return cached


def can_manage_groups(user, unit: Unit) -> bool:
    """The school's administrators (and the managers above) keep its subject groups."""
    return permissions.can_manage_unit(user, unit)
