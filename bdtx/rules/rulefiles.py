"""Rule files: a professional standard as versioned YAML data (format 1, see docs/standards.md).

`parse()` reads one file and checks all of it, collecting every problem (each names the file and the
key and says how to fix it) before raising RuleFileError, so a person correcting a file sees the whole
list at once. The `load_standards` command and the upload page both go through here. No database."""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

from bdtx.organisations.models import Level
from bdtx.staff.models import StaffGroup

from .classification import LOWEST, RANK
from .models import Subject

FORMAT = 1
BUNDLED_DIR = Path(__file__).resolve().parent / "data" / "standards"
LEVELS = tuple(RANK)  # chua_dat, dat, kha, tot
DESCRIPTOR_LEVELS = ("dat", "kha", "tot")
MAX_CRITERIA = 100
MAX_BYTES = 1_000_000
_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FRACTION = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")

TOP_KEYS = {
    "format", "version", "code", "name", "document", "subject", "applies_to", "criteria_count", "valid_from",
    "valid_until", "self_years", "evaluation_years", "source", "unconfirmed", "areas", "criteria", "classification",
}  # fmt: skip
REQUIRED_KEYS = (
    "format",
    "version",
    "code",
    "name",
    "document",
    "subject",
    "criteria_count",
    "criteria",
    "classification",
)
APPLIES_KEYS = {"groups", "levels", "position_keywords"}
AREA_KEYS = {"number", "title", "description", "article", "confirmed"}
CRITERION_KEYS = {"number", "area", "title", "descriptors", "confirmed", "note"}
CLASSIFICATION_KEYS = {"core_criteria", "evaluate_in_order", "rules", "level_definitions", "note"}
CONDITION_KEYS = {"all_criteria_min", "min_fraction_at_or_above", "core_criteria_min"}
RULE_TEXT_KEYS = {"name_vi", "text_vi", "condition", "condition_en", "source_language", "status", "note"}


class RuleFileError(ValueError):
    """A rule file that cannot be used; `problems` lists every reason, in the user's language."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class RuleFile:
    """One checked rule file, its values already converted (dates, integers, is_core)."""

    file_name: str
    code: str
    version: int
    standard: dict  # the Standard's fields, except code and the file bookkeeping
    areas: list[dict] = field(default_factory=list)
    criteria: list[dict] = field(default_factory=list)


def bundled_files() -> list[Path]:
    """The rule files shipped with bdtx, in name order."""
    return sorted(BUNDLED_DIR.glob("*.yaml"))


def read(path: Path | str) -> RuleFile:
    path = Path(path)
    return parse(read_bytes(path), path.name)


def read_bytes(path: Path) -> bytes:
    """A rule file's bytes; RuleFileError saying so when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise RuleFileError(
            [_("%(file)s: cannot be read (%(reason)s). Check the path.") % {"file": path, "reason": error.strerror}]
        ) from error


def bundled(code: str) -> RuleFile | None:
    """The shipped rule file of the standard `code`, or None (used when the database has not been loaded)."""
    for path in bundled_files():
        rule_file = read(path)
        if rule_file.code == code:
            return rule_file
    return None


def parse(content: bytes | str, file_name: str) -> RuleFile:
    """Check a whole rule file and convert it; RuleFileError lists every problem found."""
    checker = _Checker(file_name)
    return checked(checker, checker.check(load_data(content, checker)))


def load_data(content: bytes | str, checker: "_Checker") -> object:
    """Decode a rule file (UTF-8, with or without BOM, at most 1 MB) and parse its YAML; RuleFileError with one
    message naming the file when that fails. Shared by the standards', programmes' and modules' files."""
    if isinstance(content, bytes):
        if len(content) > MAX_BYTES:
            raise RuleFileError([checker.message("", _("the file is larger than 1 MB. A rule file is a few kB."))])
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise RuleFileError([checker.message("", _("the file is not UTF-8 text. Save it as UTF-8."))]) from error
    try:
        return yaml.load(content, Loader=_Loader)  # noqa: S506 (a safe loader: the C one when libyaml is there)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(error, "problem", None) or str(error)
        raise RuleFileError(
            [
                checker.message(
                    "",
                    _("not valid YAML at line %(line)d (%(problem)s). Correct the indentation or quoting there.")
                    % {"line": line, "problem": problem},
                )
            ]
        ) from error


def checked(checker: "_Checker", result):
    """The converted file, or RuleFileError with every problem the checker found."""
    if checker.problems:
        raise RuleFileError(checker.problems)
    assert result is not None
    return result


class _Checker:
    def __init__(self, file_name: str):
        self.file_name = file_name
        self.problems: list[str] = []

    def message(self, key: str, problem: str) -> str:
        if not key:
            return _("%(file)s: %(problem)s") % {"file": self.file_name, "problem": problem}
        return _("%(file)s, key “%(key)s”: %(problem)s") % {"file": self.file_name, "key": key, "problem": problem}

    def add(self, key: str, problem: str) -> None:
        self.problems.append(self.message(key, problem))

    # Values -----------------------------------------------------------------------------------------------

    def text(self, data: Mapping, key: str, where: str, *, required: bool = True, max_length: int = 0) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.add(where, _('missing. Write the text in quotes, e.g. %(key)s: "…".') % {"key": key})
            return ""
        if not isinstance(value, str):
            self.add(where, _("must be text. Put the value in double quotes."))
            return ""
        value = " ".join(value.split())
        if max_length and len(value) > max_length:
            self.add(
                where,
                _("too long: at most %(max)d characters (this has %(count)d).")
                % {
                    "max": max_length,
                    "count": len(value),
                },
            )
        return value

    def integer(self, data: Mapping, key: str, where: str, *, minimum: int = 1, maximum: int = 10_000) -> int | None:
        value = data.get(key)
        if value is None:
            self.add(where, _("missing. Write a whole number, e.g. %(key)s: 1.") % {"key": key})
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.add(
                where,
                _("must be a whole number from %(min)d to %(max)d (found “%(value)s”).")
                % {"min": minimum, "max": maximum, "value": value},
            )
            return None
        return value

    def boolean(self, data: Mapping, key: str, where: str, *, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.add(where, _("must be true or false (found “%(value)s”).") % {"value": value})
            return default
        return value

    def date(self, data: Mapping, key: str) -> dt.date | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, dt.date):
            return value
        match = _DATE.match(value.strip()) if isinstance(value, str) else None
        if match:
            day, month, year = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                pass
        self.add(key, _('“%(value)s” is not a date. Write it as "dd/mm/yyyy" in quotes, or null.') % {"value": value})
        return None

    def mapping(self, data: Mapping, key: str, where: str, *, required: bool = False) -> dict:
        value = data.get(key)
        if value is None:
            if required:
                self.add(where, _("missing."))
            return {}
        if not isinstance(value, dict):
            self.add(where, _("must be a mapping of keys to values (key: value on each line)."))
            return {}
        return value

    def sequence(self, data: Mapping, key: str, where: str, *, required: bool = False) -> list:
        value = data.get(key)
        if value is None:
            if required:
                self.add(where, _("missing: give a list, one item a line starting with “- ”."))
            return []
        if not isinstance(value, list):
            self.add(where, _("must be a list, one item a line starting with “- ”."))
            return []
        return value

    def plain(self, value: object, where: str) -> object:
        """The value as JSON can store it: a YAML date becomes dd/mm/yyyy text."""
        if isinstance(value, dict):
            return {str(key): self.plain(item, f"{where}.{key}") for key, item in value.items()}
        if isinstance(value, list):
            return [self.plain(item, where) for item in value]
        if isinstance(value, dt.date):
            return value.strftime("%d/%m/%Y")
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        self.add(where, _("cannot be stored; write it as text in quotes."))
        return None

    def unknown_keys(self, data: Mapping, allowed: set[str], where: str) -> None:
        extra = sorted(str(key) for key in data if key not in allowed)
        if extra:
            prefix = f"{where}." if where else ""
            for key in extra:
                self.add(
                    prefix + key,
                    _("unknown key. Check the spelling; the allowed keys here are: %(keys)s.")
                    % {"keys": ", ".join(sorted(allowed))},
                )

    def level(self, value: object, where: str, *, allowed: tuple[str, ...] = LEVELS) -> str | None:
        if not isinstance(value, str) or value not in allowed:
            self.add(
                where, _("“%(value)s” is not a level: use %(levels)s.") % {"value": value, "levels": ", ".join(allowed)}
            )
            return None
        return str(value)

    # The file ---------------------------------------------------------------------------------------------

    def check(self, data: object) -> RuleFile | None:
        if not isinstance(data, dict):
            self.add("", _("the file must be a YAML mapping starting with “format: 1”. See docs/standards.md."))
            return None
        for key in REQUIRED_KEYS:
            if key not in data:
                self.add(key, _("missing. Every rule file needs it (see docs/standards.md)."))
        self.unknown_keys(data, TOP_KEYS, "")
        if "format" in data and data["format"] != FORMAT:
            self.add("format", _("this version of bdtx reads format %(format)d only.") % {"format": FORMAT})
        version = self.integer(data, "version", "version", maximum=1_000_000) if "version" in data else None
        code = data.get("code")
        if "code" in data and (not isinstance(code, str) or not _CODE.match(code) or len(code) > 40):
            self.add(
                "code",
                _("“%(value)s” is not a code: use lower-case letters, digits and hyphens, e.g. tt20-2018.")
                % {
                    "value": code,
                },
            )
            code = None
        subject = data.get("subject")
        if "subject" in data and subject not in Subject.values:
            self.add(
                "subject",
                _("“%(value)s” is not known: use %(choices)s.")
                % {
                    "value": subject,
                    "choices": ", ".join(Subject.values),
                },
            )
        count = (
            self.integer(data, "criteria_count", "criteria_count", maximum=MAX_CRITERIA)
            if "criteria_count" in data
            else None
        )
        valid_from, valid_until = self.date(data, "valid_from"), self.date(data, "valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add("valid_until", _("comes before valid_from. Swap the dates or correct one of them."))
        standard = {
            "name": self.text(data, "name", "name", max_length=255),
            "document": self.text(data, "document", "document", max_length=255),
            "subject": subject,
            "applies_to": self.applies_to(data),
            "criteria_count": count,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "self_years": self.integer(data, "self_years", "self_years", maximum=10) if "self_years" in data else 1,
            "evaluation_years": (
                self.integer(data, "evaluation_years", "evaluation_years", maximum=10)
                if "evaluation_years" in data
                else 2
            ),
            "source": self.plain(self.mapping(data, "source", "source"), "source"),
            "unconfirmed": self.notes(data),
        }
        areas = self.areas(data)
        criteria = self.criteria(data, count, {area["number"] for area in areas})
        standard["classification"] = self.classification(data, count)
        if self.problems or version is None or code is None:
            return None
        core = set(standard["classification"]["core_criteria"])
        for criterion in criteria:
            criterion["is_core"] = criterion["number"] in core
        return RuleFile(
            file_name=self.file_name, code=code, version=version, standard=standard, areas=areas, criteria=criteria
        )

    def applies_to(self, data: Mapping) -> dict:
        applies = self.mapping(data, "applies_to", "applies_to")
        self.unknown_keys(applies, APPLIES_KEYS, "applies_to")
        result: dict[str, list[str]] = {}
        allowed = {"groups": StaffGroup.values, "levels": Level.values}
        for key in ("groups", "levels", "position_keywords"):
            if key not in applies:
                continue
            values = self.sequence(applies, key, f"applies_to.{key}")
            if not values or not all(isinstance(value, str) and value.strip() for value in values):
                self.add(f"applies_to.{key}", _("must be a list of codes, e.g. [teacher]."))
                continue
            if key in allowed:
                for value in values:
                    if value not in allowed[key]:
                        self.add(
                            f"applies_to.{key}",
                            _("“%(value)s” is not known: use %(choices)s.")
                            % {
                                "value": value,
                                "choices": ", ".join(allowed[key]),
                            },
                        )
            result[key] = [" ".join(value.split()) for value in values]
        return result

    def notes(self, data: Mapping) -> list[str]:
        notes = self.sequence(data, "unconfirmed", "unconfirmed")
        result = []
        for index, note in enumerate(notes, start=1):
            if not isinstance(note, str) or not note.strip():
                self.add(f"unconfirmed[{index}]", _("each point must be one line of text in quotes."))
                continue
            result.append(" ".join(note.split()))
        return result

    def areas(self, data: Mapping) -> list[dict]:
        result: list[dict] = []
        seen: set[int] = set()
        for index, area in enumerate(self.sequence(data, "areas", "areas"), start=1):
            where = f"areas[{index}]"
            if not isinstance(area, dict):
                self.add(where, _("each area must be a mapping with number and title."))
                continue
            self.unknown_keys(area, AREA_KEYS, where)
            number = self.integer(area, "number", f"{where}.number", maximum=MAX_CRITERIA)
            if number is not None and number in seen:
                self.add(
                    f"{where}.number",
                    _("area %(number)d is given twice. Number the areas 1, 2, 3…")
                    % {
                        "number": number,
                    },
                )
            if number is None:
                continue
            seen.add(number)
            result.append(
                {
                    "number": number,
                    "title": self.text(area, "title", f"{where}.title", max_length=255),
                    "description": self.text(area, "description", f"{where}.description", required=False),
                    "article": self.text(area, "article", f"{where}.article", required=False, max_length=40),
                    "confirmed": self.boolean(area, "confirmed", f"{where}.confirmed", default=True),
                }
            )
        return result

    def criteria(self, data: Mapping, count: int | None, area_numbers: set[int]) -> list[dict]:
        result: list[dict] = []
        seen: set[int] = set()
        for index, criterion in enumerate(self.sequence(data, "criteria", "criteria", required=True), start=1):
            where = f"criteria[{index}]"
            if not isinstance(criterion, dict):
                self.add(where, _("each criterion must be a mapping with number, title and confirmed."))
                continue
            number = self.integer(criterion, "number", f"{where}.number", maximum=MAX_CRITERIA)
            if number is not None:
                where = _("criteria (number %(number)d)") % {"number": number}
            self.unknown_keys(criterion, CRITERION_KEYS, where)
            if number is None:
                continue
            if number in seen:
                self.add(where, _("criterion %(number)d is given twice. Keep one.") % {"number": number})
            if count and number > count:
                self.add(
                    where,
                    _("the standard has %(count)d criteria (criteria_count); number it 1 to %(count)d.")
                    % {
                        "count": count,
                    },
                )
            seen.add(number)
            area = criterion.get("area")
            if area is not None and (not isinstance(area, int) or area not in area_numbers):
                self.add(
                    f"{where}.area",
                    _("there is no area %(area)s under “areas”. Add it there or write null.")
                    % {
                        "area": area,
                    },
                )
                area = None
            descriptors = self.mapping(criterion, "descriptors", f"{where}.descriptors")
            self.unknown_keys(descriptors, set(DESCRIPTOR_LEVELS), f"{where}.descriptors")
            result.append(
                {
                    "number": number,
                    "area": area,
                    "title": self.text(criterion, "title", f"{where}.title", max_length=255),
                    "descriptors": {
                        level: self.text(descriptors, level, f"{where}.descriptors.{level}")
                        for level in DESCRIPTOR_LEVELS
                        if descriptors.get(level) not in (None, "")
                    },
                    "confirmed": self.boolean(criterion, "confirmed", f"{where}.confirmed", default=True),
                    "note": self.text(criterion, "note", f"{where}.note", required=False),
                }
            )
        if count:
            missing = sorted(set(range(1, count + 1)) - seen)
            if missing:
                self.add(
                    "criteria",
                    _(
                        "criteria %(numbers)s are missing; list every criterion 1 to %(count)d (an unknown title as "
                        'title: "Tiêu chí N" with confirmed: false).'
                    )
                    % {"numbers": ", ".join(map(str, missing)), "count": count},
                )
        return sorted(result, key=lambda item: item["number"])

    def classification(self, data: Mapping, count: int | None) -> dict:
        rule = self.mapping(data, "classification", "classification", required="classification" in data)
        self.unknown_keys(rule, CLASSIFICATION_KEYS, "classification")
        core = self.sequence(rule, "core_criteria", "classification.core_criteria")
        core_numbers: list[int] = []
        for number in core:
            if isinstance(number, bool) or not isinstance(number, int) or (count and not 1 <= number <= count):
                self.add(
                    "classification.core_criteria",
                    _("“%(value)s” is not a criterion number of this standard.")
                    % {
                        "value": number,
                    },
                )
            elif number in core_numbers:
                self.add(
                    "classification.core_criteria", _("criterion %(number)d is listed twice.") % {"number": number}
                )
            else:
                core_numbers.append(number)
        order = self.sequence(rule, "evaluate_in_order", "classification.evaluate_in_order", required=True)
        for code in order:
            self.level(code, "classification.evaluate_in_order")
        order = [code for code in order if isinstance(code, str)]
        if order and len(set(map(str, order))) != len(order):
            self.add("classification.evaluate_in_order", _("a level is listed twice."))
        if order and [code for code in order if code in RANK] != sorted(
            (code for code in order if code in RANK), key=RANK.__getitem__, reverse=True
        ):
            self.add(
                "classification.evaluate_in_order", _("list the levels from the highest down: tot, kha, dat, chua_dat.")
            )
        rules = self.mapping(rule, "rules", "classification.rules", required=True)
        checked_rules: dict[str, dict] = {}
        for code, conditions in rules.items():
            where = f"classification.rules.{code}"
            if self.level(code, where) is None:
                continue
            if not isinstance(conditions, dict):
                self.add(where, _("must be a mapping with name_vi and the conditions."))
                continue
            checked_rules[code] = self.conditions(code, conditions, where, bool(core_numbers))
        for code in order:
            if code in RANK and code != LOWEST and code not in rules:
                self.add(
                    "classification.rules",
                    _("no rule for “%(level)s”, which evaluate_in_order lists.") % {"level": code},
                )
        definitions = self.mapping(rule, "level_definitions", "classification.level_definitions")
        self.unknown_keys(definitions, set(DESCRIPTOR_LEVELS), "classification.level_definitions")
        result = {
            "core_criteria": core_numbers,
            "evaluate_in_order": [str(code) for code in order],
            "rules": checked_rules,
        }
        if definitions:
            result["level_definitions"] = {
                level: self.text(definitions, level, f"classification.level_definitions.{level}")
                for level in DESCRIPTOR_LEVELS
                if level in definitions
            }
        if rule.get("note"):
            result["note"] = self.text(rule, "note", "classification.note")
        return result

    def conditions(self, code: str, conditions: Mapping, where: str, has_core: bool) -> dict:
        self.unknown_keys(conditions, CONDITION_KEYS | RULE_TEXT_KEYS, where)
        result: dict = {"name_vi": self.text(conditions, "name_vi", f"{where}.name_vi", max_length=255)}
        for key in sorted(RULE_TEXT_KEYS - {"name_vi"}):
            if conditions.get(key) not in (None, ""):
                result[key] = self.text(conditions, key, f"{where}.{key}")
        if code != LOWEST and not CONDITION_KEYS & set(conditions):
            self.add(
                where,
                _("gives no condition: add all_criteria_min, min_fraction_at_or_above or core_criteria_min."),
            )
        for key in ("all_criteria_min", "core_criteria_min"):
            if key in conditions and self.level(conditions[key], f"{where}.{key}", allowed=DESCRIPTOR_LEVELS):
                result[key] = conditions[key]
        if "core_criteria_min" in conditions and not has_core:
            self.add(f"{where}.core_criteria_min", _("needs the core criteria in classification.core_criteria."))
        if "min_fraction_at_or_above" in conditions:
            share = conditions["min_fraction_at_or_above"]
            key = f"{where}.min_fraction_at_or_above"
            if not isinstance(share, dict) or set(share) != {"level", "fraction"}:
                self.add(key, _('must be {level: tot, fraction: "2/3"}.'))
            else:
                level = self.level(share["level"], f"{key}.level", allowed=DESCRIPTOR_LEVELS)
                match = _FRACTION.match(share["fraction"]) if isinstance(share["fraction"], str) else None
                value = Fraction(int(match[1]), int(match[2])) if match and int(match[2]) else None
                if value is None or not 0 < value <= 1:
                    self.add(
                        f"{key}.fraction",
                        _('“%(value)s” is not a fraction: write it in quotes, e.g. "2/3".')
                        % {
                            "value": share["fraction"],
                        },
                    )
                elif level:
                    result["min_fraction_at_or_above"] = {
                        "level": level,
                        "fraction": f"{value.numerator}/{value.denominator}",
                    }
        return result


def read_all(paths, read) -> list:
    """Every file read and checked by `read`; RuleFileError with the problems of all of them together."""
    problems: list[str] = []
    found = []
    for path in paths:
        try:
            found.append(read(path))
        except RuleFileError as error:
            problems += error.problems
    if problems:
        raise RuleFileError(problems)
    return found
