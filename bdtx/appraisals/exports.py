"""The results of a cycle as an .xlsx: one row per appraised person, self-assessed and final levels per
criterion, ratings and where the appraisal stands. Streamed from two queries, whatever the number of rows."""

from collections.abc import Iterator
from typing import IO

from bdtx.lib.excel import Col, table_file
from bdtx.rules.models import Standard

from .models import Appraisal

# Spreadsheet words are Vietnamese data that travel between units, like the import's column labels (CONTRACTS.md).
LEVELS = {"chua_dat": "Chưa đạt", "dat": "Đạt", "kha": "Khá", "tot": "Tốt"}
SELF_STATUS = {"draft": "Chưa nộp", "submitted": "Đã nộp"}
EVALUATION_STATUS = {"none": "Chưa đánh giá", "draft": "Đang đánh giá", "confirmed": "Đã xác nhận"}
FIELDS = (
    "staff__code",
    "staff__full_name",
    "unit__name",
    "standard__code",
    "self_levels",
    "self_rating",
    "final_levels",
    "final_rating",
    "self_status",
    "evaluation_status",
)


def result_columns(criteria: int) -> list[Col]:
    return [
        Col("Mã định danh", width=16),
        Col("Họ và tên", width=26),
        Col("Đơn vị", width=30),
        Col("Chuẩn", width=12),
        *(Col(f"Tự đánh giá TC{n}", width=8) for n in range(1, criteria + 1)),
        Col("Tự xếp loại", width=11),
        *(Col(f"Đánh giá TC{n}", width=8) for n in range(1, criteria + 1)),
        Col("Xếp loại", width=11),
        Col("Tự đánh giá", width=12),
        Col("Đánh giá", width=14),
    ]


def result_rows(appraisals, criteria: int) -> Iterator[tuple]:
    """Rows in column order, people grouped by unit and in Vietnamese name order within it. Levels are written
    once submitted (self-assessment) and confirmed (evaluation): a draft is its author's working copy."""
    numbers = [str(n) for n in range(1, criteria + 1)]
    rows = appraisals.order_by("unit__path", "staff__sort_key", "pk").values_list(*FIELDS)
    for code, name, unit, standard, own, own_rating, final, final_rating, self_status, status in rows.iterator(
        chunk_size=2000
    ):
        confirmed = status == Appraisal.EvaluationStatus.CONFIRMED
        final = final if confirmed else {}
        own = own if self_status == Appraisal.SelfStatus.SUBMITTED else {}
        yield (
            code,
            name,
            unit,
            standard,
            *(LEVELS.get(own.get(n, ""), "") for n in numbers),
            LEVELS.get(own_rating, ""),
            *(LEVELS.get(final.get(n, ""), "") for n in numbers),
            LEVELS.get(final_rating, "") if confirmed else "",
            SELF_STATUS.get(self_status, self_status),
            EVALUATION_STATUS.get(status, status),
        )


def results_workbook(appraisals) -> tuple[IO[bytes], int]:
    """The workbook in a temporary file and its number of rows; as many criterion columns as the longest
    standard among the rows has."""
    criteria = (
        Standard.objects.filter(pk__in=appraisals.values("standard_id"))
        .order_by("-criteria_count")
        .values_list("criteria_count", flat=True)
        .first()
    ) or 0
    return table_file(result_columns(criteria), result_rows(appraisals, criteria), sheet="Kết quả đánh giá")
