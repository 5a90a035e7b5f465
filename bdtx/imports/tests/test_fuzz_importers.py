"""Property-based fuzzing of the staff and unit imports (issue 7, point 5): whatever the file, reading it either
says it cannot be used (UnusableFile) or checks every row; a file with row errors changes nothing; a file without
them is applied whole, in one transaction, as the import task does (bdtx/imports/tasks.py). Never another
exception, never half a file. The cases come from bdtx/security/tests/strategies.py, fixed and derandomised.

The cast is made once per test and the examples run inside it (an inner @given function): each example counts
the rows before and after, so what earlier examples applied is part of the registry the next one meets."""

import datetime as dt
from collections import Counter

from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from bdtx.lib.spreadsheet import UnusableFile
from bdtx.organisations import importing as unit_importing
from bdtx.organisations.models import Unit
from bdtx.security.tests.strategies import FUZZ, NAMES, spreadsheet
from bdtx.staff import importing as staff_importing
from bdtx.staff.models import Assignment, ChangeSource, StaffMember
from bdtx.staff.validation import LABELS


def good(values):
    return lambda _index: st.sampled_from(values)


STAFF_COLUMNS = {
    # Row 0 may update member_a; the others are new people, women born in 1985 as their CCCD says.
    "Mã định danh": lambda index: st.sampled_from(["GV-F-000", "GV-A-001"] if index == 0 else [f"GV-F-{index:03d}"]),
    "Họ và tên": good(NAMES),
    "Ngày sinh": good(["05/09/1985", dt.date(1985, 1, 31), "5/9/1985"]),
    "Giới tính": good(["Nữ", "nữ", "NỮ"]),
    "Số CCCD": lambda index: st.just(f"0011850{index:05d}"),
    "Dân tộc": good(["Kinh", "Thái", "Mông"]),
    "Mã đơn vị": good(["TA", "TB", "PA"]),
    "Chức vụ": good(["Giáo viên", "Hiệu trưởng"]),
    "Nhóm": good(LABELS["group"]),
    "Cấp học": good(["Tiểu học", "THPT", "Tiểu học, THCS"]),
    "Môn dạy": good(["Toán", "Ngữ văn"]),
    "Trình độ đào tạo": good(LABELS["qualification"]),
    "Hạng chức danh": good(["Hạng II", "Hạng III"]),
    "Cốt cán": good(LABELS["is_core"]),
    "Điện thoại": good(["0912345678", "091 234 5678"]),
    "Email": good(["hoa@ta.edu.vn", ""]),
    "Ngày vào ngành": good(["01/09/2010", dt.date(2012, 9, 5)]),
    "Tình trạng": good(LABELS["status"]),
}
UNIT_COLUMNS = {
    # Row 0 may update school A; the others are new units, under the Sở, the commune or the row above.
    "Mã đơn vị": lambda index: st.sampled_from(["F00", "TA"] if index == 0 else [f"F{index:02d}"]),
    "Tên đơn vị": good(["Trường Tiểu học Số 1", "Trường THCS Tân Phong", "Phòng GDĐT"]),
    "Loại đơn vị": good(["Trường", "Trường", "Phòng GDĐT", "UBND xã/phường"]),
    "Mã đơn vị cấp trên": lambda index: st.sampled_from(["SO", "PA"] + ([f"F{index - 1:02d}"] if index else [])),
    "Cấp học": good(["Tiểu học", "THCS, THPT", "Mầm non"]),
}


def assert_reported(outcome) -> None:
    """Every error names a row and a column the way CONTRACTS.md says, with a message to act on."""
    for error in outcome.errors:
        assert isinstance(error["row"], int) and error["row"] >= 0
        assert isinstance(error["column"], str)
        assert isinstance(error["message"], str) and error["message"].strip()


def test_the_staff_import_never_crashes_and_never_applies_half_a_file(cast):
    seen = Counter()

    @FUZZ
    @given(spreadsheet(STAFF_COLUMNS))
    def attempt(file):
        name, data = file
        before = (StaffMember.objects.count(), Assignment.objects.count())
        try:
            table = staff_importing.read(data, name=name)
            plan = staff_importing.check_staff(table, user=cast.officer)
        except UnusableFile as error:
            assert str(error).strip()
            seen["unusable"] += 1
            return
        assert_reported(plan.outcome)
        if plan.outcome.errors:
            seen["row errors"] += 1
        else:
            try:
                with transaction.atomic():
                    staff_importing.apply_staff(plan, by=cast.officer, source=ChangeSource.IMPORT, reference="fuzz")
            except Exception:
                assert (StaffMember.objects.count(), Assignment.objects.count()) == before, "half a file applied"
                raise
            outcome = plan.outcome
            assert outcome.created + outcome.updated + outcome.unchanged == outcome.rows
            assert StaffMember.objects.count() == before[0] + outcome.created
            seen["applied" if outcome.rows else "empty"] += 1
            return
        assert (StaffMember.objects.count(), Assignment.objects.count()) == before

    attempt()
    assert seen["unusable"] and seen["row errors"] and seen["applied"], seen


def test_the_unit_import_never_crashes_and_never_applies_half_a_file(cast):
    seen = Counter()

    @FUZZ
    @given(spreadsheet(UNIT_COLUMNS))
    def attempt(file):
        name, data = file
        before = list(Unit.objects.order_by("pk").values_list("pk", "code", "name", "parent_id", "path"))
        try:
            table = unit_importing.read(data, name=name)
            plan = unit_importing.check_units(table, user=cast.officer)
        except UnusableFile as error:
            assert str(error).strip()
            seen["unusable"] += 1
            return
        assert_reported(plan.outcome)
        if plan.outcome.errors:
            seen["row errors"] += 1
        else:
            try:
                with transaction.atomic():
                    unit_importing.apply_units(plan, by=cast.officer)
            except Exception:
                assert (
                    list(Unit.objects.order_by("pk").values_list("pk", "code", "name", "parent_id", "path")) == before
                )
                raise
            outcome = plan.outcome
            assert outcome.created + outcome.updated + outcome.unchanged == outcome.rows
            assert Unit.objects.count() == len(before) + outcome.created
            for unit in Unit.objects.exclude(parent=None).select_related("parent"):
                assert unit.path.startswith(unit.parent.path), f"{unit.code} is not under its parent"
            seen["applied" if outcome.rows else "empty"] += 1
            return
        assert list(Unit.objects.order_by("pk").values_list("pk", "code", "name", "parent_id", "path")) == before

    attempt()
    assert seen["unusable"] and seen["row errors"] and seen["applied"], seen
