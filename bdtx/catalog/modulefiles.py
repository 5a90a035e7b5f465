"""Module files: the national module catalogue of a programme as versioned YAML data (docs/programmes.md).

Like the rule files of the standards and programmes: `parse()` checks the whole file and lists every
problem (file, key, how to fix it) before raising RuleFileError. Whether the programme and the criteria
exist is checked against the database by services.load_module_files. No database here."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from bdtx.organisations.models import Level
from bdtx.rules.rulefiles import _CODE, FORMAT, _Checker, checked, load_data, read_bytes
from bdtx.staff.models import StaffGroup

BUNDLED_DIR = Path(__file__).resolve().parent / "data"
MAX_MODULES = 500
_CONTENT_CODE = re.compile(r"^\d{2}$")

TOP_KEYS = {"format", "version", "programme", "content", "standard", "target", "source", "unconfirmed", "modules"}
REQUIRED_KEYS = ("format", "version", "programme", "modules")
MODULE_KEYS = {
    "code", "title", "title_confirmed", "criteria", "criteria_inferred", "periods", "objectives", "source", "target",
    "active",
}  # fmt: skip
TARGET_KEYS = {"groups", "levels"}


@dataclass
class ModuleFile:
    """One checked module file; each module a dict of TrainingModule fields plus "criteria" (numbers)."""

    file_name: str
    version: int
    programme: str
    standard: str
    modules: list[dict] = field(default_factory=list)


def bundled_files() -> list[Path]:
    """The module files shipped with bdtx (modules_*.yaml), in name order."""
    return sorted(BUNDLED_DIR.glob("modules_*.yaml"))


def read(path: Path | str) -> ModuleFile:
    path = Path(path)
    return parse(read_bytes(path), path.name)


def parse(content: bytes | str, file_name: str) -> ModuleFile:
    """Check a whole module file and convert it; RuleFileError lists every problem found."""
    checker = _ModuleChecker(file_name)
    return checked(checker, checker.check_modules(load_data(content, checker)))


class _ModuleChecker(_Checker):
    def code(self, data: Mapping, key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not _CODE.match(value) or len(value) > 40:
            self.add(
                key,
                _("“%(value)s” is not a code: use lower-case letters, digits and hyphens, e.g. tt17-2019.")
                % {"value": value},
            )
            return ""
        return value

    def target(self, data: Mapping, where: str) -> dict | None:
        target = self.mapping(data, "target", where)
        self.unknown_keys(target, TARGET_KEYS, where)
        allowed = {"groups": StaffGroup.values, "levels": Level.values}
        result: dict[str, list[str]] = {}
        for key in ("groups", "levels"):
            if key not in target:
                continue
            values = self.sequence(target, key, f"{where}.{key}")
            if not values or not all(isinstance(value, str) for value in values):
                self.add(f"{where}.{key}", _("must be a list of codes, e.g. [teacher]."))
                continue
            unknown = [value for value in values if value not in allowed[key]]
            for value in unknown:
                self.add(
                    f"{where}.{key}",
                    _("“%(value)s” is not known: use %(choices)s.")
                    % {"value": value, "choices": ", ".join(allowed[key])},
                )
            result[key] = list(values)
        return result

    def check_modules(self, data: object) -> ModuleFile | None:
        if not isinstance(data, dict):
            self.add("", _("the file must be a YAML mapping starting with “format: 1”. See docs/programmes.md."))
            return None
        for key in REQUIRED_KEYS:
            if key not in data:
                self.add(key, _("missing. Every module file needs it (see docs/programmes.md)."))
        self.unknown_keys(data, TOP_KEYS, "")
        if "format" in data and data["format"] != FORMAT:
            self.add("format", _("this version of bdtx reads format %(format)d only.") % {"format": FORMAT})
        version = self.integer(data, "version", "version", maximum=1_000_000) if "version" in data else None
        programme = self.code(data, "programme") if "programme" in data else ""
        standard = self.code(data, "standard") if data.get("standard") is not None else ""
        content = data.get("content", "03")
        if not isinstance(content, str) or not _CONTENT_CODE.match(content):
            self.add(
                "content",
                _('“%(value)s” is not a content code: write two digits in quotes, e.g. "03".') % {"value": content},
            )
        target = self.target(data, "target")
        self.plain(self.mapping(data, "source", "source"), "source")
        self.notes(data)
        modules = self.sequence(data, "modules", "modules", required="modules" in data)
        if len(modules) > MAX_MODULES:
            self.add("modules", _("at most %(max)d modules a file.") % {"max": MAX_MODULES})
            modules = []
        result: list[dict] = []
        seen: set[str] = set()
        for index, item in enumerate(modules, start=1):
            where = f"modules[{index}]"
            if not isinstance(item, dict):
                self.add(where, _("each module must be a mapping with code and title."))
                continue
            code = item.get("code")
            if not isinstance(code, str) or not code.strip() or len(code) > 40:
                self.add(f"{where}.code", _('missing or too long: write the module code in quotes, e.g. "GVPT 01".'))
                continue
            code = " ".join(code.split())
            where = _("modules (code %(code)s)") % {"code": code}
            self.unknown_keys(item, MODULE_KEYS, where)
            if code.casefold() in seen:
                self.add(where, _("module %(code)s is given twice. Keep one.") % {"code": code})
                continue
            seen.add(code.casefold())
            criteria = self.sequence(item, "criteria", f"{where}.criteria")
            numbers = []
            for number in criteria:
                if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 100:
                    self.add(f"{where}.criteria", _("“%(value)s” is not a criterion number.") % {"value": number})
                else:
                    numbers.append(number)
            if numbers and not standard:
                self.add(f"{where}.criteria", _("give the standard the numbers belong to, e.g. standard: tt20-2018."))
            periods = item.get("periods")
            if periods is not None:
                periods = self.integer(item, "periods", f"{where}.periods", maximum=200)
            result.append(
                {
                    "code": code,
                    "title": self.text(item, "title", f"{where}.title", max_length=300),
                    "title_confirmed": self.boolean(item, "title_confirmed", f"{where}.title_confirmed", default=True),
                    "criteria": sorted(set(numbers)),
                    "criteria_inferred": self.boolean(
                        item, "criteria_inferred", f"{where}.criteria_inferred", default=False
                    ),
                    "periods": periods,
                    "objectives": self.text(item, "objectives", f"{where}.objectives", required=False),
                    "source": self.text(item, "source", f"{where}.source", required=False, max_length=400),
                    "target": self.target(item, f"{where}.target") if "target" in item else target,
                    "active": self.boolean(item, "active", f"{where}.active", default=True),
                    "content": content if isinstance(content, str) else "03",
                }
            )
        if self.problems or version is None:
            return None
        return ModuleFile(
            file_name=self.file_name, version=version, programme=programme, standard=standard, modules=result
        )
