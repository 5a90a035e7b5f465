import datetime as dt
import io
import logging

import openpyxl
from django.urls import reverse

from bdtx.staff.models import ExportJob
from bdtx.staff.validation import COLUMNS, validate_row
from bdtx.testing import make_staff

EXPORT = reverse("staff:export")


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_export_has_exactly_the_import_columns_and_round_trips_through_validation(client, cast):
    make_staff(
        cast.tree.school_a,
        "Lê Văn Toán",
        code="007",
        phone="0912345678",
        levels="tieu_hoc,thcs",
        subjects="Toán",
        is_core=True,
        joined_on=dt.date(2008, 9, 1),
        citizen_id="001085000321",
        gender="nam",
    )
    client.force_login(cast.principal_a)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    sheet = workbook(response).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [c.header for c in COLUMNS]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert len(rows) == 3
    for row in rows[1:]:
        values, errors = validate_row({c.field: cell for c, cell in zip(COLUMNS, row, strict=True)})
        assert errors == []
    toan = dict(zip([c.header for c in COLUMNS], rows[2], strict=True))
    assert toan["Mã định danh"] == "007" and toan["Số CCCD"] == "001085000321" and toan["Điện thoại"] == "0912345678"
    assert toan["Ngày sinh"] == dt.datetime(1985, 9, 5) and sheet["C3"].number_format == "dd/mm/yyyy"
    assert (toan["Cấp học"], toan["Cốt cán"], toan["Mã đơn vị"], toan["Giới tính"]) == (
        "Tiểu học, THCS",
        "Có",
        "TA",
        "Nam",
    )
    assert toan["Tình trạng"] == "Đang làm việc"


def test_the_export_follows_the_list_filters_and_is_logged(client, cast, caplog):
    client.force_login(cast.officer)
    with caplog.at_level(logging.INFO, logger="bdtx.exports"):
        response = client.get(EXPORT, {"q": "duc"})
    rows = list(workbook(response).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["Trần Văn Đức"]
    assert "user=officer exported staff" in caplog.text and "rows=1" in caplog.text


def test_an_outsider_gets_404_exporting_another_schools_unit(client, cast):
    client.force_login(cast.principal_b)
    assert client.get(EXPORT, {"unit": "TA"}).status_code == 404


def test_a_teacher_cannot_export(client, cast):
    client.force_login(cast.teacher_a)
    assert client.get(EXPORT).status_code == 404


def test_the_units_export_has_the_unit_import_columns(client, cast):
    client.force_login(cast.local)
    response = client.get(reverse("organisations:export"))
    rows = list(workbook(response).active.iter_rows(values_only=True))
    assert rows == [
        ("Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên", "Cấp học"),
        ("PA", "UBND phường Tân Phong", "UBND xã/phường", "SO", None),
        ("TA", "Trường Tiểu học Tân Phong", "Trường", "PA", "Tiểu học"),
    ]
    client.force_login(cast.principal_b)
    assert client.get(reverse("organisations:export"), {"unit": "TA"}).status_code == 404


def test_a_long_list_is_exported_in_the_background_with_progress_and_a_download(client, cast, settings):
    settings.EXPORT_INLINE_ROWS = 1
    make_staff(cast.tree.school_a, "Lò Thị Xuân", code="GV-A-002", gender="nu", citizen_id="012190000777",
               birth_date=dt.date(1990, 3, 12))  # fmt: skip
    client.force_login(cast.principal_a)

    response = client.get(EXPORT, {"unit": "TA"})

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("staff:export-detail", args=[job.pk])
    assert (job.status, job.done, job.total, job.params) == ("done", 2, 2, {"unit": "TA", "status": "working"})
    page = client.get(response.url).content.decode()
    assert reverse("staff:export-download", args=[job.pk]) in page
    sheet = workbook(client.get(reverse("staff:export-download", args=[job.pk]))).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Nguyễn Thị Hoà", "Lò Thị Xuân"]


def test_the_export_page_stops_polling_once_the_file_is_ready(client, cast, settings):
    settings.EXPORT_INLINE_ROWS = 0
    client.force_login(cast.principal_a)
    job_url = client.get(EXPORT).url
    response = client.get(job_url, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


def test_only_the_person_who_asked_may_see_or_download_an_export(client, cast, settings):
    settings.EXPORT_INLINE_ROWS = 0
    client.force_login(cast.officer)
    job = ExportJob.objects.get(pk=int(client.get(EXPORT).url.rstrip("/").split("/")[-1]))
    client.force_login(cast.principal_a)
    assert client.get(reverse("staff:export-detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("staff:export-download", args=[job.pk])).status_code == 404
