"""Hypothesis strategies for the importer fuzz tests (bdtx/imports/tests/test_fuzz_importers.py,
bdtx/catalog/tests/test_fuzz_modules.py): spreadsheets as people make them and as they should never be made.

A file is drawn as: some of the expected columns (or none), in any order, with an extra column or title rows at
times; a few rows whose cells are either good values for their column or anything at all (Vietnamese in either
Unicode form, odd Unicode, numbers, dates, booleans, blanks, huge strings); saved as .xlsx or as CSV in UTF-8,
UTF-8 with BOM, UTF-16, CP1258 or Latin-1; or plain garbage bytes under a spreadsheet's name."""

import csv
import datetime as dt
import io
import unicodedata

import xlsxwriter
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Fixed, derandomised and bounded: the same examples on every run, so CI is stable (docs/security.md).
FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NAMES = ["Nguyễn Thị Hoà", "Trần Văn Đức", "Lò Thị Mai", "Hoàng Anh", "Đặng Văn Bình", "Phạm Thị Ngọc Ánh"]
TEXTS = st.one_of(
    st.sampled_from(NAMES).map(lambda name: unicodedata.normalize("NFD", name)),  # the other Unicode form
    st.sampled_from(
        [
            "  NGUYỄN   thị  HOÀ  ",
            "Hoà\u200bng",  # a zero-width space
            "\u202eRTL\u202c",  # right-to-left override
            "Tiếng Việt 😀",
            '=HYPERLINK("http://x")',  # a formula, as text
            "'0012345",
            "<script>alert(1)</script>",
            'a,b;c\td"e',
            "\r\n",
            "\x00\x07\x1b",
            "ﬁ½²",  # compatibility characters
        ]
    ),
    st.text(max_size=30),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)
DATES = st.one_of(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.sampled_from(["31/02/1985", "05/09/85", "1985-09-05", "5/9/1985", "00/00/0000", "29/02/2024"]),
)
BLANKS = st.sampled_from(["", " ", None, "\t", "\u00a0"])
HUGE = st.sampled_from(["x" * 5_000, "Ứ" * 33_000])  # past Excel's 32,767 characters in a cell
ANYTHING = st.one_of(BLANKS, TEXTS, NUMBERS, DATES, st.booleans(), HUGE)

# Mostly files that can be read, so that the checks and the apply get most of the cases.
KEEP_COLUMN = st.sampled_from([True] * 11 + [False])  # a column left out now and then
FORMATS = ["xlsx", "utf-8-sig", "xlsx", "utf-8", "xlsx", "utf-8-sig", "utf-16", "cp1258", "latin-1", "garbage"]
GARBAGE = st.one_of(
    st.binary(max_size=600),
    st.binary(max_size=600).map(lambda data: b"PK\x03\x04" + data),  # a broken zip (a damaged .xlsx)
    st.binary(max_size=600).map(lambda data: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + data),  # a broken .xls
)


@st.composite
def spreadsheet(draw, columns: dict, *, rows: int = 5):
    """(file name, file bytes). `columns` maps each header to a strategy `index -> strategy` of good values for
    the row at that index (so that codes can differ from row to row)."""
    kind = draw(st.sampled_from(FORMATS))
    if kind == "garbage":
        return draw(st.sampled_from(["ds.xlsx", "ds.csv", "ds.xls"])), draw(GARBAGE)
    clean = draw(st.booleans())  # a file of good values only: it gets applied (unless the rows clash)
    headers = [header for header in draw(st.permutations(list(columns))) if draw(KEEP_COLUMN)]
    if draw(st.booleans()):
        headers.insert(draw(st.integers(0, len(headers))), "Ghi chú")
    body = []
    for index in range(draw(st.integers(0, rows))):
        row = []
        for header in headers:
            good = columns[header](index) if header in columns else TEXTS
            row.append(draw(good if clean or draw(st.booleans()) else ANYTHING))
        body.append(row)
    titles = draw(st.sampled_from([[], ["DANH SÁCH"], ["SỞ GDĐT", "", "DANH SÁCH"]]))
    if kind == "xlsx":
        return "ds.xlsx", xlsx_bytes(titles, headers, body)
    return "ds.csv", csv_bytes(titles, headers, body, encoding=kind)


def xlsx_bytes(titles: list, headers: list, body: list) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet("DS")
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for number, line in enumerate([*[[title] for title in titles], headers, *body]):
        for col, value in enumerate(line):
            if isinstance(value, dt.date):
                sheet.write_datetime(number, col, value, date_format)
            elif isinstance(value, str):
                sheet.write_string(number, col, value)  # past the cell limit: left out (xlsxwriter's choice)
            elif value is not None:
                sheet.write(number, col, value)
    workbook.close()
    return output.getvalue()


def csv_bytes(titles: list, headers: list, body: list, *, encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in [*[[title] for title in titles], headers, *body]:
        writer.writerow(
            [
                value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else "" if value is None else value
                for value in line
            ]
        )
    return buffer.getvalue().encode(encoding, errors="replace")
