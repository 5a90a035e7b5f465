import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from bdtx.imports.models import ImportJob
from bdtx.staff.models import StaffChange, StaffMember
from bdtx.testing import PASSWORD, make_staff

from .helpers import STAFF_HEADERS, csv_file, person, xlsx

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def upload(client, path, *, kind="staff", **extra):
    with open(path, "rb") as handle:
        return client.post(reverse("imports:new"), {"kind": kind, "file": handle, **extra})


def test_upload_check_fix_and_apply(client, cast, tmp_path):
    signed_in(client, cast.principal_a)
    bad = xlsx(tmp_path / "ds.xlsx", [person(), person("GV-A-102", cccd="01234", unit="TA")], title_rows=["DS"])

    response = upload(client, bad)

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:detail", args=[job.pk])
    assert (job.status, job.rows, job.error_count, job.uploaded_by) == ("checked", 2, 1, cast.principal_a)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert escape(job.errors[0]["message"]) in page and ">Số CCCD<" in page
    assert reverse("imports:marked", args=[job.pk]) in page and reverse("imports:apply", args=[job.pk]) not in page

    marked = client.get(reverse("imports:marked", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(marked.streaming_content))).worksheets[0]
    cell = sheet.cell(row=4, column=STAFF_HEADERS.index("Số CCCD") + 1)
    assert cell.comment.text == job.errors[0]["message"]
    assert cell.fill.start_color.rgb == "FFFFC7CE"
    assert sheet.cell(row=3, column=5).comment is None

    assert client.post(reverse("imports:apply", args=[job.pk])).status_code == 302
    assert not StaffMember.objects.filter(code="GV-A-100").exists()

    upload(client, xlsx(tmp_path / "fixed.xlsx", [person(), person("GV-A-102", cccd="001085000222")]))
    fixed = ImportJob.objects.latest("pk")
    assert (fixed.status, fixed.created, fixed.error_count) == ("checked", 2, 0)
    assert (
        reverse("imports:apply", args=[fixed.pk])
        in client.get(reverse("imports:detail", args=[fixed.pk])).content.decode()
    )

    client.post(reverse("imports:apply", args=[fixed.pk]))

    fixed.refresh_from_db()
    assert fixed.status == "applied" and fixed.finished_at is not None
    assert StaffMember.objects.filter(code__in=["GV-A-100", "GV-A-102"], unit=cast.tree.school_a).count() == 2
    assert StaffChange.objects.filter(reference=f"import:{fixed.pk}", source="import").count() == 2
    # A second click does not apply twice.
    client.post(reverse("imports:apply", args=[fixed.pk]))
    assert StaffChange.objects.filter(reference=f"import:{fixed.pk}").count() == 2


def test_a_csv_comes_back_as_a_marked_workbook(client, cast, tmp_path):
    signed_in(client, cast.officer)
    upload(client, csv_file(tmp_path / "ds.csv", [person(unit="ZZZ")]))
    job = ImportJob.objects.get()

    sheet = load_workbook(
        io.BytesIO(b"".join(client.get(reverse("imports:marked", args=[job.pk])).streaming_content))
    ).active

    assert sheet.cell(row=1, column=1).value == "Mã định danh"
    assert "ZZZ" in sheet.cell(row=2, column=STAFF_HEADERS.index("Mã đơn vị") + 1).comment.text


def test_the_default_unit_fills_rows_without_a_unit(client, cast, tmp_path):
    signed_in(client, cast.principal_a)
    path = xlsx(tmp_path / "ds.xlsx", [person(unit="")])

    upload(client, path, unit=cast.tree.school_a.pk)

    job = ImportJob.objects.get()
    assert (job.error_count, job.created, job.unit) == (0, 1, cast.tree.school_a)


def test_bad_uploads_get_a_clear_message(client, cast, tmp_path, settings):
    signed_in(client, cast.principal_a)
    response = client.post(reverse("imports:new"), {"kind": "staff", "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")})
    assert response.status_code == 200 and "a.pdf" in response.content.decode()

    fake = SimpleUploadedFile("a.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00")
    assert client.post(reverse("imports:new"), {"kind": "staff", "file": fake}).status_code == 200

    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    big = SimpleUploadedFile("a.csv", b"x" * 100)
    response = client.post(reverse("imports:new"), {"kind": "staff", "file": big})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_unusable_file_fails_the_job_with_the_reason(client, cast, tmp_path):
    signed_in(client, cast.principal_a)
    path = xlsx(tmp_path / "ds.xlsx", [["x", "y"]], headers=["Họ và tên", "Ghi chú"])

    upload(client, path)

    job = ImportJob.objects.get()
    assert job.status == "failed" and "Mã định danh" in job.failure
    assert job.failure in client.get(reverse("imports:detail", args=[job.pk])).content.decode()


def test_the_template_has_the_headers_notes_and_drop_downs(client, cast):
    signed_in(client, cast.principal_a)

    response = client.get(reverse("imports:template", args=["staff"]))

    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["Mã định danh", "Họ và tên", "Ngày sinh"] and "Tình trạng" in headers
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert "duy nhất" in sheet["A1"].comment.text
    lists = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert '"Nam,Nữ"' in lists and '"Có,Không"' in lists
    assert workbook.sheetnames == ["Danh sách", "Hướng dẫn"]
    units = load_workbook(io.BytesIO(client.get(reverse("imports:template", args=["units"])).content)).worksheets[0]
    assert [c.value for c in units[1]] == ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên", "Cấp học"]
    assert client.get(reverse("imports:template", args=["cats"])).status_code == 404


def test_the_history_lists_the_users_imports_in_few_queries(client, cast, tmp_path, django_assert_max_num_queries):
    signed_in(client, cast.principal_a)
    for index in range(3):
        upload(client, xlsx(tmp_path / f"ds{index}.xlsx", [person()]))
    signed_in(client, cast.principal_b)
    upload(client, xlsx(tmp_path / "theirs.xlsx", [person(unit="TB")]))
    signed_in(client, cast.principal_a)

    with django_assert_max_num_queries(8):
        page = client.get(reverse("imports:list")).content.decode()

    assert page.count("ds0.xlsx") == 1 and "theirs.xlsx" not in page


def test_an_outsider_gets_404_on_someone_elses_import(client, cast, tmp_path):
    signed_in(client, cast.principal_a)
    upload(client, xlsx(tmp_path / "ds.xlsx", [person(unit="ZZZ")]))
    job = ImportJob.objects.get()
    signed_in(client, cast.principal_b)

    for name in ("imports:detail", "imports:marked", "imports:progress"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("imports:apply", args=[job.pk])).status_code == 404


def test_a_teacher_gets_404_on_import_pages(client, cast):
    signed_in(client, cast.teacher_a)

    for url in (reverse("imports:list"), reverse("imports:new"), reverse("imports:template", args=["staff"])):
        assert client.get(url).status_code == 404


def test_the_progress_block_polls_while_the_job_runs(client, cast, tmp_path):
    signed_in(client, cast.principal_a)
    job = ImportJob.objects.create(
        kind="staff",
        file="imports/x.xlsx",
        original_name="x.xlsx",
        uploaded_by=cast.principal_a,
        status="checking",
        done=1000,
        total=4000,
    )

    block = client.get(reverse("imports:progress", args=[job.pk])).content.decode()

    assert 'hx-trigger="every 1s"' in block and '<progress max="4000" value="1000">' in block
    job.status = "checked"
    job.save()
    assert (
        client.get(reverse("imports:progress", args=[job.pk]), headers={"HX-Request": "true"})["HX-Refresh"] == "true"
    )


def test_apply_checks_the_file_again_and_writes_nothing_if_the_registry_changed_meanwhile(client, cast, tmp_path):
    signed_in(client, cast.principal_a)
    upload(client, xlsx(tmp_path / "ds.xlsx", [person(cccd="001085000111")]))
    job = ImportJob.objects.get()
    assert job.status == "checked" and job.error_count == 0
    make_staff(cast.tree.school_a, "Phạm Văn Bình", code="GV-A-900", gender="nam", citizen_id="001085000111")

    client.post(reverse("imports:apply", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == "checked" and job.error_count == 1
    assert job.errors[0]["column"] == "Số CCCD"
    assert not StaffMember.objects.filter(code="GV-A-100").exists()
