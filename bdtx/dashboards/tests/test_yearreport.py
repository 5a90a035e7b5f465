"""The year-end BDTX report of a unit, read back from its PDF (pypdf) and its .xlsx (openpyxl) and checked against
the scene's figures worked out by hand (tests/scene.py), with the reasons of those not completed varied here:

Commune PA (TA + MN), school year 2026-2027 — who must do BDTX, completed (c.), not completed (n.):

| level · group | people | c. | share | n. | no result |
|---|---|---|---|---|---|
| Mầm non | 3 | 1 (Mai) | 33,3% | 2 (Lan, Dung) | 0 |
| – Giáo viên | 3 | 1 | 33,3% | 2 | 0 |
| Tiểu học | 6 | 1 (An) | 16,7% | 5 (Hoà, Bình, Cường, Giang, Khoa) | 0 |
| – Giáo viên | 5 | 1 | 20% | 4 | 0 |
| – Cán bộ quản lý | 1 (Cường) | 0 | 0% | 1 | 0 |
| Tổng | 9 | 2 | 22,2% | 7 | 0 |

Reasons (the results of Giang and Cường rewritten below): no plan 5 (Hoà, Bình, Khoa, Lan, Dung); a module not passed
1 and a content short of periods 1 (Giang, both; two modules failed count once); other 1 (Cường, corrected by hand
with no reason). Ratings: Mầm non Tốt 1 (100% Khá or Tốt), 2 not rated; Tiểu học Khá 1, Chưa đạt 1 (50%), 4 not rated.
Units below: MN 3/1/33,3%/2/0/100%; TA 6/1/16,7%/5/0/50%."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bdtx.lib.pdf import dated_line
from bdtx.results.models import YearResult

from . import scene


@pytest.fixture
def world(cast, standards):
    built = scene.build(cast, standards)
    call_command("load_targets", verbosity=0)
    people = built.people
    YearResult.objects.filter(staff=people.giang, year=scene.YEAR).update(
        reasons=[
            ["module_failed", {"module": "GVPT 01"}],
            ["module_failed", {"module": "GVPT 02"}],
            ["content_short", {"content": "01", "earned": 20, "planned": 40}],
        ]
    )
    YearResult.objects.filter(staff=people.cuong, year=scene.YEAR).update(reasons=[], corrected=True)
    return built


def report(client, user, unit, kind: str, **params):
    client.force_login(user)
    return client.get(reverse(f"dashboards:report-{kind}", args=[unit.pk]), {"year": scene.YEAR, **params})


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def book(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_communes_report_prints_in_the_layout_sent_up(client, world, cast):
    response = report(client, cast.local, world.tree.commune, "pdf")
    assert 'filename="bao-cao-bdtx-pa-2026-2027.pdf"' in response["Content-Disposition"]
    text = pdf_text(response)
    day = dated_line("Tân Phong", timezone.localdate())
    assert text.startswith(
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO LAI CHÂU UBND PHƯỜNG TÂN PHONG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM "
        f"Độc lập - Tự do - Hạnh phúc Số: ……/BC {day} BÁO CÁO Kết quả bồi dưỡng thường xuyên giáo viên, cán bộ quản "
        "lý năm học 2026-2027 Kính gửi: Sở Giáo dục và Đào tạo Lai Châu Căn cứ Thông tư số 19/2019/TT-BGDĐT"
    )
    assert (
        "UBND phường Tân Phong báo cáo kết quả bồi dưỡng thường xuyên giáo viên, cán bộ quản lý năm học 2026-2027"
        in text
    )
    assert "Số liệu tính đến " in text
    assert (
        "I. Kết quả BDTX theo cấp học và đối tượng Cấp học, đối tượng Số người phải BDTX Số hoàn thành "
        "Tỷ lệ hoàn thành Số không hoàn thành Chưa có kết quả "
        "Mầm non 3 1 33,3% 2 0 – Giáo viên 3 1 33,3% 2 0 "
        "Tiểu học 6 1 16,7% 5 0 – Giáo viên 5 1 20% 4 0 – Cán bộ quản lý 1 0 0% 1 0 Tổng 9 2 22,2% 7 0"
    ) in text
    assert (
        "Lý do của 7 người không hoàn thành (một người có thể có nhiều lý do) Lý do không hoàn thành Số người "
        "Không có kế hoạch BDTX cá nhân được phê duyệt 5 Không đạt yêu cầu mô đun 1 "
        "Chưa đủ số tiết của nội dung bồi dưỡng 1 Lý do khác (kết quả được điều chỉnh, không ghi lý do) 1"
    ) in text
    assert (
        "II. Xếp loại theo chuẩn nghề nghiệp, theo cấp học Cấp học Số người được xếp loại Tốt Khá Đạt Chưa đạt "
        "Chưa xếp loại Tỷ lệ Khá, Tốt Mầm non 1 1 0 0 0 2 100% Tiểu học 2 0 1 0 1 4 50% Tổng 3 1 1 0 1 6 66,7%"
    ) in text
    assert (
        "III. Kết quả của các đơn vị trực thuộc Đơn vị Số người phải BDTX Số hoàn thành Tỷ lệ hoàn thành "
        "Số không hoàn thành Chưa có kết quả Tỷ lệ xếp loại Khá, Tốt "
        "Trường Mầm non Hoa Ban 3 1 33,3% 2 0 100% Trường Tiểu học Tân Phong 6 1 16,7% 5 0 50% Tổng 9 2 22,2% 7 0 66,7%"
    ) in text
    assert "IV. ĐÁNH GIÁ CHUNG VÀ KIẾN NGHỊ" in text
    assert "CHỦ TỊCH (Ký, ghi rõ họ tên và đóng dấu) Nơi nhận: - Như trên; - Lưu: VT." in text


def test_a_schools_report_has_no_units_below_and_its_principal_signs(client, world, cast):
    text = pdf_text(report(client, cast.principal_a, world.tree.school_a, "pdf"))
    assert "UBND PHƯỜNG TÂN PHONG TRƯỜNG TIỂU HỌC TÂN PHONG" in text
    assert "Kính gửi: UBND phường Tân Phong" in text
    assert "Tiểu học 6 1 16,7% 5 0" in text and "Mầm non" not in text
    assert "III." not in text and "HIỆU TRƯỞNG" in text


def test_the_report_as_a_spreadsheet_keeps_the_layout_and_the_figures(client, world, cast):
    response = report(client, cast.local, world.tree.commune, "xlsx")
    assert 'filename="bao-cao-bdtx-pa-2026-2027.xlsx"' in response["Content-Disposition"]
    workbook = book(response)
    assert workbook.sheetnames == [
        "Báo cáo", "Theo cấp học, đối tượng", "Lý do không hoàn thành", "Xếp loại chuẩn nghề nghiệp",
        "Đơn vị trực thuộc",
    ]  # fmt: skip
    layout = list(workbook["Báo cáo"].iter_rows(values_only=True))
    cells = [value for row in layout for value in row if value is not None]
    assert cells[:6] == [
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO LAI CHÂU",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "UBND PHƯỜNG TÂN PHONG",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: ……/BC",
        dated_line("Tân Phong", timezone.localdate()),
    ]
    assert "BÁO CÁO" in cells and "Kính gửi: Sở Giáo dục và Đào tạo Lai Châu" in cells
    assert ("Tổng", 9, 2, 0.222, 7, 0, None, None) in layout
    assert ("Không có kế hoạch BDTX cá nhân được phê duyệt", 5, None, None, None, None, None, None) in layout
    assert ("Trường Tiểu học Tân Phong", 6, 1, 0.167, 5, 0, 0.5, None) in layout
    assert "CHỦ TỊCH" in cells and "Nơi nhận:" in cells

    sheet = workbook["Theo cấp học, đối tượng"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Báo cáo kết quả bồi dưỡng thường xuyên năm học 2026-2027"
    assert rows[6] == (
        "Cấp học, đối tượng", "Số người phải BDTX", "Số hoàn thành", "Tỷ lệ hoàn thành", "Số không hoàn thành",
        "Chưa có kết quả",
    )  # fmt: skip
    assert rows[7:] == [
        ("Mầm non", 3, 1, 0.333, 2, 0),
        ("– Giáo viên", 3, 1, 0.333, 2, 0),
        ("Tiểu học", 6, 1, 0.167, 5, 0),
        ("– Giáo viên", 5, 1, 0.2, 4, 0),
        ("– Cán bộ quản lý", 1, 0, 0, 1, 0),
        ("Tổng", 9, 2, 0.222, 7, 0),
    ]
    assert sheet.freeze_panes == "A8" and sheet.auto_filter.ref == "A7:F13"
    assert sheet["D8"].number_format == "0.0%" and sheet["B8"].number_format == "#,##0"
    reasons = list(workbook["Lý do không hoàn thành"].iter_rows(min_row=8, values_only=True))
    assert reasons == [
        ("Không có kế hoạch BDTX cá nhân được phê duyệt", 5),
        ("Không đạt yêu cầu mô đun", 1),
        ("Chưa đủ số tiết của nội dung bồi dưỡng", 1),
        ("Lý do khác (kết quả được điều chỉnh, không ghi lý do)", 1),
    ]


def test_the_province_report_has_a_row_for_the_people_directly_at_the_so(client, world, cast):
    workbook = book(report(client, cast.officer, world.tree.province, "xlsx"))
    rows = list(workbook["Đơn vị trực thuộc"].iter_rows(min_row=8, values_only=True))
    assert rows == [
        ("Trực thuộc Sở Giáo dục và Đào tạo Lai Châu", 1, 0, 0, 0, 1, None),
        ("Trường THPT Chuyên Lê Quý Đôn", 2, 0, 0, 0, 2, None),
        ("UBND phường Tân Phong", 9, 2, 0.222, 7, 0, 0.667),
        ("Tổng", 12, 2, 0.167, 7, 3, 0.667),
    ]


def test_the_dashboard_links_to_the_report(client, world, cast):
    client.force_login(cast.local)
    html = client.get(reverse("dashboards:unit", args=[world.tree.commune.pk]), {"year": scene.YEAR}).content.decode()
    assert f"{reverse('dashboards:report-pdf', args=[world.tree.commune.pk])}?year=2026" in html
    assert f"{reverse('dashboards:report-xlsx', args=[world.tree.commune.pk])}?year=2026" in html


def test_a_bad_school_year_is_explained(client, world, cast):
    response = report(client, cast.local, world.tree.commune, "pdf", year="2026-2027")
    assert response.status_code == 400 and "không phải là năm học" in response.content.decode()


def test_an_outsider_gets_404(client, world, cast):
    client.force_login(cast.principal_b)
    for kind in ("pdf", "xlsx"):
        assert client.get(reverse(f"dashboards:report-{kind}", args=[world.tree.school_a.pk])).status_code == 404
    client.force_login(cast.local)
    assert client.get(reverse("dashboards:report-pdf", args=[world.tree.province.pk])).status_code == 404


def test_the_report_reads_a_bounded_number_of_queries(client, world, cast, django_assert_max_num_queries):
    report(client, cast.officer, world.tree.province, "xlsx")  # signed in; the figures counted
    with django_assert_max_num_queries(35):
        book(client.get(reverse("dashboards:report-xlsx", args=[world.tree.province.pk]), {"year": scene.YEAR}))
