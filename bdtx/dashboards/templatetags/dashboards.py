"""Numbers on the dashboards, written the reader's way (formats/vi: 1.234 and 93,5) and fast: a province's page
writes thousands of them, and the general localisation filters cost a few microseconds each."""

from django import template
from django.utils.formats import get_format

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
