"""Reading one value typed by a person (a form field or a spreadsheet cell) into a clean Python value.

Each parser returns the value or raises Invalid with a Vietnamese message (through gettext) that
says what is wrong and how to fix it. The staff form and the spreadsheet import share these."""

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from .text import clean, header_key

EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_TEXT = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_CHOICE_SEPARATORS = re.compile(r"[,;/+]")
_PHONE_PUNCTUATION = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"0[35789]\d{8}|02\d{9}")
# The common shape of an address (dot-atom local part of plain letters, digits and _ + -; a host name with
# Django's own domain pattern): every address it matches, validate_email accepts too. Anything else goes
# through validate_email itself, so what is accepted and refused is exactly Django's rule.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_+\-]+(?:\.[a-z0-9_+\-]+)*@"
    + EmailValidator.hostname_re
    + EmailValidator.domain_re
    + EmailValidator.tld_no_fqdn_re,
    re.IGNORECASE,
)


class Invalid(ValueError):
    """A value that cannot be read; str(error) is the message for the person who typed it."""


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if value.__class__ is not str:
        return isinstance(value, str) and not clean(value)
    stripped = value.strip()
    # A first non-space character that is not an invisible one makes the cell non-blank, as clean() would say.
    if not stripped:
        return True
    if stripped[0] not in _INVISIBLE:
        return False
    return not clean(value)


def text(value: object, *, max_length: int) -> str:
    result = clean(value)
    if isinstance(value, float) and value.is_integer():
        result = str(int(value))
    if len(result) > max_length:
        raise Invalid(
            _("Too long: at most %(max)d characters (this has %(count)d).") % {"max": max_length, "count": len(result)}
        )
    return result


def date(value: object, *, allow_future: bool = False) -> dt.date | None:
    """dd/mm/yyyy or d/m/yy text, yyyy-mm-dd, a date cell, or an Excel serial number."""
    if is_blank(value):
        return None
    result: dt.date | None = None
    if isinstance(value, dt.datetime):
        result = value.date()
    elif isinstance(value, dt.date):
        result = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        result = _from_serial(value)
    else:
        raw = clean(value)
        if raw.isdigit() and len(raw) == 5:
            result = _from_serial(int(raw))
        elif match := _DATE_TEXT.match(raw):
            day, month, year = (int(g) for g in match.groups())
            if len(match.group(3)) == 2:
                # Two-digit years: the latest century that does not put the date in the future.
                year += 2000 if year <= timezone.localdate().year % 100 else 1900
            result = _make_date(year, month, day, raw)
        elif match := _ISO_DATE.match(raw):
            year, month, day = (int(g) for g in match.groups()[:3])
            result = _make_date(year, month, day, raw)
        else:
            raise Invalid(
                _("“%(value)s” is not a date. Type it as dd/mm/yyyy, for example 05/09/1985.") % {"value": raw}
            )
    if result is None:
        raise Invalid(_("“%(value)s” is not a date. Type it as dd/mm/yyyy, for example 05/09/1985.") % {"value": value})
    if not allow_future and result > timezone.localdate():
        raise Invalid(
            _("%(date)s is in the future. Check the day, month and year.") % {"date": result.strftime("%d/%m/%Y")}
        )
    if result.year < 1900:
        raise Invalid(_("%(date)s is too early. Check the year.") % {"date": result.strftime("%d/%m/%Y")})
    return result


def _from_serial(number: float) -> dt.date | None:
    # Serials below 10000 (before 1927) are far more likely a year or a typo than a real date here.
    if 10000 <= number < 2958466:
        return EXCEL_EPOCH + dt.timedelta(days=int(number))
    return None


def _make_date(year: int, month: int, day: int, raw: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise Invalid(
            _("“%(value)s” is not a real date (day %(day)d, month %(month)d). Type it as dd/mm/yyyy.")
            % {"value": raw, "day": day, "month": month}
        ) from None


def choice(value: object, aliases: Mapping[str, str], *, label_list: Iterable[str]) -> str:
    """One of a list, matched without case, diacritics or spacing ("Nữ", "nu", "NỮ")."""
    if is_blank(value):
        return ""
    key = header_key(value)
    if key in aliases:
        return aliases[key]
    raise Invalid(
        _("“%(value)s” is not one of: %(choices)s.") % {"value": clean(value), "choices": ", ".join(label_list)}
    )


def choices(value: object, aliases: Mapping[str, str], *, label_list: Iterable[str]) -> str:
    """Several of a list separated by commas, semicolons or slashes; stored as sorted codes."""
    if is_blank(value):
        return ""
    parts = _CHOICE_SEPARATORS.split(clean(value))
    codes = [choice(part, aliases, label_list=label_list) for part in parts if clean(part)]
    return ",".join(sorted(set(codes), key=list(dict.fromkeys(aliases.values())).index))


def yes_no(value: object) -> bool:
    if is_blank(value) or value is False:
        return False
    if value is True:
        return True
    key = header_key(value)
    if key in {"co", "x", "yes", "y", "1", "true", "c", "dung"}:
        return True
    if key in {"khong", "k", "no", "n", "0", "false"}:
        return False
    raise Invalid(_("“%(value)s” is not Yes or No. Type Có or Không.") % {"value": clean(value)})


def phone(value: object) -> str:
    """A Vietnamese phone number as 0xxxxxxxxx; +84 and a lost leading zero are put right."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    digits = _PHONE_PUNCTUATION.sub("", clean(value))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if digits.isdigit() and len(digits) in (9, 10) and not digits.startswith("0"):
        digits = "0" + digits  # typed as a number, the leading zero was lost
    if _PHONE.fullmatch(digits):
        return digits
    raise Invalid(
        _("“%(value)s” is not a Vietnamese phone number. Type 10 digits starting with 0 (e.g. 0912345678).")
        % {"value": clean(value)}
    )


def email(value: object) -> str:
    if is_blank(value):
        return ""
    address = clean(value).lower()
    if len(address) <= 320 and _PLAIN_EMAIL.fullmatch(address):
        return address
    try:
        validate_email(address)
    except ValidationError:
        raise Invalid(_("“%(value)s” is not an e-mail address (name@example.com).") % {"value": clean(value)}) from None
    return address


def alias_map(pairs: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """{code: [spellings]} → {folded spelling: code}, for choice()."""
    return {header_key(spelling): code for code, spellings in pairs.items() for spelling in (code, *spellings)}
