"""The staff record's fields as people type them: one definition for the form, the API and the import.

COLUMNS lists the spreadsheet columns of CONTRACTS.md (headers are part of the contract, so they stay
in Vietnamese); validate_row() reads one row and checks the rules that join several fields."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.lib.text import clean, tidy_name
from bdtx.organisations.importing import LEVEL_LABELS, LEVELS  # one spelling list for units and staff
from bdtx.organisations.models import Level

from .models import Gender, Qualification, StaffGroup, Status

DATA_DIR = Path(__file__).parent / "data"

GENDERS = cells.alias_map({Gender.MALE: ["Nam", "male", "m"], Gender.FEMALE: ["Nữ", "nu", "female", "f"]})
GROUPS = cells.alias_map(
    {
        StaffGroup.TEACHER: ["Giáo viên", "GV", "giao vien", "nhà giáo"],
        StaffGroup.MANAGER: ["Cán bộ quản lý", "CBQL", "quản lý", "cán bộ quản lí"],
        StaffGroup.EMPLOYEE: ["Nhân viên", "NV"],
    }
)
QUALIFICATIONS = cells.alias_map(
    {
        Qualification.BELOW: ["Sơ cấp", "dưới trung cấp", "chưa qua đào tạo"],
        Qualification.INTERMEDIATE: ["Trung cấp", "TC", "trung cấp sư phạm", "TCSP"],
        Qualification.COLLEGE: ["Cao đẳng", "CĐ", "cao đẳng sư phạm", "CĐSP"],
        Qualification.BACHELOR: ["Đại học", "ĐH", "cử nhân", "kỹ sư", "đại học sư phạm", "ĐHSP"],
        Qualification.MASTER: ["Thạc sĩ", "ThS", "thạc sỹ"],
        Qualification.DOCTOR: ["Tiến sĩ", "TS", "tiến sỹ"],
    }
)
STATUSES = cells.alias_map(
    {
        Status.WORKING: ["Đang làm việc", "đang công tác", "làm việc", "đang làm"],
        Status.TRANSFERRED_OUT: ["Chuyển đi", "chuyển công tác", "đã chuyển"],
        Status.RETIRED: ["Nghỉ hưu", "đã nghỉ hưu", "hưu"],
        Status.LEFT: ["Nghỉ việc", "thôi việc", "đã nghỉ"],
    }
)
LABELS = {
    "gender": ["Nam", "Nữ"],
    "group": ["Giáo viên", "Cán bộ quản lý", "Nhân viên"],
    "levels": LEVEL_LABELS,
    "qualification": ["Sơ cấp", "Trung cấp", "Cao đẳng", "Đại học", "Thạc sĩ", "Tiến sĩ"],
    "status": ["Đang làm việc", "Chuyển đi", "Nghỉ hưu", "Nghỉ việc"],
    "is_core": ["Có", "Không"],
}
# The label each code is written back as (export, template drop-downs).
CODE_LABELS = {
    "gender": dict(zip([Gender.MALE, Gender.FEMALE], LABELS["gender"], strict=True)),
    "group": dict(zip([StaffGroup.TEACHER, StaffGroup.MANAGER, StaffGroup.EMPLOYEE], LABELS["group"], strict=True)),
    "levels": dict(zip([c.value for c in Level], LABELS["levels"], strict=True)),
    "qualification": dict(zip([c.value for c in Qualification], LABELS["qualification"], strict=True)),
    "status": dict(zip([c.value for c in Status], LABELS["status"], strict=True)),
}

MIN_AGE, MAX_WORKING_AGE = 18, 65


@cache
def citizen_id_rules() -> dict:
    """CCCD structure (Thông tư 07/2016/TT-BCA Điều 7), from the versioned rule file."""
    return yaml.safe_load((DATA_DIR / "cccd.yaml").read_text(encoding="utf-8"))


def citizen_id(value: object) -> str | None:
    """12 digits; a number that lost its leading zeros in a spreadsheet is padded back."""
    if cells.is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = clean(value).replace(" ", "").replace(".", "")
    if not raw.isdigit():
        raise Invalid(_("“%(value)s” is not a citizen ID: it must have 12 digits only.") % {"value": clean(value)})
    if 9 <= len(raw) < 12 and not raw.startswith("0"):
        # Every province code starts with 0, so a shorter number without it lost its leading zeros
        # when it was typed as a number (001185000123 → 1185000123).
        raw = raw.zfill(12)
    if len(raw) != 12:
        raise Invalid(
            _("The citizen ID must have 12 digits; “%(value)s” has %(count)d. Copy it from the card.")
            % {"value": raw, "count": len(raw)}
        )
    return raw


def citizen_id_problems(number: str, birth_date: dt.date | None, gender: str) -> list[str]:
    """What in a 12-digit CCCD disagrees with its structure, the birth date or the gender."""
    rules = citizen_id_rules()
    problems = []
    if number[:3] not in rules["province_codes"]:
        problems.append(
            _("The citizen ID starts with %(code)s, which is not a province code. Check the first three digits.")
            % {"code": number[:3]}
        )
    if birth_date:
        century = f"{birth_date.year // 100 * 100}-{birth_date.year // 100 * 100 + 99}"
        expected = rules["century_gender"].get(century, {})
        digit = int(number[3])
        if gender and gender in expected and expected[gender] != digit:
            problems.append(
                _(
                    "The 4th digit of the citizen ID (%(digit)d) does not match a %(gender)s born in %(year)d "
                    "(it should be %(expected)d). Check the number, the gender and the date of birth."
                )
                % {
                    "digit": digit,
                    "gender": _("man") if gender == Gender.MALE else _("woman"),
                    "year": birth_date.year,
                    "expected": expected[gender],
                }
            )
        elif not gender and digit not in expected.values():
            problems.append(
                _("The 4th digit of the citizen ID (%(digit)d) does not match a birth in %(year)d.")
                % {"digit": digit, "year": birth_date.year}
            )
        if number[4:6] != f"{birth_date.year % 100:02d}":
            problems.append(
                _(
                    "Digits 5–6 of the citizen ID (%(digits)s) must be the last two digits of the birth year "
                    "(%(year)d). Check the number and the date of birth."
                )
                % {"digits": number[4:6], "year": birth_date.year}
            )
    return problems


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    parse: Callable[[object], object]
    required: bool = False
    note: str = ""
    labels: list[str] = field(default_factory=list)


def _choice(aliases, key):
    return lambda v: cells.choice(v, aliases, label_list=LABELS[key])


def _name(value: object) -> str:
    name = tidy_name(value)
    if len(name) > 120:
        raise Invalid(
            _("Too long: at most %(max)d characters (this has %(count)d).") % {"max": 120, "count": len(name)}
        )
    if any(ch.isdigit() for ch in name):
        raise Invalid(_("A name cannot contain digits: “%(value)s”.") % {"value": name})
    return name


def _code(value: object) -> str:
    code = cells.text(value, max_length=30).replace(" ", "")
    return code


COLUMNS: list[Column] = [
    Column("Mã định danh", "code", _code, required=True, note="Mã định danh của Bộ GDĐT, duy nhất; dùng để cập nhật"),
    Column("Họ và tên", "full_name", _name, required=True, note="Họ, đệm và tên, ví dụ Nguyễn Thị Hoà"),
    Column("Ngày sinh", "birth_date", cells.date, required=True, note="dd/mm/yyyy, ví dụ 05/09/1985"),
    Column("Giới tính", "gender", _choice(GENDERS, "gender"), labels=LABELS["gender"], note="Nam hoặc Nữ"),
    Column("Số CCCD", "citizen_id", citizen_id, note="12 chữ số; nhập dạng văn bản để giữ số 0 đầu"),
    Column("Dân tộc", "ethnicity", lambda v: cells.text(v, max_length=40), note="Ví dụ Kinh, Thái, Mông"),
    Column(
        "Mã đơn vị", "unit_code", lambda v: cells.text(v, max_length=40), required=True, note="Mã đơn vị đang công tác"
    ),
    Column(
        "Chức vụ", "position", lambda v: cells.text(v, max_length=80), note="Ví dụ Hiệu trưởng, Tổ trưởng, Giáo viên"
    ),
    Column(
        "Nhóm", "group", _choice(GROUPS, "group"), labels=LABELS["group"], note="Giáo viên / Cán bộ quản lý / Nhân viên"
    ),
    Column(
        "Cấp học",
        "levels",
        lambda v: cells.choices(v, LEVELS, label_list=LABELS["levels"]),
        note="Một hoặc nhiều, cách nhau bởi dấu phẩy: Mầm non, Tiểu học, THCS, THPT, GDTX",
    ),
    Column("Môn dạy", "subjects", lambda v: cells.text(v, max_length=200), note="Ví dụ Toán, Ngữ văn"),
    Column(
        "Trình độ đào tạo",
        "qualification",
        _choice(QUALIFICATIONS, "qualification"),
        labels=LABELS["qualification"],
        note="Trình độ cao nhất",
    ),
    Column(
        "Hạng chức danh",
        "professional_title",
        lambda v: cells.text(v, max_length=60),
        note="Ví dụ Hạng II hoặc V.07.03.28",
    ),
    Column("Cốt cán", "is_core", cells.yes_no, labels=LABELS["is_core"], note="Có hoặc Không"),
    Column("Điện thoại", "phone", cells.phone, note="10 chữ số, bắt đầu bằng 0"),
    Column("Email", "email", cells.email),
    Column("Ngày vào ngành", "joined_on", cells.date, note="dd/mm/yyyy"),
    Column(
        "Tình trạng",
        "status",
        _choice(STATUSES, "status"),
        labels=LABELS["status"],
        note="Đang làm việc / Chuyển đi / Nghỉ hưu / Nghỉ việc; để trống là Đang làm việc",
    ),
]
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}


def validate_row(raw: dict[str, object]) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Read one row given as {field: cell}. Returns the clean values and [(column header, message)]."""
    values: dict[str, object] = {}
    errors: list[tuple[str, str]] = []
    for column in COLUMNS:
        if column.field not in raw:
            continue
        cell = raw[column.field]
        try:
            value = column.parse(cell)
        except Invalid as error:
            errors.append((column.header, str(error)))
            continue
        if column.required and (value is None or value == ""):
            errors.append((column.header, _("This column is required. Fill it in.")))
            continue
        values[column.field] = value
    errors.extend(cross_field_problems(values))
    return values, errors


def cross_field_problems(values: dict[str, object]) -> list[tuple[str, str]]:
    """Rules across fields: the CCCD against birth date and gender; ages; joining after birth."""
    return cross_field_problems_on(values, timezone.localdate())


def cross_field_problems_on(values: dict[str, object], today: dt.date) -> list[tuple[str, str]]:
    """cross_field_problems() with ages counted on `today` (an import reads the date once, not once a row)."""
    problems: list[tuple[str, str]] = []
    birth = values.get("birth_date")
    if values.get("citizen_id"):
        header = COLUMN_BY_FIELD["citizen_id"].header
        problems += [(header, m) for m in citizen_id_problems(values["citizen_id"], birth, values.get("gender", ""))]
    if isinstance(birth, dt.date):
        age = _age(birth, today)
        header = COLUMN_BY_FIELD["birth_date"].header
        if age < MIN_AGE:
            problems.append(
                (
                    header,
                    _("Aged %(age)d: a member of staff must be at least %(min)d. Check the year of birth.")
                    % {"age": age, "min": MIN_AGE},
                )
            )
        elif age > MAX_WORKING_AGE and values.get("status", Status.WORKING) in ("", Status.WORKING):
            problems.append(
                (
                    header,
                    _(
                        "Aged %(age)d and still working: past working age. Check the year of birth, or set the status "
                        "to Nghỉ hưu."
                    )
                    % {"age": age},
                )
            )
        joined = values.get("joined_on")
        if isinstance(joined, dt.date) and _age(birth, joined) < 15:
            problems.append(
                (
                    COLUMN_BY_FIELD["joined_on"].header,
                    _("Joined the sector at %(age)d years old. Check this date and the date of birth.")
                    % {"age": _age(birth, joined)},
                )
            )
    return problems


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
