import datetime as dt
import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from pypdf import PdfReader

from bdtx.lib.pdf import Document, Signature, dated_line, pdf_response

LONG = (
    "Phối hợp giữa nhà trường, gia đình, xã hội để thực hiện giáo dục đạo đức, lối sống cho học sinh "
    "và hỗ trợ đồng nghiệp trong tổ chuyên môn"
)


def pages_text(document: Document) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document.to_bytes())).pages]


def test_a_long_table_repeats_its_header_row_on_every_page_and_wraps_long_vietnamese_text():
    document = Document(title="Thử")
    document.national_header(unit_lines=["UBND phường Tân Phong", "Trường Tiểu học Tân Phong"], form_label="Mẫu")
    document.heading("Bảng kiểm tra", "Năm học 2025-2026")
    rows = [[str(n), f"Nguyễn Thị Hoà {n}", LONG] for n in range(1, 61)]
    document.grid(["TT", "Họ và tên", "Ghi chú dài"], rows, widths=[10, 40, 100], bands={0: "Nhóm thứ nhất"})
    document.signatures([Signature("Người lập biểu", "Trần Văn Đức")], place="Tân Phong", day=dt.date(2026, 5, 4))
    pages = pages_text(document)
    assert len(pages) > 2
    assert all("TT Họ và tên Ghi chú dài" in page for page in pages[1:])
    text = " ".join(pages)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "TRƯỜNG TIỂU HỌC TÂN PHONG" in text
    assert "BẢNG KIỂM TRA" in text and "Nhóm thứ nhất" in text
    assert f"60 Nguyễn Thị Hoà 60 {LONG}" in text
    assert "Tân Phong, ngày 04 tháng 5 năm 2026 NGƯỜI LẬP BIỂU (Ký và ghi rõ họ tên) Trần Văn Đức" in text
    assert pages[-1].endswith(f"Trang {len(pages)}/{len(pages)}")


def test_a_blank_field_is_left_dotted_to_fill_in_by_hand():
    document = Document(title="Thử")
    document.fields([("Họ và tên", "Lò Thị Mai"), ("Chủ nhiệm lớp", "")], columns=2)
    text = pages_text(document)[0]
    assert "Họ và tên: Lò Thị Mai" in text and "Chủ nhiệm lớp: ....." in text


@pytest.mark.parametrize(
    "day, expected",
    [
        (dt.date(2026, 6, 5), "Lai Châu, ngày 05 tháng 6 năm 2026"),
        (dt.date(2026, 2, 19), "Lai Châu, ngày 19 tháng 02 năm 2026"),
        (dt.date(2025, 12, 31), "Lai Châu, ngày 31 tháng 12 năm 2025"),
        (None, "Lai Châu, ngày …… tháng …… năm ……"),
    ],
)
def test_the_date_line_writes_the_day_and_month_as_administrative_documents_do(day, expected):
    assert dated_line("Lai Châu", day) == expected


def test_a_missing_font_says_which_setting_or_package_fixes_it(settings, tmp_path):
    settings.PDF_FONT_DIR = tmp_path
    with pytest.raises(ImproperlyConfigured, match="PDF_FONT_DIR"):
        Document(title="Thử")


def test_the_response_shows_the_pdf_under_its_ascii_name():
    response = pdf_response(Document(title="Thử"), "bieu-mau-01-GV-A-001.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="bieu-mau-01-GV-A-001.pdf"'
    assert response.content.startswith(b"%PDF")
