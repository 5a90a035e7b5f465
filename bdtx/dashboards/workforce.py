"""The workforce rules behind the qualification, upgrade and retirement figures, from the rule data
data/qualification_rules.yaml (Luật Giáo dục 2019 Điều 72; Nghị định 71/2020 Điều 2) and bdtx/rules/retirement.py
(Bộ luật Lao động 2019 Điều 169, Nghị định 135/2020). Pure: no database."""

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from bdtx.lib.schoolyear import school_year_of
from bdtx.organisations.models import Level
from bdtx.rules.retirement import RULE_FILE as RETIREMENT_FILE
from bdtx.rules.retirement import gender_of, months_until, retirement_date

RULE_FILE = Path(__file__).resolve().parent / "data" / "qualification_rules.yaml"

# Verdicts on the standard of Luật Giáo dục 2019 Điều 72 (the `detail` of the qualification tallies).
MEETS, BELOW, NOT_RECORDED, NO_STANDARD = "meets", "below", "not_recorded", "no_standard"
VERDICTS = (MEETS, BELOW, NOT_RECORDED, NO_STANDARD)
# Verdicts under Nghị định 71/2020 Điều 2 for people below the standard (the `bucket` of the upgrade tallies).
MUST, EXEMPT, HIRED_AFTER, NOT_COVERED, UNKNOWN = "must", "exempt", "hired_after", "not_covered", "unknown"
UPGRADE_VERDICTS = (MUST, EXEMPT, HIRED_AFTER, NOT_COVERED, UNKNOWN)
# Higher levels first: a person teaching two levels is judged by the stricter standard, then the higher level.
LEVEL_ORDER = [code for code, _label in Level.choices]


class QualificationRuleError(ValueError):
    """The bundled rule file does not say what the code needs (a developer's mistake, caught on first use)."""


@dataclass(frozen=True)
class QualificationRules:
    code: str
    version: int
    ranks: dict[str, int]  # degree code → rank, lowest 0
    standard: dict[str, str]  # level code → the lowest degree meeting the standard
    reference_date: dt.date
    months_left: dict[str, dict[str, int]]  # level → {degree or "default": months of service left}

    def required(self, levels: list[str]) -> tuple[str, str] | None:
        """(level, degree) of the strictest standard among these levels (the higher level on a tie); None when no
        level has one."""
        found = [
            (self.ranks[self.standard[level]], LEVEL_ORDER.index(level), level)
            for level in levels
            if level in self.standard
        ]
        if not found:
            return None
        _rank, _order, level = max(found)
        return level, self.standard[level]


@functools.cache
def qualification_rules() -> QualificationRules:
    """The bundled rule data, read and checked once per process."""
    with RULE_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    ranks = {code: rank for rank, code in enumerate(data["ranks"])}
    standard = dict(data["standard"])
    upgrade = data["upgrade"]
    reference = upgrade["reference_date"]
    if not isinstance(reference, dt.date):
        raise QualificationRuleError(f"{RULE_FILE.name}: upgrade.reference_date must be a date (YYYY-MM-DD)")
    months = {
        level: {key: int(value) for key, value in spans.items()} for level, spans in upgrade["months_left"].items()
    }
    for level, degree in standard.items():
        if level not in LEVEL_ORDER or degree not in ranks:
            raise QualificationRuleError(f"{RULE_FILE.name}: standard.{level}: unknown level or degree {degree!r}")
    for level, spans in months.items():
        if level not in standard or "default" not in spans:
            raise QualificationRuleError(
                f"{RULE_FILE.name}: upgrade.months_left.{level} needs a standard and a default"
            )
    return QualificationRules(
        code=data["code"],
        version=int(data["version"]),
        ranks=ranks,
        standard=standard,
        reference_date=reference,
        months_left=months,
    )


@functools.cache
def rules_stamp() -> str:
    """A short fingerprint of the rule files the figures depend on: new rules make the kept figures old."""
    digest = hashlib.sha256()
    for path in (RULE_FILE, RETIREMENT_FILE):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def level_list(levels: str) -> list[str]:
    return [code for code in levels.split(",") if code]


def standard_verdict(qualification: str, levels: str) -> str:
    """meets / below the standard of Luật Giáo dục 2019 Điều 72 for the person's levels; not_recorded when no degree
    is recorded; no_standard when none of their levels has one (continuing education only, or no level at all)."""
    rules = qualification_rules()
    required = rules.required(level_list(levels))
    if required is None:
        return NO_STANDARD
    if qualification not in rules.ranks:
        return NOT_RECORDED
    return MEETS if rules.ranks[qualification] >= rules.ranks[required[1]] else BELOW


@functools.lru_cache(maxsize=4096)
def _retirement(year: int, month: int, gender: str) -> dt.date:
    # Only the birth month counts (bdtx/rules/retirement.py): one date per month and gender.
    return retirement_date(dt.date(year, month, 1), gender)


def retirement_of(birth: dt.date | None, gender: str | None) -> dt.date | None:
    """The retirement date, or None when the birth date or the gender is not recorded."""
    code = gender_of(gender or "")
    if birth is None or code is None:
        return None
    return _retirement(birth.year, birth.month, code)


def upgrade_verdict(
    *, qualification: str, levels: str, birth: dt.date | None, gender: str | None, joined_on=None
) -> str | None:
    """Nghị định 71/2020 Điều 2 for one person: None when they are not below the standard (or it cannot be told);
    else must (the months of service left from 01/07/2020 to their retirement date reach the decree's number),
    exempt (fewer), hired_after (joined the sector after 01/07/2020: the decree is about those in post then; they
    should have met the standard when hired), not_covered (below the standard of a level the decree does not
    cover, e.g. upper secondary) or unknown (no birth date or gender: the months left cannot be counted)."""
    if standard_verdict(qualification, levels) != BELOW:
        return None
    rules = qualification_rules()
    covered = rules.required([level for level in level_list(levels) if level in rules.months_left])
    if covered is None or rules.ranks[qualification] >= rules.ranks[covered[1]]:
        return NOT_COVERED  # below only the standard of a level the decree does not cover
    if joined_on is not None and joined_on > rules.reference_date:
        return HIRED_AFTER
    retires = retirement_of(birth, gender)
    if retires is None:
        return UNKNOWN
    spans = rules.months_left[covered[0]]
    needed = spans.get(qualification, spans["default"])
    return MUST if months_until(retires, rules.reference_date) >= needed else EXEMPT


def retirement_year(birth: dt.date | None, gender: str | None) -> int | None:
    """The school year (by its first calendar year) in which the person reaches their retirement date."""
    retires = retirement_of(birth, gender)
    return None if retires is None else school_year_of(retires)
