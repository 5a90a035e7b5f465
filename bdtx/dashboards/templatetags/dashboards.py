"""Numbers and tables on the dashboards. Numbers are written the reader's way (formats/vi: 1.234 and 93,5) and fast:
a province's page writes thousands of them, and the general localisation filters cost a few microseconds each."""

from dataclasses import dataclass

from django import template
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()


@register.filter
def n(value) -> str:
    """A whole number with the language's thousands separator; — for none."""
    if value is None or value == "":
        return "—"
    return f"{int(value):,}".replace(",", get_format("THOUSAND_SEPARATOR"))


@register.filter
def pct(value) -> str:
    """A share in percent with one decimal and the language's decimal separator; — for none."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.1f}".replace(".", get_format("DECIMAL_SEPARATOR"))


# The page's tables (templates/dashboards/table.html) -------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A figure's column of a page table: its header, the line's attribute it shows (`index`: an item of it), how
    (n: a count, pct: a share) and where its header links to."""

    label: str
    attr: str
    kind: str = "n"
    index: int | None = None
    href: str = ""


# The columns after the first (the unit, or the level) of each section's tables; labels are translated when used. A
# "%" is written "%%", as the templates' {% translate %} writes it in the catalogue (one message for both).
COLUMNS = {
    "completion": [
        (gettext_lazy("People"), "people"),
        (gettext_lazy("Completed"), "completed"),
        (gettext_lazy("Not completed"), "not_completed"),
        (gettext_lazy("No result yet"), "no_result"),
        (gettext_lazy("%% completed"), "percent", "pct"),
    ],
    "ratings": [
        (gettext_lazy("Excellent (Tốt)"), "tot"),
        (gettext_lazy("Good (Khá)"), "kha"),
        (gettext_lazy("Met (Đạt)"), "dat"),
        (gettext_lazy("Not met (Chưa đạt)"), "chua_dat"),
        (gettext_lazy("Not rated"), "not_rated"),
        (gettext_lazy("%% Khá or Tốt"), "kha_or_better", "pct"),
    ],
    "qualifications": [
        (gettext_lazy("People"), "people"),
        (gettext_lazy("Meet the standard"), "meets"),
        (gettext_lazy("Below"), "below"),
        (gettext_lazy("Not recorded"), "not_recorded"),
        (gettext_lazy("%% meeting"), "meets_share", "pct"),
    ],
    "upgrade": [
        (gettext_lazy("Must upgrade"), "must"),
        (gettext_lazy("Exempt"), "exempt"),
        (gettext_lazy("Hired after 01/07/2020"), "hired_after"),
        (gettext_lazy("Level not covered"), "not_covered"),
        (gettext_lazy("Birth date or gender missing"), "unknown"),
    ],
    "budget": [(gettext_lazy("Approved (đ)"), "approved"), (gettext_lazy("Not approved yet (đ)"), "pending")],
    "core": [
        (gettext_lazy("People"), "people"),
        (gettext_lazy("Core teachers"), "core"),
        (gettext_lazy("Per 100 people"), "coverage", "pct"),
        (gettext_lazy("Completed the year"), "core_completed"),
        (gettext_lazy("%% completed"), "completed_share", "pct"),
    ],
}


@register.simple_tag
def table_columns(section: str) -> list[Column]:
    """{% table_columns "completion" as columns %}: a section's columns, in the active language."""
    return [Column(str(label) % {}, attr, *kind) for label, attr, *kind in COLUMNS[section]]


@register.simple_tag
def retirement_columns(years, people: str = "", year: str = "") -> list[Column]:
    """A column per school year of the forecast, then those already past the date; with `people` (the list's
    address) each header links to the people behind it in the school year `year` viewed."""

    def href(value) -> str:
        return f"{people}?list=retiring&in={value}&year={year}" if people else ""

    columns = [
        Column(f"{start}-{start + 1}", "by_year", index=index, href=href(start)) for index, start in enumerate(years)
    ]
    return [*columns, Column(_("Already past the date, still at work"), "past", href=href("past"))]


@register.filter
def cell(line, column: Column) -> str:
    """A line's figure in a column, written as the column says."""
    value = getattr(line, column.attr)
    if column.index is not None:
        value = value[column.index]
    return pct(value) if column.kind == "pct" else n(value)


@register.filter
def then(first, second) -> list:
    """The lines of a table that has two parts (levels, then staff groups)."""
    return [*(first or ()), *(second or ())]
