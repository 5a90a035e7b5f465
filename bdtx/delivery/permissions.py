"""Who may see and run which classes, and whose enrolments, attendance and scores.

A class belongs to its organising unit: the managers of that unit and of the levels above run it (open it,
enrol people, take attendance, enter scores); its presenters take attendance and enter scores. A class is
offered to the people below its organiser, so they (and the managers of their units) see it once it is open.
A learner sees the classes they are in. Outside that, a class does not exist for the user (404)."""

from django.db.models import Q

from bdtx.accounts import permissions
from bdtx.appraisals.permissions import own_staff
from bdtx.organisations.models import Unit

from .models import ClassStatus


def _reach(user) -> list[Unit]:
    """The units where the user holds a role, and their own school."""
    units = [role.unit for role in permissions.roles_of(user)]
    own = own_staff(user)
    if own is not None:
        units.append(own.unit)
    return units


def classes_in_scope(user):
    """Classes organised in the subtrees the user manages; classes offered to their units (organised at or
    above them, once published); classes they present or are enrolled in."""
    from .models import TrainingClass

    if getattr(user, "is_superuser", False):
        return TrainingClass.objects.all()
    if not getattr(user, "is_authenticated", False):
        return TrainingClass.objects.none()
    condition = Q(trainers__user=user)
    for root in permissions.managed_units(user):
        condition |= Q(organiser__path__startswith=root.path)
    above = {pk for unit in _reach(user) for pk in unit.ancestor_ids()}
    if above:
        condition |= Q(organiser_id__in=above) & ~Q(status=ClassStatus.DRAFT)
    own = own_staff(user)
    if own is not None:
        condition |= Q(enrolments__staff=own)
    return TrainingClass.objects.filter(pk__in=TrainingClass.objects.filter(condition).values("pk"))


def can_run_class(user, training_class) -> bool:
    """Change the class itself and its enrolments: the managers of the organiser or above."""
    return permissions.can_manage_unit(user, training_class.organiser)


def can_teach_class(user, training_class) -> bool:
    """Take attendance and enter scores: those who run the class and its presenters."""
    if can_run_class(user, training_class):
        return True
    return getattr(user, "is_authenticated", False) and training_class.trainers.filter(user=user).exists()


def can_enrol_people_of(user, unit: Unit) -> bool:
    """Enrol (by hand or from plans) the people of a unit: its managers."""
    return permissions.can_manage_unit(user, unit)


def enrolments_in_scope(user):
    """Enrolments of the classes the user runs or presents, of the people they manage, and their own."""
    from bdtx.staff.models import StaffMember

    from .models import Enrolment

    if getattr(user, "is_superuser", False):
        return Enrolment.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Enrolment.objects.none()
    condition = Q(training_class__trainers__user=user)
    for root in permissions.managed_units(user):
        condition |= Q(training_class__organiser__path__startswith=root.path)
    condition |= Q(staff__in=StaffMember.objects.filter(permissions.staff_scope(user)).values("pk"))
    return Enrolment.objects.filter(pk__in=Enrolment.objects.filter(condition).values("pk"))


def trainers_in_scope(user):
    """The presenters' registers of the units the user manages, and of the units above them (to choose from)."""
    from .models import Trainer

    if getattr(user, "is_superuser", False):
        return Trainer.objects.all()
    roots = permissions.managed_units(user)
    if not roots:
        return Trainer.objects.filter(user=user) if getattr(user, "is_authenticated", False) else Trainer.objects.none()
    condition = Q(unit_id__in={pk for root in roots for pk in root.ancestor_ids()})
    for root in roots:
        condition |= Q(unit__path__startswith=root.path)
    return Trainer.objects.filter(condition)
