"""Property-based fuzzing of the module catalogue's import (issue 7, point 5): whatever the file, check() either
says it cannot be used (UnusableFile) or lists every bad row; only a file without errors is applied, whole, as the
import page does (bdtx/catalog/views.py). Never another exception, never half a file. The cases come from
bdtx/security/tests/strategies.py, fixed and derandomised; the catalogue is loaded once per test and the examples
run inside it (an inner @given function), each comparing the catalogue before and after."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from bdtx.catalog import importing
from bdtx.catalog.models import TrainingModule
from bdtx.lib.spreadsheet import UnusableFile
from bdtx.security.tests.strategies import FUZZ, spreadsheet


def good(values):
    return lambda _index: st.sampled_from(values)


MODULE_COLUMNS = {
    # Row 0 may update a national module of the bundled catalogue; the others are the Sở's new modules.
    "Mã mô đun": lambda index: st.sampled_from(["LC 00", "GVPT 01"] if index == 0 else [f"LC {index:02d}"]),
    "Tên mô đun": good(["Giáo dục địa phương tỉnh Lai Châu", "Dạy học tích hợp", "Kỹ năng số"]),
    "Chương trình": good(["tt17-2019", "TT17-2019"]),
    "Nội dung": good(["03", "02"]),
    "Số tiết": good([10, "15", 20.0, ""]),
    "Đối tượng": good(["Giáo viên", "Giáo viên, Cán bộ quản lý", ""]),
    "Cấp học": good(["Tiểu học", "THCS, THPT", ""]),
    "Tiêu chí": good(["tt20-2018: 1, 2", "", "tt14-2018: 3"]),
    "Mục tiêu": good(["Hiểu và vận dụng", ""]),
    "Đang dùng": good(["Có", "Không", ""]),
}


def catalogue() -> list[tuple]:
    return list(
        TrainingModule.objects.order_by("pk").values_list("pk", "code", "title", "periods", "content", "active")
    )


def test_the_module_import_never_crashes_and_never_applies_half_a_file(cast, programmes):
    seen = Counter()

    @FUZZ
    @given(spreadsheet(MODULE_COLUMNS))
    def attempt(file):
        name, data = file
        before = catalogue()
        try:
            outcome, rows = importing.check(data, name, user=cast.officer)
        except UnusableFile as error:
            assert str(error).strip()
            seen["unusable"] += 1
            return
        for error in outcome.errors:
            assert isinstance(error["row"], int) and isinstance(error["column"], str) and error["message"].strip()
        if outcome.errors:
            seen["row errors"] += 1
            assert catalogue() == before
            return
        try:
            applied = importing.apply(rows, user=cast.officer, owner=cast.tree.province)
        except Exception:
            assert catalogue() == before, "half a file applied"
            raise
        assert applied.created + applied.updated + applied.unchanged == applied.rows == outcome.rows
        assert TrainingModule.objects.count() == len(before) + applied.created
        seen["applied" if applied.rows else "empty"] += 1

    attempt()
    assert seen["unusable"] and seen["row errors"] and seen["applied"], seen
