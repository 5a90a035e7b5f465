"""The school year (năm học), named by its first calendar year: 2026 is "2026-2027". It begins in August
(classes start early September; August holds the preparation and the plans' first weeks)."""

import datetime as dt

from django.utils import timezone

FIRST_MONTH = 8


def school_year_of(day: dt.date) -> int:
    """The school year a day falls in."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def current_school_year() -> int:
    return school_year_of(timezone.localdate())


def school_year_label(year: int) -> str:
    return f"{year}-{year + 1}"
