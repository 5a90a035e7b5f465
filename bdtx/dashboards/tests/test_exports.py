"""The dashboards exported: each section as .xlsx (read back with openpyxl: heading, Vietnamese headers, number
formats, frozen and filtered header, the scene's figures), the whole dashboard printed to PDF with its charts (read
back with pypdf), the people behind a figure as .xlsx (logged as an export of personal data); scope and bad input."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from bdtx.dashboards.exports import CHART_WIDTH, chart_width
from bdtx.lib.pdf import Document
from bdtx.lib.svgcharts import bar_chart
from bdtx.privacy.models import AccessLog

from . import scene


@pytest.fixture
def world(cast, standards):
    built = scene.build(cast, standards)
    call_command("load_targets", verbosity=0)
    return built


def download(client, user, name, unit, **params):
    client.force_login(user)
    return client.get(reverse(name, args=[unit.pk]), {"year": scene.YEAR, **params})


def export_people(client, user, unit, **params):
    """The list's "Download as Excel" button: a POST with the list's filters."""
    client.force_login(user)
    return client.post(reverse("dashboards:people-xlsx", args=[unit.pk]), {"year": scene.YEAR, **params})


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows(sheet, first: int = 1) -> list[tuple]:
    return list(sheet.iter_rows(min_row=first, values_only=True))


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def test_a_section_exports_with_its_heading_formats_and_a_frozen_filtered_header(client, world, cast):
    response = download(client, cast.officer, "dashboards:unit-xlsx", world.tree.province, section="completion")
    assert 'filename="bang-tong-hop-so-2026-2027-completion.xlsx"' in response["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == ["Hoàn thành - đơn vị", "Hoàn thành - cấp học"]
    sheet = book["Hoàn thành - đơn vị"]
    heading = [row[0] for row in rows(sheet)[:4]]
    assert heading[:3] == [
        "Hoàn thành BDTX: Theo đơn vị",
        "Đơn vị: Sở Giáo dục và Đào tạo Lai Châu",
        "Năm học 2026-2027",
    ]
    assert heading[3].startswith("Số liệu tính đến ")
    assert rows(sheet, 6) == [
        ("Đơn vị", "Mã đơn vị", "Số người phải BDTX", "Hoàn thành", "Không hoàn thành", "Chưa có kết quả",
         "Tỷ lệ hoàn thành"),
        ("Trực thuộc Sở Giáo dục và Đào tạo Lai Châu", None, 1, 0, 0, 1, 0),
        ("Trường THPT Chuyên Lê Quý Đôn", "TB", 2, 0, 0, 2, 0),
        ("UBND phường Tân Phong", "PA", 9, 2, 7, 0, 0.222),
        ("Tổng", "SO", 12, 2, 7, 3, 0.167),
    ]  # fmt: skip
    assert sheet.freeze_panes == "A7" and sheet.auto_filter.ref == "A6:G10"
    assert sheet["C9"].number_format == "#,##0" and sheet["G9"].number_format == "0.0%"


def test_the_levels_and_groups_of_a_school_export_with_its_ratings(client, world, cast):
    book = workbook(download(client, cast.principal_a, "dashboards:unit-xlsx", world.tree.school_a, section="ratings"))
    # A school has no child unit: the table by level and group only (An Khá, Bình Chưa đạt).
    assert book.sheetnames == ["Xếp loại - cấp học"]
    assert rows(book.active, 7) == [
        ("Tiểu học", 0, 1, 0, 1, 4, 0.5),
        ("Giáo viên", 0, 1, 0, 1, 3, 0.5),
        ("Cán bộ quản lý", 0, 0, 0, 0, 1, None),
    ]


def test_every_section_exports_in_one_workbook(client, world, cast):
    book = workbook(download(client, cast.officer, "dashboards:unit-xlsx", world.tree.province))
    assert book.sheetnames == [
        "Hoàn thành - đơn vị", "Hoàn thành - cấp học", "Xếp loại - đơn vị", "Xếp loại - cấp học",
        "Trình độ - cấp học", "Trình độ - đơn vị", "Nâng chuẩn - cấp học", "Nâng chuẩn - đơn vị",
        "Nghỉ hưu - cấp học", "Nghỉ hưu - môn dạy", "Nghỉ hưu - đơn vị", "Nhu cầu - tỷ lệ", "Nhu cầu - số Chưa đạt",
        "Nhu cầu - tên tiêu chí", "Kinh phí - nội dung chi", "Kinh phí - đơn vị", "Cốt cán - đơn vị", "Chỉ tiêu",
    ]  # fmt: skip
    assert rows(book["Kinh phí - nội dung chi"], 7) == [
        ("Giảng viên, báo cáo viên", 3_000_000, 0),
        ("Tài liệu học tập", 2_000_000, 0),
        ("Hội trường, thiết bị", 0, 1_000_000),
        ("Tổng", 5_000_000, 1_000_000),
    ]
    forecast = rows(book["Nghỉ hưu - cấp học"], 6)
    assert forecast[0][1] == "Năm học 2026-2027" and forecast[-1] == ("Tổng", 2, 1, 0, 0, 0, 1)
    targets = {row[0]: row[1:] for row in rows(book["Chỉ tiêu"], 7)}
    primary = targets["NĐ 71/2020, giai đoạn 2: 100% giáo viên tiểu học phải nâng chuẩn hoàn thành"]
    assert primary[1:7] == (1, primary[2], 2, 5, 0.4, "Có nguy cơ không đạt")
    assert primary[2].strftime("%d/%m/%Y") == "31/12/2030"


def test_a_section_with_nothing_to_show_says_so(client, world, cast):
    book = workbook(
        download(client, cast.local, "dashboards:unit-xlsx", world.tree.commune, year=2019, section="budget")
    )
    assert rows(book.active, 6) == [("Ghi chú",), ("Mục này không có số liệu cho đơn vị và năm học đã chọn.",)]


def test_a_bad_section_or_year_is_explained(client, world, cast):
    response = download(client, cast.officer, "dashboards:unit-xlsx", world.tree.province, section="luong")
    assert response.status_code == 400
    assert "“luong” không phải là một mục của bảng tổng hợp" in response.content.decode()
    response = download(client, cast.officer, "dashboards:unit-pdf", world.tree.province, year="năm nay")
    assert response.status_code == 400 and "không phải là năm học" in response.content.decode()


def test_the_dashboard_prints_to_pdf_with_its_charts_and_tables(client, world, cast):
    response = download(client, cast.local, "dashboards:unit-pdf", world.tree.commune)
    assert 'filename="bang-tong-hop-pa-2026-2027.pdf"' in response["Content-Disposition"]
    text = pdf_text(response)
    assert text.startswith("UBND PHƯỜNG TÂN PHONG: BẢNG TỔNG HỢP NĂM HỌC 2026-2027")
    assert "Đơn vị: UBND phường Tân Phong Năm học 2026-2027 Số liệu tính đến" in text
    # The completion chart (its target line and bars), then its table.
    assert "Chỉ tiêu: 100%" in text and "Trường Mầm non Hoa Ban 33,3%" in text
    assert (
        "Trường Mầm non Hoa Ban MN 3 1 2 0 33,3% Trường Tiểu học Tân Phong TA 6 1 5 0 16,7% Tổng PA 9 2 7 0 22,2%"
        in text
    )
    for title in ("Xếp loại theo chuẩn nghề nghiệp", "Dự báo nghỉ hưu", "Nhu cầu bồi dưỡng theo tiêu chí", "Chỉ tiêu"):
        assert title in text
    assert "TC1 TC2 TC3" in text  # the heat map's columns
    assert text.endswith(f"Trang {text.count('Trang ')}/{text.count('Trang ')}")


def test_the_people_behind_a_figure_export_and_the_export_is_logged(client, world, cast):
    response = export_people(client, cast.local, world.tree.commune, list="retiring", **{"in": "2026"})
    assert 'filename="danh-sach-pa-2026-2027-retiring-2026.xlsx"' in response["Content-Disposition"]
    book = workbook(response)
    assert rows(book.active)[0][0] == "Đến thời điểm nghỉ hưu trong năm học 2026-2027"
    table = rows(book.active, 6)
    assert table[0] == (
        "Họ và tên", "Mã định danh", "Đơn vị", "Mã đơn vị", "Cấp học", "Chức vụ", "Trình độ đào tạo",
        "Thời điểm nghỉ hưu",
    )  # fmt: skip
    # Vietnamese name order: Bình before Dung.
    assert [(row[0], row[2], row[6], row[7].strftime("%d/%m/%Y")) for row in table[1:]] == [
        ("Phạm Thị Bình", "Trường Tiểu học Tân Phong", "Cao đẳng", "31/10/2026"),
        ("Đỗ Thị Dung", "Trường Mầm non Hoa Ban", "Trung cấp", "31/10/2026"),
    ]
    entry = AccessLog.objects.get(what="dashboards:people-xlsx")
    assert entry.user == cast.local and entry.kind == AccessLog.Kind.EXPORT and entry.rows == 2
    assert entry.filters == {"unit": world.tree.commune.pk, "list": "retiring", "year": 2026, "in": "2026"}


def test_the_not_completed_list_exports_with_each_result(client, world, cast):
    book = workbook(export_people(client, cast.principal_a, world.tree.school_a))
    names = {row[0]: row[-2:] for row in rows(book.active, 7)}
    assert names["Phạm Thị Bình"] == (None, "Không hoàn thành")
    assert "Lê Văn An" not in names  # completed


def test_a_bad_retirement_year_in_an_export_is_explained(client, world, cast):
    response = export_people(client, cast.local, world.tree.commune, list="retiring", **{"in": "x"})
    assert response.status_code == 400 and "không phải là năm học" in response.content.decode()
    assert not AccessLog.objects.filter(what="dashboards:people-xlsx").exists()


def test_an_outsider_gets_404_for_every_export(client, world, cast):
    client.force_login(cast.principal_b)
    for name in ("dashboards:unit-xlsx", "dashboards:unit-pdf"):
        assert client.get(reverse(name, args=[world.tree.school_a.pk])).status_code == 404
    assert export_people(client, cast.principal_b, world.tree.school_a).status_code == 404
    client.force_login(cast.local)
    assert client.get(reverse("dashboards:unit-xlsx", args=[world.tree.province.pk])).status_code == 404


def test_the_dashboard_links_to_its_exports(client, world, cast):
    client.force_login(cast.officer)
    html = client.get(reverse("dashboards:unit", args=[world.tree.province.pk]), {"year": scene.YEAR}).content.decode()
    base = reverse("dashboards:unit-xlsx", args=[world.tree.province.pk])
    for section in ("completion", "ratings", "qualifications", "upgrade", "retirement", "budget", "core", "targets"):
        assert f"{base}?year=2026&amp;section={section}" in html
    assert f"{base}?year=2026&amp;section=needs&amp;standard=tt20-2018" in html
    assert f"{reverse('dashboards:unit-pdf', args=[world.tree.province.pk])}?year=2026" in html


def test_an_export_reads_a_bounded_number_of_queries(client, world, cast, django_assert_max_num_queries):
    download(client, cast.officer, "dashboards:unit", world.tree.province)  # signed in; the figures counted
    province = world.tree.province.pk
    with django_assert_max_num_queries(40):  # as the page: data stamps, tallies, targets
        workbook(client.get(reverse("dashboards:unit-xlsx", args=[province]), {"year": scene.YEAR}))
    with django_assert_max_num_queries(13):  # and how many people the unit has: at once or in the background
        workbook(client.post(reverse("dashboards:people-xlsx", args=[province]), {"year": scene.YEAR}))


def test_a_chart_too_tall_for_a_page_is_shrunk_or_left_to_its_table():
    document = Document(title="t", landscape=True)

    def width(units: int) -> float:
        return chart_width(document, bar_chart([(f"Xã {n}", n) for n in range(units)], title="t", target=100))

    assert width(5) == CHART_WIDTH
    assert 90 <= width(40) < CHART_WIDTH  # a bar per commune of a small province: narrower, on one page
    assert width(100) == 0  # a hundred bars: the table says it
