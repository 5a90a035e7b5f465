"""Programme rule files: a BDTX programme (TT 17/2019…) as versioned YAML data (format 1, docs/programmes.md).

Same spirit as the standards' rule files (rulefiles.py, whose value checks this reuses): `parse()` checks a
whole file and lists every problem, naming the file and the key and saying how to fix it, before raising
RuleFileError. The `load_programmes` command and the upload page both go through here. No database."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from .rulefiles import _CODE, FORMAT, _Checker, checked, load_data, read_bytes

BUNDLED_DIR = Path(__file__).resolve().parent / "data" / "programmes"
MAX_CONTENTS = 20
MAX_PERIODS = 2000
_CONTENT_CODE = re.compile(r"^\d{2}$")

TOP_KEYS = {
    "format", "version", "code", "name", "document", "applies_to", "total_periods", "valid_from", "valid_until",
    "source", "unconfirmed", "contents",
}  # fmt: skip
REQUIRED_KEYS = ("format", "version", "code", "name", "document", "applies_to", "total_periods", "contents")
CONTENT_KEYS = {"code", "name", "owner", "periods", "adjustable", "by_modules"}


@dataclass
class ProgrammeFile:
    """One checked programme file, its values already converted (dates, integers)."""

    file_name: str
    code: str
    version: int
    programme: dict  # the Programme's fields, except code and the file bookkeeping
    contents: list[dict] = field(default_factory=list)


def bundled_files() -> list[Path]:
    """The programme files shipped with bdtx, in name order."""
    return sorted(BUNDLED_DIR.glob("*.yaml"))


def read(path: Path | str) -> ProgrammeFile:
    path = Path(path)
    return parse(read_bytes(path), path.name)


def parse(content: bytes | str, file_name: str) -> ProgrammeFile:
    """Check a whole programme file and convert it; RuleFileError lists every problem found."""
    checker = _ProgrammeChecker(file_name)
    return checked(checker, checker.check_programme(load_data(content, checker)))


class _ProgrammeChecker(_Checker):
    def check_programme(self, data: object) -> ProgrammeFile | None:
        if not isinstance(data, dict):
            self.add("", _("the file must be a YAML mapping starting with “format: 1”. See docs/programmes.md."))
            return None
        for key in REQUIRED_KEYS:
            if key not in data:
                self.add(key, _("missing. Every programme file needs it (see docs/programmes.md)."))
        self.unknown_keys(data, TOP_KEYS, "")
        if "format" in data and data["format"] != FORMAT:
            self.add("format", _("this version of bdtx reads format %(format)d only.") % {"format": FORMAT})
        version = self.integer(data, "version", "version", maximum=1_000_000) if "version" in data else None
        code = data.get("code")
        if "code" in data and (not isinstance(code, str) or not _CODE.match(code) or len(code) > 40):
            self.add(
                "code",
                _("“%(value)s” is not a code: use lower-case letters, digits and hyphens, e.g. tt17-2019.")
                % {"value": code},
            )
            code = None
        total = (
            self.integer(data, "total_periods", "total_periods", maximum=MAX_PERIODS)
            if "total_periods" in data
            else None
        )
        valid_from, valid_until = self.date(data, "valid_from"), self.date(data, "valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add("valid_until", _("comes before valid_from. Swap the dates or correct one of them."))
        applies = self.applies_to(data)
        if "applies_to" in data and not applies.get("groups") and not self.problems:
            self.add("applies_to.groups", _("missing: say whom the programme is for, e.g. groups: [teacher]."))
        programme = {
            "name": self.text(data, "name", "name", max_length=255),
            "document": self.text(data, "document", "document", max_length=255),
            "applies_to": applies,
            "total_periods": total,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "source": self.plain(self.mapping(data, "source", "source"), "source"),
            "unconfirmed": self.notes(data),
        }
        contents = self.contents(data, total)
        if self.problems or version is None or code is None:
            return None
        return ProgrammeFile(
            file_name=self.file_name, code=code, version=version, programme=programme, contents=contents
        )

    def contents(self, data: Mapping, total: int | None) -> list[dict]:
        result: list[dict] = []
        seen: set[str] = set()
        items = self.sequence(data, "contents", "contents", required="contents" in data)
        if len(items) > MAX_CONTENTS:
            self.add("contents", _("at most %(max)d contents.") % {"max": MAX_CONTENTS})
            return []
        for index, item in enumerate(items, start=1):
            where = f"contents[{index}]"
            if not isinstance(item, dict):
                self.add(where, _("each content must be a mapping with code, name, periods and adjustable."))
                continue
            code = item.get("code")
            if not isinstance(code, str) or not _CONTENT_CODE.match(code):
                self.add(
                    f"{where}.code",
                    _('“%(value)s” is not a content code: write two digits in quotes, e.g. code: "01".')
                    % {"value": code},
                )
                continue
            where = _("contents (code %(code)s)") % {"code": code}
            self.unknown_keys(item, CONTENT_KEYS, where)
            if code in seen:
                self.add(where, _("content %(code)s is given twice. Keep one.") % {"code": code})
                continue
            seen.add(code)
            result.append(
                {
                    "code": code,
                    "name": self.text(item, "name", f"{where}.name", max_length=400),
                    "owner": self.text(item, "owner", f"{where}.owner", required=False, max_length=200),
                    "periods": self.integer(item, "periods", f"{where}.periods", minimum=0, maximum=MAX_PERIODS),
                    "adjustable": self.boolean(item, "adjustable", f"{where}.adjustable", default=False),
                    "by_modules": self.boolean(item, "by_modules", f"{where}.by_modules", default=False),
                }
            )
        if not items and "contents" in data and not self.problems:
            self.add("contents", _("missing: list the contents 01, 02, 03 with their periods."))
        periods = [content["periods"] for content in result]
        if total is not None and result and None not in periods and sum(periods) != total:
            self.add(
                "contents",
                _(
                    "the contents' periods add up to %(sum)d, but total_periods is %(total)d. "
                    "Correct the periods or the total."
                )
                % {"sum": sum(periods), "total": total},
            )
        return sorted(result, key=lambda content: content["code"])
