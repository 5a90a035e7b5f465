import datetime as dt
import io

import openpyxl
import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bdtx.privacy.models import AccessLog
from bdtx.privacy.services import log_access
from bdtx.staff.models import ExportJob

LOG = reverse("privacy:log")
LOG_EXPORT = reverse("privacy:log-export")


def test_viewing_a_full_record_is_logged_with_who_what_and_the_address(client, cast):
    client.force_login(cast.principal_a)
    client.get(reverse("staff:detail", args=[cast.member_a.pk]), REMOTE_ADDR="10.1.2.3")
    entry = AccessLog.objects.get()
    assert (entry.user, entry.username, entry.kind, entry.what) == (
        cast.principal_a,
        "principal_a",
        "view",
        "staff:detail",
    )
    assert (entry.staff, entry.subject, entry.ip_address) == (cast.member_a, "Nguyễn Thị Hoà (GV-A-001)", "10.1.2.3")
    assert entry.full_data is True


def test_a_masked_view_and_a_persons_own_view_are_not_logged(client, cast):
    client.force_login(cast.local)
    client.get(reverse("staff:detail", args=[cast.member_a.pk]))
    client.force_login(cast.teacher_a)
    client.get(reverse("staff:detail", args=[cast.member_a.pk]))
    assert not AccessLog.objects.exists()


def test_the_api_detail_and_a_page_of_full_records_are_logged(api, cast):
    client = api(cast.officer)
    assert client.get(f"/api/v1/staff/{cast.member_a.pk}/").status_code == 200
    client.get("/api/v1/staff/", {"unit": "TA"})
    view, page = AccessLog.objects.order_by("pk")
    assert (view.kind, view.what, view.staff) == ("view", "api:staff-detail", cast.member_a)
    assert (page.kind, page.what, page.rows, page.filters) == ("list", "api:staff-list", 1, {"unit": "TA"})


def test_a_teacher_reading_their_own_record_through_the_api_is_not_logged(api, cast):
    client = api(cast.teacher_a)
    client.get(f"/api/v1/staff/{cast.member_a.pk}/")
    client.get("/api/v1/staff/")
    assert not AccessLog.objects.exists()


def test_every_export_is_logged_with_its_filters_and_row_count(client, cast):
    client.force_login(cast.officer)
    client.get(reverse("staff:export"), {"q": "duc"})
    client.force_login(cast.local)
    client.get(reverse("staff:export"))
    officer, local = AccessLog.objects.order_by("pk")
    assert (officer.kind, officer.what, officer.rows, officer.full_data) == ("export", "staff:export", 1, True)
    assert officer.filters == {"q": "duc", "status": "working"}
    assert (local.username, local.rows, local.full_data) == ("local", 1, False)


def test_each_download_of_a_background_export_is_logged(client, cast, settings):
    settings.EXPORT_INLINE_ROWS = 0
    client.force_login(cast.principal_a)
    client.get(reverse("staff:export"), {"unit": "TA"})
    job = ExportJob.objects.get()
    client.get(reverse("staff:export-download", args=[job.pk]))
    client.get(reverse("staff:export-download", args=[job.pk]))
    entries = AccessLog.objects.filter(what="staff:export-download")
    assert entries.count() == 2 and entries.first().rows == 1 and entries.first().filters["unit"] == "TA"


def test_a_failure_to_log_never_blocks_the_caller_nor_spoils_its_transaction(cast):
    with transaction.atomic():
        assert log_access(user=cast.officer, kind="export", what="x", filters={"bad": object()}) is None
        assert log_access(user=cast.officer, kind="export", what="ok", rows=3) is not None
    assert list(AccessLog.objects.values_list("what", flat=True)) == ["ok"]


# --- the page ---------------------------------------------------------------------------------------------


def test_the_administrator_sees_the_log(client, cast, admin):
    log_access(user=cast.officer, kind="view", what="staff:detail", staff=cast.member_a)
    client.force_login(admin)
    response = client.get(LOG)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nhật ký truy cập" in body and "officer" in body and "Nguyễn Thị Hoà (GV-A-001)" in body


@pytest.mark.parametrize("viewer", ["officer", "local", "principal_a", "teacher_a", "principal_b"])
def test_the_log_does_not_exist_for_anyone_else(client, cast, viewer):
    client.force_login(getattr(cast, viewer))
    assert client.get(LOG).status_code == 404
    assert client.get(LOG_EXPORT).status_code == 404


def test_an_anonymous_visitor_is_asked_to_sign_in(client, db):
    response = client.get(LOG)
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def make_entries(cast):
    log_access(user=cast.officer, kind="view", what="staff:detail", staff=cast.member_a)
    log_access(user=cast.local, kind="export", what="staff:export", rows=1, full_data=False)
    old = log_access(user=cast.principal_a, kind="export", what="staff:export", rows=2)
    AccessLog.objects.filter(pk=old.pk).update(at=timezone.make_aware(dt.datetime(2025, 1, 15, 9, 0)))


def usernames(response):
    return [entry.username for entry in response.context["page"].object_list]


def test_the_log_filters_by_person_kind_and_dates(client, cast, admin):
    make_entries(cast)
    client.force_login(admin)
    assert usernames(client.get(LOG, {"user": "LOCAL"})) == ["local"]
    assert sorted(usernames(client.get(LOG, {"kind": "export"}))) == ["local", "principal_a"]
    assert usernames(client.get(LOG, {"date_from": "01/01/2025", "date_to": "15/01/2025"})) == ["principal_a"]
    assert "principal_a" not in usernames(client.get(LOG, {"date_from": "16/01/2025"}))


def test_a_bad_date_gets_a_clear_message(client, cast, admin):
    client.force_login(admin)
    response = client.get(LOG, {"date_from": "31/02/2025"})
    assert "không phải là ngày có thật" in response.content.decode()
    response = client.get(LOG, {"date_from": "20/01/2025", "date_to": "10/01/2025"})
    assert "Ngày kết thúc 10/01/2025 trước ngày bắt đầu 20/01/2025" in response.content.decode()


def test_the_log_is_paginated_in_a_bounded_number_of_queries(client, cast, admin, django_assert_max_num_queries):
    AccessLog.objects.bulk_create(
        AccessLog(user=cast.officer, username="officer", kind="view", what="staff:detail") for _ in range(120)
    )
    client.force_login(admin)
    with django_assert_max_num_queries(6):
        response = client.get(LOG, {"page": "2"})
    assert len(response.context["page"].object_list) == 50
    response = client.get(LOG, headers={"HX-Request": "true"})
    assert response.content.decode().lstrip().startswith('<div id="rows">')


def test_the_log_downloads_as_excel_and_the_download_is_logged_too(client, cast, admin):
    make_entries(cast)
    client.force_login(admin)
    response = client.get(LOG_EXPORT, {"kind": "export"})
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[0][:4] == ("Thời điểm", "Tên đăng nhập", "Họ và tên", "Loại")
    assert sorted(row[1] for row in rows[1:]) == ["local", "principal_a"]
    assert rows[1][3] == "Xuất dữ liệu"
    entry = AccessLog.objects.get(what="privacy:log-export")
    assert (entry.user, entry.rows, entry.filters) == (admin, 2, {"kind": "export"})
