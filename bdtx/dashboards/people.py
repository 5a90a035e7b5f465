"""The people behind a figure, for the drill-down's last step: who has not completed the year, who must upgrade,
who retires in a given school year, the core teachers. Read from the source tables (never from the tallies), within
a unit's subtree, in Vietnamese name order; the page shows 50 at a time."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from bdtx.appraisals.progress import expected_staff
from bdtx.lib.schoolyear import school_year_label
from bdtx.organisations.models import Unit
from bdtx.results.models import ResultOutcome, YearResult
from bdtx.staff.models import StaffMember

from . import aggregates, workforce

NOT_COMPLETED, MUST_UPGRADE, RETIRING, CORE = "not_completed", "must_upgrade", "retiring", "core"
LISTS = (NOT_COMPLETED, MUST_UPGRADE, RETIRING, CORE)
FIELDS = (
    "full_name", "code", "group", "levels", "subjects", "qualification", "birth_date", "gender", "joined_on", "is_core",
    "position", "sort_key", "unit__name", "unit__code", "unit__levels",
)  # fmt: skip


def _within(people, unit: Unit):
    return people if unit.parent_id is None else people.filter(unit_id__in=Unit.objects.within(unit).values("pk"))


def _with_result(people, year: int):
    result = YearResult.objects.filter(staff_id=OuterRef("pk"), year=year)
    return people.annotate(outcome=Subquery(result.values("outcome")[:1]), result_id=Subquery(result.values("pk")[:1]))


def not_completed(unit: Unit, year: int):
    """The people expected to have a result whose result is not completed, or who have none yet."""
    completed = YearResult.objects.filter(staff_id=OuterRef("pk"), year=year, outcome=ResultOutcome.COMPLETED)
    people = _within(expected_staff(), unit).exclude(Exists(completed))
    return _with_result(people, year).select_related("unit").only(*FIELDS).order_by("sort_key", "pk")


def core(unit: Unit, year: int):
    """The core teachers at work, with their result of the year."""
    people = _within(aggregates.working_staff(), unit).filter(is_core=True)
    return _with_result(people, year).select_related("unit").only(*FIELDS).order_by("sort_key", "pk")


def must_upgrade(unit: Unit) -> list[StaffMember]:
    """Below the standard and obliged to upgrade under Nghị định 71/2020 Điều 2 (the rule runs on each person, over
    those whose degree is below a bachelor's)."""
    rules = workforce.qualification_rules()
    highest = max(rules.ranks[degree] for degree in rules.standard.values())
    below = [code for code, rank in rules.ranks.items() if rank < highest]
    covered = Q(levels="")  # blank: their school's levels decide
    for level in rules.months_left:
        covered |= Q(levels__contains=level)
    people = _within(aggregates.working_staff(), unit).filter(covered, qualification__in=below)
    found = []
    for member in people.select_related("unit").only(*FIELDS).order_by("sort_key", "pk"):
        member.verdict = workforce.upgrade_verdict(
            qualification=member.qualification,
            levels=member.levels or member.unit.levels,
            birth=member.birth_date,
            gender=member.gender,
            joined_on=member.joined_on,
        )
        if member.verdict == workforce.MUST:
            member.retires = workforce.retirement_of(member.birth_date, member.gender)
            found.append(member)
    return found


def retiring(unit: Unit, *, school_year: int | None = None, before: int | None = None) -> list[StaffMember]:
    """Those reaching their retirement date in a school year, or (`before`) already past it before that school year
    and still at work; each with the date."""
    people = _within(aggregates.working_staff(), unit)
    last = school_year if school_year is not None else before
    if last is not None:
        # Nobody born this late can retire by then (the youngest retirement age of any roadmap is above 50).
        people = people.filter(birth_date__lte=dt.date(last + 1 - 50, 12, 31))
    found = []
    for member in people.select_related("unit").only(*FIELDS).order_by("sort_key", "pk"):
        retires = workforce.retirement_year(member.birth_date, member.gender)
        if retires is None:
            continue
        if retires == school_year or (before is not None and retires < before):
            member.retires = workforce.retirement_of(member.birth_date, member.gender)
            found.append(member)
    return found


def listed(unit: Unit, which: str, year: int, retiring_in: str) -> tuple[object, str]:
    """The people on a list (`which`: one of LISTS; `retiring_in`, for the retiring: a school year or "past") and
    what is wrong with `retiring_in` ("" when nothing): what the page, the export and its background job all read."""
    if error := wrong_year(which, retiring_in):
        return [], error
    if which == NOT_COMPLETED:
        return not_completed(unit, year), ""
    if which == CORE:
        return core(unit, year), ""
    if which == MUST_UPGRADE:
        return must_upgrade(unit), ""
    if retiring_in == "past":
        return retiring(unit, before=year), ""
    return retiring(unit, school_year=int(retiring_in)), ""


def wrong_year(which: str, retiring_in: str) -> str:
    """What is wrong with the school year of a list of the retiring ("" when nothing, or for another list)."""
    if which != RETIRING or retiring_in == "past" or (retiring_in.isdigit() and 2000 <= int(retiring_in) <= 2100):
        return ""
    return _("“%(value)s” is not a school year: use its first calendar year, e.g. in=2027, or in=past.") % {
        "value": retiring_in
    }


def at_most(unit: Unit) -> int:
    """How many people any list of the unit can hold (those at work in its subtree): one COUNT, so that a short list
    is written at once and a long one in the background without building it first."""
    return _within(aggregates.working_staff(), unit).count()


def title(which: str, retiring_in: str, year: int) -> str:
    """The list's title, as its page's heading."""
    if which == NOT_COMPLETED:
        return _("Not completed the BDTX plan of %(year)s (or no result yet)") % {"year": school_year_label(year)}
    if which == MUST_UPGRADE:
        return _("Must upgrade their qualification (Nghị định 71/2020)")
    if which == RETIRING:
        if retiring_in == "past":
            return _("Past their retirement date, still at work")
        label = school_year_label(int(retiring_in)) if retiring_in.isdigit() else ""
        return _("Reaching their retirement date in school year %(year)s") % {"year": label}
    return _("Core teachers")
