"""The module catalogue's Excel import and export: real workbooks made here; every row checked first, errors
with row and column in Vietnamese and nothing written; a valid file applied in one go; the export reads back."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bdtx.catalog.models import TrainingModule
from bdtx.organisations.models import UnitKind
from bdtx.testing import make_unit

IMPORT_URL = reverse("catalog:import")
HEADERS = [
    "Mã mô đun", "Tên mô đun", "Chương trình", "Nội dung", "Số tiết", "Đối tượng", "Cấp học", "Tiêu chí", "Mục tiêu",
    "Đang dùng",
]  # fmt: skip


def workbook(rows, headers=HEADERS, title_rows=()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in title_rows:
        sheet.append(row)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, content: bytes, name="mo-dun.xlsx", **extra):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content), **extra})


GOOD_ROWS = [
    ["LC 01", "Giáo dục văn hoá địa phương Lai Châu", "tt17-2019", "03", 10, "Giáo viên", "Tiểu học, THCS",
     "tt20-2018:4,5", "Dạy được nội dung giáo dục địa phương.", "Có"],
    ["LC 02", "Quản trị trường học vùng cao", "tt18-2019", 3, None, "Cán bộ quản lý", "", "", "", ""],
    ["gvpt 04", "Xây dựng kế hoạch dạy học và giáo dục theo hướng phát triển phẩm chất, năng lực học sinh",
     "tt17-2019", "03", 15, "", "", "", "", "Có"],
]  # fmt: skip


def test_a_good_file_is_applied_in_one_go(client, cast, programmes):
    client.force_login(cast.officer)
    response = upload(client, workbook(GOOD_ROWS, title_rows=[["DANH MỤC MÔ ĐUN BDTX NĂM HỌC 2026-2027"]]))
    assert response.status_code == 302
    messages = client.get(response.url).content.decode()
    assert "Đã lưu: thêm 2 mô đun, sửa 1, không thay đổi 0." in messages
    lc01 = TrainingModule.objects.get(code="LC 01")
    assert lc01.owner == cast.tree.province and lc01.periods == 10
    assert lc01.target == {"groups": ["teacher"], "levels": ["tieu_hoc", "thcs"]}
    assert sorted(lc01.criteria.values_list("number", flat=True)) == [4, 5]
    lc02 = TrainingModule.objects.get(code="LC 02")
    # Blank target: the programme's; blank “Đang dùng”: in use
    assert lc02.target == {"groups": ["manager"], "levels": ["tieu_hoc", "thcs", "thpt"]} and lc02.active
    gvpt04 = TrainingModule.objects.get(code="GVPT 04")
    assert gvpt04.periods == 15 and gvpt04.owner is None and "periods" in gvpt04.edited_fields
    assert gvpt04.criteria.count() == 0  # the “Tiêu chí” column is there and blank


def test_bad_rows_are_reported_with_row_and_column_and_nothing_is_written(client, cast, programmes):
    rows = [
        GOOD_ROWS[0],
        ["LC 03", "", "tt99-2030", "03", "mười", "Học sinh", "Đại học", "tt20-2018:16", "", "Chắc chắn"],
        ["LC 01", "Trùng mã", "tt17-2019", "05", 10, "", "", "4,5", "", ""],
    ]
    client.force_login(cast.officer)
    response = upload(client, workbook(rows))
    assert response.status_code == 200
    errors = response.context["outcome"].errors
    found = {(error["row"], error["column"]) for error in errors}
    assert found == {
        (3, "Tên mô đun"), (3, "Chương trình"), (3, "Số tiết"), (3, "Đối tượng"), (3, "Cấp học"), (3, "Tiêu chí"),
        (3, "Đang dùng"), (4, "Nội dung"), (4, "Tiêu chí"), (4, "Mã mô đun"),
    }  # fmt: skip
    messages = {(error["row"], error["column"]): error["message"] for error in errors}
    assert messages[(3, "Tên mô đun")] == "Nhập tên mô đun."
    assert messages[(3, "Tiêu chí")] == "Chuẩn tt20-2018 không có tiêu chí 16 (chuẩn có tiêu chí 1 đến 15)."
    assert messages[(4, "Mã mô đun")] == "Mô đun LC 01 đã có ở dòng 2. Mỗi mô đun chỉ giữ một dòng."
    assert "dùng 01, 02, 03" in messages[(4, "Nội dung")]
    page = response.content.decode()
    assert "Tệp có lỗi; chưa lưu gì." in page and "10 lỗi" in page
    assert not TrainingModule.objects.filter(owner__isnull=False).exists()


def test_only_checking_saves_nothing(client, cast, programmes):
    client.force_login(cast.officer)
    response = upload(client, workbook(GOOD_ROWS), check_only="on")
    assert "Tệp hợp lệ (3 dòng)." in response.content.decode()
    assert not TrainingModule.objects.filter(code="LC 01").exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x00\x01binary", "mo-dun.xlsx", "Tệp này không phải là bảng tính."),
        (None, "mo-dun.xlsx", "Thiếu cột bắt buộc: Chương trình"),
    ],
)
def test_a_file_that_cannot_be_used_says_why(client, cast, programmes, content, name, message):
    if content is None:
        content = workbook([GOOD_ROWS[0][:2]], headers=HEADERS[:2])
    client.force_login(cast.officer)
    response = upload(client, content, name)
    assert message in response.content.decode()


def test_a_module_of_another_province_cannot_be_changed_through_the_import(client, cast, programmes):
    other = make_unit("SO2", "Sở Giáo dục và Đào tạo Điện Biên", kind=UnitKind.DEPARTMENT)
    TrainingModule.objects.create(
        code="DB 01", title="Mô đun Điện Biên", programme=programmes["tt17-2019"], owner=other
    )
    client.force_login(cast.officer)
    row = ["DB 01", "Đổi tên", "tt17-2019", "03", 10, "", "", "", "", ""]
    response = upload(client, workbook([row]))
    assert response.context["outcome"].errors == [
        {
            "row": 2,
            "column": "Mã mô đun",
            "message": "Mô đun DB 01 thuộc Sở Giáo dục và Đào tạo Điện Biên; chỉ đơn vị đó được sửa. Hãy dùng mã khác.",
        }
    ]
    assert TrainingModule.objects.get(code="DB 01").title == "Mô đun Điện Biên"


def test_the_import_is_only_for_those_who_keep_the_catalogue(client, cast, programmes):
    client.force_login(cast.principal_a)
    assert upload(client, workbook(GOOD_ROWS)).status_code == 404
    assert not TrainingModule.objects.filter(code="LC 01").exists()


def test_the_export_reads_back_unchanged(client, cast, programmes):
    client.force_login(cast.officer)
    upload(client, workbook(GOOD_ROWS))
    response = client.get(reverse("catalog:export"), {"active": "all"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 18
    lc01 = next(row for row in rows if row[0] == "LC 01")
    assert lc01[2:8] == ("tt17-2019", "03", 10, "Giáo viên", "Tiểu học, THCS", "tt20-2018:4,5")
    response = upload(client, content, "xuat.xlsx")
    assert "Đã lưu: thêm 0 mô đun, sửa 0, không thay đổi 17." in client.get(response.url).content.decode()
