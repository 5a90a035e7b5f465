"""Reminders before the personal-plan deadline (TT 19/2019 Điều 8: by 31 May by default, set in each unit plan):
an e-mail to every person of a planning unit whose plan is not submitted yet, at most once a day."""

import dataclasses
import datetime as dt

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.staff.models import StaffGroup, StaffMember, Status

from .models import PersonalPlan, PlanReminder, PlanStatus, UnitPlan


@dataclasses.dataclass
class Reminder:
    staff: StaffMember
    deadline: dt.date
    year: int


def due_reminders(today: dt.date, days: int = 7) -> list[Reminder]:
    """People whose nearest unit plan's deadline falls within `days` from today and whose own plan for that
    year is missing, in draft or returned; not yet reminded today."""
    plans = list(
        UnitPlan.objects.filter(
            personal_plan_deadline__gte=today, personal_plan_deadline__lte=today + dt.timedelta(days)
        )
        .select_related("unit")
        .order_by("unit__depth")
    )
    if not plans:
        return []
    # A unit's plan applies to its subtree, unless a plan deeper down (a school's) sets its own deadline.
    by_unit = {plan.unit_id: plan for plan in plans}
    years = {plan.year for plan in plans}
    condition = Q(pk__in=[])
    for plan in plans:
        condition |= Q(unit__path__startswith=plan.unit.path)
    people = (
        StaffMember.objects.filter(condition, status=Status.WORKING, group__in=[StaffGroup.TEACHER, StaffGroup.MANAGER])
        .exclude(email="")
        .select_related("unit")
    )
    deeper = set(UnitPlan.objects.filter(year__in=years).values_list("unit_id", "year"))
    done = set(
        PersonalPlan.objects.filter(year__in=years, status__in=[PlanStatus.SUBMITTED, PlanStatus.APPROVED]).values_list(
            "staff_id", "year"
        )
    )
    sent = set(PlanReminder.objects.filter(sent_on=today, year__in=years).values_list("staff_id", "year"))
    found = []
    for person in people:
        nearest = None
        for unit_id in reversed(person.unit.ancestor_ids()):
            if unit_id in by_unit:
                nearest = by_unit[unit_id]
                break
            if any((unit_id, year) in deeper for year in years):
                break  # a plan closer to the person has another deadline
        if nearest is None or (person.pk, nearest.year) in done or (person.pk, nearest.year) in sent:
            continue
        found.append(Reminder(staff=person, deadline=nearest.personal_plan_deadline, year=nearest.year))
    return found


def send_reminders(today: dt.date | None = None, days: int = 7, *, dry_run: bool = False) -> list[Reminder]:
    """E-mail the reminders due today and record them (so a second run the same day sends nothing)."""
    today = today or timezone.localdate()
    reminders = due_reminders(today, days)
    if dry_run or not reminders:
        return reminders
    link = settings.SITE_URL.rstrip("/") + reverse("plans:mine")
    messages = [
        (
            _("Reminder: your BDTX plan for %(year)s is due on %(date)s")
            % {"year": f"{r.year}-{r.year + 1}", "date": r.deadline.strftime("%d/%m/%Y")},
            _(
                "Dear %(name)s,\n\nYour BDTX plan for school year %(year)s has not been submitted yet. It is due on "
                "%(date)s. Choose your modules and submit it here:\n%(link)s\n\nbdtx"
            )
            % {
                "name": r.staff.full_name,
                "year": f"{r.year}-{r.year + 1}",
                "date": r.deadline.strftime("%d/%m/%Y"),
                "link": link,
            },
            settings.DEFAULT_FROM_EMAIL,
            [r.staff.email],
        )
        for r in reminders
    ]
    send_mass_mail(messages)
    PlanReminder.objects.bulk_create(
        [PlanReminder(staff=r.staff, year=r.year, sent_on=today) for r in reminders], ignore_conflicts=True
    )
    return reminders
