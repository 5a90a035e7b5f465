"""The staff list as an .xlsx with exactly the import columns, so export → edit → import round-trips."""

from collections.abc import Iterator
from typing import IO

from bdtx.accounts import permissions
from bdtx.lib.db import rows_by_name
from bdtx.lib.excel import Col, table_file
from bdtx.privacy.services import PERSONAL_FIELDS, full_data_check, full_data_filter, mask_phone, masked

from .forms import StaffFilterForm
from .models import StaffMember
from .validation import CODE_LABELS, COLUMNS

SOURCE = {"unit_code": "unit__code"}  # import fields that are not StaffMember columns
DATES = {"birth_date", "joined_on"}
WIDTHS = {"full_name": 28, "unit_code": 14, "subjects": 24, "email": 26, "status": 16, "code": 16, "citizen_id": 15}
# Spreadsheet names are data, in Vietnamese like the headers. A masked export says so in its sheet's name; its
# masked cells are refused by the import (not a date, not 12 digits), so it can never overwrite the real values.
SHEET = "Cán bộ, giáo viên"
MASKED_SHEET = "CBGV (che CCCD, ngày sinh, SĐT)"
EXPORT_COLUMNS = [
    Col(c.header, kind="date" if c.field in DATES else "text", width=WIDTHS.get(c.field, 14)) for c in COLUMNS
]


def cell(field: str, value: object) -> object:
    """A stored value as the spreadsheet writes it (the labels the import reads back)."""
    if value is None:
        return ""
    if field == "is_core":
        return "Có" if value else "Không"
    if field == "levels":
        return ", ".join(CODE_LABELS["levels"].get(code, code) for code in str(value).split(",") if code)
    if field in CODE_LABELS:
        return CODE_LABELS[field].get(value, value)
    return value


def filtered_staff(user, params):
    """The staff list's filter form and its filtered queryset in the user's scope: the list, the export and
    the background export all narrow the list the same way."""
    form = StaffFilterForm(params, units=permissions.units_in_scope(user))
    return form, form.apply(StaffMember.objects.visible_to(user))


def staff_rows(staff, *, viewer) -> Iterator[tuple]:
    """Rows in column order and name order, read from the database without building model objects. The citizen ID, birth
    date and phone are masked in the rows the viewer may not see in full (bdtx.privacy decides)."""
    sources = [SOURCE.get(c.field, c.field) for c in COLUMNS]
    fields = [c.field for c in COLUMNS]
    personal = [index for index, name in enumerate(fields) if name in PERSONAL_FIELDS]
    check = full_data_check(viewer)
    # The last two values say whose row it is (unit path, account), for the masking decision.
    # A chunk at a time, each read to its end: the background export writes its progress meanwhile (rows_by_name).
    for *row, unit_path, owner_id in rows_by_name(staff, [*sources, "unit__path", "user_id"]):
        values = [cell(name, value) for name, value in zip(fields, row, strict=True)]
        if not check(unit_path, owner_id):
            for index in personal:
                values[index] = masked(fields[index], row[index])
        yield tuple(values)


def masks_some(viewer, staff) -> bool:
    """Whether any person of this list is masked for the viewer (one EXISTS query)."""
    return staff.exclude(full_data_filter(viewer)).exists()


def staff_workbook(staff, *, viewer, progress=None) -> tuple[IO[bytes], int, bool]:
    """The workbook in a temporary file, its number of people and whether some of them are masked for the viewer
    (the sheet's name then says so); `progress(rows_written)` every 2,000 rows."""
    masked_rows = masks_some(viewer, staff)
    rows = staff_rows(staff, viewer=viewer)
    if progress is not None:
        rows = _reporting(rows, progress)
    handle, count = table_file(EXPORT_COLUMNS, rows, sheet=MASKED_SHEET if masked_rows else SHEET)
    return handle, count, masked_rows


def _reporting(rows: Iterator[tuple], progress) -> Iterator[tuple]:
    for count, row in enumerate(rows, start=1):
        if count % 2000 == 0:
            progress(count)
        yield row


def chase_workbook(people, *, status_header: str, status_of, sheet: str, viewer=None) -> tuple[IO[bytes], int]:
    """A list of people to chase before a deadline (who has not submitted, who has no approved plan): number,
    name, code, position, group, unit, their status (`status_of(member)`, under `status_header`), phone, e-mail.
    `people` must select the unit; it is read in chunks. With `viewer`, phones are masked as bdtx.privacy
    decides for that user (without it they are written in full, as before)."""
    columns = [
        Col("STT", kind="number", width=6),
        Col("Họ và tên", width=28),
        Col("Mã định danh", width=16),
        Col("Chức vụ", width=18),
        Col("Nhóm", width=16),
        Col("Đơn vị", width=36),
        Col("Mã đơn vị", width=14),
        Col(status_header, width=20),
        Col("Điện thoại", width=14),
        Col("Email", width=28),
    ]
    groups = CODE_LABELS["group"]
    check = full_data_check(viewer) if viewer is not None else None

    def rows():
        for number, member in enumerate(people.iterator(chunk_size=2000), start=1):
            yield (
                number,
                member.full_name,
                member.code,
                member.position,
                groups.get(member.group, member.group),
                member.unit.name,
                member.unit.code,
                status_of(member),
                member.phone if check is None or check(member.unit.path, member.user_id) else mask_phone(member.phone),
                member.email,
            )

    return table_file(columns, rows(), sheet=sheet)
