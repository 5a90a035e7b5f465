"""The module catalogue's spreadsheet columns and the parsers of its values, shared by the Excel import, the
export and the module form (so a value typed in either reads the same). Each parser raises cells.Invalid
with a message that says how to fix the value."""

import re
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.lib.excel import Col
from bdtx.lib.spreadsheet import Spec
from bdtx.lib.text import clean, fold
from bdtx.organisations.importing import LEVEL_LABELS, LEVELS
from bdtx.organisations.models import Level
from bdtx.staff.models import StaffGroup

# Vietnamese data headers (CONTRACTS.md: column headers are data, not translated).
COLUMNS = [
    ("code", "Mã mô đun", True, 14),
    ("title", "Tên mô đun", True, 60),
    ("programme", "Chương trình", True, 14),
    ("content", "Nội dung", False, 9),
    ("periods", "Số tiết", False, 8),
    ("groups", "Đối tượng", False, 24),
    ("levels", "Cấp học", False, 20),
    ("criteria", "Tiêu chí", False, 18),
    ("objectives", "Mục tiêu", False, 60),
    ("active", "Đang dùng", False, 10),
]
SPECS = [Spec(header, key, required) for key, header, required, _width in COLUMNS]
EXPORT_COLUMNS = [Col(header, "number" if key == "periods" else "text", width) for key, header, _r, width in COLUMNS]
HEADERS = {key: header for key, header, _r, _w in COLUMNS}

GROUPS = cells.alias_map(
    {
        StaffGroup.TEACHER: ["Giáo viên", "GV", "giao vien", "nhà giáo"],
        StaffGroup.MANAGER: ["Cán bộ quản lý", "CBQL", "quản lý", "cán bộ quản lí"],
    }
)
GROUP_LABELS = {StaffGroup.TEACHER: "Giáo viên", StaffGroup.MANAGER: "Cán bộ quản lý"}
LEVEL_NAMES = dict(zip(Level.values, LEVEL_LABELS, strict=True))
MAX_PERIODS = 200
_CODE = re.compile(r"^[A-Za-z0-9À-ỹ][\w .\-/À-ỹ]*$")
_CRITERIA_PART = re.compile(r"^\s*([a-z0-9]+(?:-[a-z0-9]+)*)\s*:\s*([\d\s,]+)$")


def module_code(value: object) -> str:
    code = clean(value)
    if not code:
        raise Invalid(_('Type the module code, e.g. "GVPT 01".'))
    if len(code) > 40 or not _CODE.match(code):
        raise Invalid(
            _("“%(value)s” is not a module code: use letters, digits, spaces, dots or hyphens, at most 40 characters.")
            % {"value": code}
        )
    return code


def title(value: object) -> str:
    result = cells.text(value, max_length=300)
    if not result:
        raise Invalid(_("Type the module's title."))
    return result


def programme(value: object, programmes: Iterable) -> object:
    """A programme by its code (tt17-2019), its document (“Thông tư 17/2019/TT-BGDĐT…”) or its name."""
    wanted = fold(value)
    if not wanted:
        raise Invalid(_("Type the programme's code, e.g. tt17-2019."))
    programmes = list(programmes)
    for item in programmes:
        if wanted in (item.code, fold(item.name)) or fold(item.document).startswith(wanted):
            return item
    raise Invalid(
        _("“%(value)s” is not a programme. Use one of: %(codes)s.")
        % {"value": clean(value), "codes": ", ".join(item.code for item in programmes)}
    )


def content(value: object, codes: Iterable[str]) -> str:
    """A content code of the programme: "03", "3" and 3 all read "03"; blank reads "03"."""
    codes = sorted(codes)
    if cells.is_blank(value):
        return "03"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = clean(value)
    code = raw.zfill(2) if raw.isdigit() else raw
    if code not in codes:
        raise Invalid(
            _("“%(value)s” is not a content of the programme: use %(codes)s.")
            % {"value": raw, "codes": ", ".join(codes)}
        )
    return code


def periods(value: object) -> int | None:
    """Blank: not set yet (the Sở sets it later)."""
    if cells.is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = clean(value)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif raw.isdigit():
        number = int(raw)
    else:
        number = -1
    if not 1 <= number <= MAX_PERIODS:
        raise Invalid(
            _("“%(value)s” is not a number of periods: type a whole number from 1 to %(max)d, or leave it empty.")
            % {"value": raw, "max": MAX_PERIODS}
        )
    return number


def groups(value: object) -> list[str]:
    codes = cells.choices(value, GROUPS, label_list=GROUP_LABELS.values())
    return [code for code in codes.split(",") if code]


def levels(value: object) -> list[str]:
    codes = cells.choices(value, LEVELS, label_list=LEVEL_LABELS)
    return [code for code in codes.split(",") if code]


def criteria(value: object, known: Mapping[str, Mapping[int, object]]) -> list:
    """ "tt20-2018:4,5; tt14-2018:2" → the Criterion objects; `known` is {standard code: {number: criterion}}."""
    if cells.is_blank(value):
        return []
    found = []
    for part in re.split(r"[;\n]", clean(value)):
        if not part.strip():
            continue
        match = _CRITERIA_PART.match(part.lower())
        if not match:
            raise Invalid(
                _("“%(value)s”: write the standard's code, a colon and the criterion numbers, e.g. tt20-2018:4,5.")
                % {"value": part.strip()}
            )
        standard, numbers = match[1], [int(n) for n in re.split(r"[\s,]+", match[2]) if n]
        if standard not in known:
            raise Invalid(
                _("“%(value)s” is not a standard. Use one of: %(codes)s.")
                % {"value": standard, "codes": ", ".join(sorted(known))}
            )
        missing = [n for n in numbers if n not in known[standard]]
        if missing:
            raise Invalid(
                _("The standard %(code)s has no criterion %(numbers)s (it has 1 to %(count)d).")
                % {"code": standard, "numbers": ", ".join(map(str, missing)), "count": max(known[standard])}
            )
        found += [known[standard][n] for n in numbers]
    return list(dict.fromkeys(found))


def active(value: object) -> bool:
    """Blank reads Yes: a new module is in use unless said otherwise."""
    return True if cells.is_blank(value) else cells.yes_no(value)


# Writing the values back (export, the form's initial values) ---------------------------------------------


def groups_text(target: Mapping) -> str:
    return ", ".join(GROUP_LABELS.get(code, code) for code in target.get("groups", []))


def levels_text(target: Mapping) -> str:
    return ", ".join(LEVEL_NAMES.get(code, code) for code in target.get("levels", []))


def criteria_text(criteria: Iterable) -> str:
    """Criterion objects (with their standard loaded) → "tt20-2018:4,5"."""
    by_standard: dict[str, list[int]] = {}
    for criterion in criteria:
        by_standard.setdefault(criterion.standard.code, []).append(criterion.number)
    return "; ".join(f"{code}:{','.join(map(str, sorted(numbers)))}" for code, numbers in sorted(by_standard.items()))
