"""The results reports as .xlsx (bdtx.lib.excel), with Vietnamese headers: completion by unit, by level and by
content, and the at-risk list. Column headers are data (CONTRACTS.md), not translated."""

from collections.abc import Iterator
from typing import IO

from bdtx.lib.excel import Col, table_file

from . import reports

COUNTS = [
    Col("Tổng số", "number", 10),
    Col("Hoàn thành", "number", 12),
    Col("Không hoàn thành", "number", 12),
    Col("Chưa có kết quả", "number", 12),
    Col("Đã công nhận", "number", 12),
    Col("Tỷ lệ hoàn thành (%)", "number", 12),
    Col("Chỉ tiêu (%)", "number", 10),
]
UNIT_COLUMNS = [Col("Đơn vị", width=40), Col("Mã đơn vị", width=14), *COUNTS]
LEVEL_COLUMNS = [Col("Cấp học", width=24), *COUNTS]
CONTENT_COLUMNS = [
    Col("Nội dung", width=10),
    Col("Mô đun", width=12),
    Col("Tên mô đun", width=50),
    Col("Số người có trong kế hoạch", "number", 14),
    Col("Đã hoàn thành", "number", 12),
    Col("Chưa hoàn thành", "number", 12),
    Col("Chưa có kết quả", "number", 12),
    Col("Tỷ lệ hoàn thành (%)", "number", 12),
    Col("Chỉ tiêu (%)", "number", 10),
]
RISK_COLUMNS = [
    Col("Họ và tên", width=28),
    Col("Mã định danh", width=16),
    Col("Đơn vị", width=36),
    Col("Mã đơn vị", width=14),
    Col("Chức vụ", width=18),
    Col("Lý do", width=90),
]


def _counts(row: reports.CompletionRow) -> list:
    share = row.percent
    return [
        row.total,
        row.completed,
        row.not_completed,
        row.no_result,
        row.recognised,
        share if share is not None else "",
        reports.TARGET_PERCENT,
    ]


def completion_by_unit_workbook(total: reports.CompletionRow, rows: list[reports.CompletionRow]) -> IO[bytes]:
    lines = [[row.unit.name, row.unit.code, *_counts(row)] for row in rows]
    lines.append([f"Cộng: {total.unit.name}", total.unit.code, *_counts(total)])
    return table_file(UNIT_COLUMNS, lines, sheet="Theo đơn vị")[0]


def completion_by_level_workbook(rows: list[reports.CompletionRow]) -> IO[bytes]:
    return table_file(LEVEL_COLUMNS, ([row.label, *_counts(row)] for row in rows), sheet="Theo cấp học")[0]


def completion_by_content_workbook(rows: list[reports.ContentRow]) -> IO[bytes]:
    lines = (
        [
            row.content,
            row.module,
            row.title,
            row.planned,
            row.done,
            row.not_done,
            row.no_result,
            row.percent if row.percent is not None else "",
            reports.TARGET_PERCENT,
        ]
        for row in rows
    )
    return table_file(CONTENT_COLUMNS, lines, sheet="Theo nội dung")[0]


def _risk_rows(risks: list[reports.Risk]) -> Iterator[list]:
    for start in range(0, len(risks), reports.CHUNK):
        for risk in reports.with_staff(risks[start : start + reports.CHUNK]):
            member = risk.staff
            if member is None:
                continue
            yield [
                member.full_name,
                member.code,
                member.unit.name,
                member.unit.code,
                member.position,
                " ".join(reports.risks_text(risk)),
            ]


def at_risk_workbook(risks: list[reports.Risk]) -> IO[bytes]:
    return table_file(RISK_COLUMNS, _risk_rows(risks), sheet="Có nguy cơ")[0]
