"""Retirement age and date in normal working conditions, from the rule data data/retirement/blld2019.yaml
(Bộ luật Lao động 2019 Điều 169 khoản 2; Nghị định 135/2020/NĐ-CP Điều 3, Điều 4 and Phụ lục I). Pure: no database.

The age that applies is the one of the calendar year in which the person reaches it, and the retirement date
(thời điểm nghỉ hưu) is the last day of that month. Only the birth month counts: a person born on any day of
January 1961 reaches 60 years 3 months in April 2021 and retires on 30/04/2021."""

import calendar
import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bdtx.lib.text import fold

RULE_FILE = Path(__file__).resolve().parent / "data" / "retirement" / "blld2019.yaml"
GENDERS = ("nam", "nu")  # as staff.models.Gender stores them


class RetirementRuleError(ValueError):
    """The bundled rule file does not say what the code needs (a developer's mistake, caught on first use)."""


@dataclass(frozen=True)
class RetirementRule:
    code: str
    document: str
    before_roadmap: dict[str, int]  # gender → age in months
    roadmap: dict[str, tuple[tuple[int, int], ...]]  # gender → ((calendar year, age in months), …) by year
    unconfirmed: list[str] = field(default_factory=list)
    not_covered: list[str] = field(default_factory=list)

    def age_in(self, gender: str, year: int) -> int:
        """The retirement age (months) that applies in a calendar year: the last roadmap step at or before it."""
        age = self.before_roadmap[gender]
        for step_year, step_age in self.roadmap[gender]:
            if step_year > year:
                break
            age = step_age
        return age


@functools.cache
def retirement_rule() -> RetirementRule:
    """The bundled rule data, read and checked once per process."""
    with RULE_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    before = {gender: _months(data["before_roadmap"][gender], f"before_roadmap.{gender}") for gender in GENDERS}
    roadmap = {}
    for gender in GENDERS:
        steps = tuple(
            (int(step["year"]), _months(step, f"roadmap.{gender}[{number}]"))
            for number, step in enumerate(data["roadmap"][gender])
        )
        ages = [before[gender]] + [age for _, age in steps]
        years = [year for year, _ in steps]
        # The search in _reached() needs ages that never fall and years in order.
        if ages != sorted(ages) or years != sorted(set(years)):
            raise RetirementRuleError(f"{RULE_FILE.name}: roadmap.{gender} must go up year by year, never down")
        roadmap[gender] = steps
    return RetirementRule(
        code=data["code"],
        document=data["document"],
        before_roadmap=before,
        roadmap=roadmap,
        unconfirmed=list(data.get("unconfirmed", [])),
        not_covered=list(data.get("not_covered", [])),
    )


def _months(age: dict, where: str) -> int:
    try:
        years, months = int(age["years"]), int(age.get("months", 0))
    except (KeyError, TypeError, ValueError):
        raise RetirementRuleError(f"{RULE_FILE.name}: {where} needs whole numbers “years” and “months”") from None
    if not 0 <= months < 12:
        raise RetirementRuleError(f"{RULE_FILE.name}: {where}: months must be 0 to 11")
    return years * 12 + months


def gender_of(value: object) -> str | None:
    """ "Nam", "Nữ", "nu", "NỮ" (any case, with or without diacritics) → "nam" / "nu"; None for anything else."""
    folded = fold(value)
    return folded if folded in GENDERS else None


def _reached(birth: dt.date, gender: str) -> tuple[int, int]:
    """(age in months, month index year*12 + month-1 in which the person reaches it).

    The person retires in the first month in which their age is at least the age of that month's calendar
    year. Ages never fall from year to year, so that is the first year Y in which the month reaching Y's age
    is in Y itself (or earlier, which cannot happen for the first such Y)."""
    if gender not in GENDERS:
        raise ValueError(f"gender must be one of {GENDERS}, not {gender!r}")
    rule = retirement_rule()
    born = birth.year * 12 + birth.month - 1
    youngest = min(rule.before_roadmap[gender], *(age for _, age in rule.roadmap[gender]))
    year = (born + youngest) // 12  # no earlier year can qualify: nobody reaches any age of the rule before it
    while True:
        age = rule.age_in(gender, year)
        if (born + age) // 12 <= year:
            return age, born + age
        year += 1


def retirement_age(birth: dt.date, gender: str) -> tuple[int, int]:
    """The retirement age (years, months) of a person born on `birth`, gender "nam" or "nu"."""
    age, _ = _reached(birth, gender)
    return divmod(age, 12)


def retirement_date(birth: dt.date, gender: str) -> dt.date:
    """Thời điểm nghỉ hưu: the last day of the month in which the person reaches the retirement age."""
    _, month_index = _reached(birth, gender)
    year, month = divmod(month_index, 12)
    return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def months_until(retirement: dt.date, day: dt.date) -> int:
    """Whole months of work left from `day` (counted from its start) to the end of the `retirement` day; 0 when
    that is already past. From 01/07/2020 to a retirement on 30/04/2028: 94 months (Nghị định 71/2020 counts
    the years of service left from 01/07/2020)."""
    end = retirement + dt.timedelta(days=1)  # work ends at the end of the retirement day
    months = (end.year - day.year) * 12 + end.month - day.month - (1 if end.day < day.day else 0)
    return max(months, 0)
