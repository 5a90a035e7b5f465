"""Which professional standard rates a person, from the `applies_to` of each standard's rule data.

`applies_to` holds up to three lists, all of which must match when present:
  groups             the staff group (teacher, manager, employee);
  levels             the levels of education; one shared level is enough;
  position_keywords  words of the position, compared without case or diacritics ("hieu truong" matches
                     "Hiệu trưởng" and "Phó Hiệu trưởng").
The per-person override (a teacher rated by another standard) lives in appraisals."""

import datetime as dt
from collections.abc import Iterable, Mapping

from django.utils import timezone

from bdtx.lib.text import fold

from .models import Standard


def matches(applies_to: Mapping, group: str, levels: Iterable[str], position: str = "") -> bool:
    """Whether a person of this group, these levels and this position falls under `applies_to`."""
    if not applies_to:
        return False
    groups = applies_to.get("groups")
    if groups and group not in groups:
        return False
    wanted_levels = applies_to.get("levels")
    if wanted_levels and not set(wanted_levels) & set(levels):
        return False
    keywords = applies_to.get("position_keywords")
    if keywords:
        folded = fold(position)
        if not any(fold(keyword) in folded for keyword in keywords):
            return False
    return True


def person_levels(staff) -> list[str]:
    """A person's levels: their own, or their unit's when they have none recorded."""
    codes = staff.levels or staff.unit.levels
    return [code.strip() for code in codes.split(",") if code.strip()]


def standard_for(staff, day: dt.date | None = None, *, standards: Iterable[Standard] | None = None) -> Standard | None:
    """The standard that rates `staff` on `day` (today by default), or None (employees, GDTX-only staff, no
    match). Pass `standards` (e.g. a list loaded once) to decide for many people without a query each.
    When two standards match (a person teaching preschool and primary), the first by code wins."""
    day = day or timezone.localdate()
    if standards is None:
        candidates = list(Standard.objects.valid_on(day).order_by("code"))
    else:
        candidates = sorted((s for s in standards if valid_on(s, day)), key=lambda s: s.code)
    levels = person_levels(staff)
    for standard in candidates:
        if matches(standard.applies_to, staff.group, levels, staff.position):
            return standard
    return None


def valid_on(standard: Standard, day: dt.date) -> bool:
    return (standard.valid_from is None or standard.valid_from <= day) and (
        standard.valid_until is None or day <= standard.valid_until
    )
