"""The overall rating of a person against a professional standard, from the level of each criterion.

Pure: no database. The rule comes from the standard's rule file (the `classification` mapping), e.g.
TT 20/2018 Điều 10 khoản 2: "Tốt" when every criterion is at least Khá, at least 2/3 of them are Tốt
and the core criteria are Tốt; "Khá" likewise one level down; "Đạt" when every criterion is at least
Đạt; otherwise "Chưa đạt"."""

from collections.abc import Mapping
from fractions import Fraction

RANK = {"chua_dat": 0, "dat": 1, "kha": 2, "tot": 3}
LOWEST = "chua_dat"


class RuleError(ValueError):
    """The levels or the rule cannot be applied; the message says why, in the user's language."""


def classify(rule: Mapping, levels: Mapping[int, str], criteria_count: int) -> str:
    """The rating code (`chua_dat`, `dat`, `kha` or `tot`) for `levels` {criterion number: level code}.

    Every criterion 1..criteria_count must have a level. Each rating in `evaluate_in_order` is tried
    from the highest; the first whose conditions all hold is the result, else `chua_dat`."""
    check_levels(levels, criteria_count)
    ranks = {number: RANK[code] for number, code in levels.items()}
    core = [int(n) for n in rule.get("core_criteria", [])]
    for code in rule.get("evaluate_in_order", ["tot", "kha", "dat", "chua_dat"]):
        conditions = rule.get("rules", {}).get(code)
        if code == LOWEST or conditions is None:
            continue
        if _holds(conditions, ranks, core):
            return code
    return LOWEST


def check_levels(levels: Mapping[int, str], criteria_count: int) -> None:
    from django.utils.translation import gettext as _

    unknown = sorted(str(code) for code in levels.values() if code not in RANK)
    if unknown:
        raise RuleError(_("Unknown level %(levels)s: use chua_dat, dat, kha or tot.") % {"levels": ", ".join(unknown)})
    expected = set(range(1, criteria_count + 1))
    missing = sorted(expected - set(levels))
    if missing:
        raise RuleError(
            _("Criteria without a level: %(numbers)s (the standard has %(count)d criteria).")
            % {"numbers": ", ".join(map(str, missing)), "count": criteria_count}
        )
    extra = sorted(set(levels) - expected)
    if extra:
        raise RuleError(
            _("The standard has no criterion %(numbers)s (it has %(count)d criteria).")
            % {"numbers": ", ".join(map(str, extra)), "count": criteria_count}
        )


def _holds(conditions: Mapping, ranks: Mapping[int, int], core: list[int]) -> bool:
    if "all_criteria_min" in conditions and min(ranks.values()) < RANK[conditions["all_criteria_min"]]:
        return False
    share = conditions.get("min_fraction_at_or_above")
    if share:
        needed = Fraction(share["fraction"])
        at_or_above = sum(1 for rank in ranks.values() if rank >= RANK[share["level"]])
        if Fraction(at_or_above, len(ranks)) < needed:
            return False
    if "core_criteria_min" in conditions:
        floor = RANK[conditions["core_criteria_min"]]
        if any(ranks.get(number, -1) < floor for number in core):
            return False
    return True


def parse_levels(text: str) -> dict[int, str]:
    """`1=tot,2=kha,…` (the classify_standard command's format) → {1: "tot", 2: "kha", …}."""
    from django.utils.translation import gettext as _

    levels: dict[int, str] = {}
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        number, sep, code = part.partition("=")
        if not sep or not number.strip().isdigit() or not code.strip() or "=" in code:
            raise RuleError(_("“%(part)s” is not of the form number=level, e.g. 3=kha.") % {"part": part})
        key = int(number)
        if key in levels:
            raise RuleError(_("Criterion %(number)d is given twice.") % {"number": key})
        levels[key] = code.strip().lower()
    return levels
