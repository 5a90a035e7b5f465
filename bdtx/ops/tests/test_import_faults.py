"""Faults during an import (bdtx/ops/faults.py): the database full or read-only, the disk for uploads full or
read-only. Each gets a clear Vietnamese message, and nothing is half applied.

Produced for real on SQLite, through the same service as the web and the command: `PRAGMA max_page_count` makes
the database full (SQLITE_FULL), `PRAGMA query_only` makes it refuse writes as a read-only file does
(SQLITE_READONLY), a file-size limit (RLIMIT_FSIZE) makes the upload's write fail as on a full disk, and a folder
without write permission is a read-only upload folder. bench/faults_import.py runs the same on real files and
full or read-only file systems."""

import contextlib
import os
import resource
import signal

import pytest
from django.db import connection
from django.urls import reverse

from bdtx.imports.models import ImportJob
from bdtx.imports.tests.helpers import person, run, xlsx
from bdtx.staff.models import Assignment, StaffChange, StaffMember

FULL = "Chưa ghi gì: cơ sở dữ liệu đã đầy (ổ đĩa của máy chủ hết chỗ trống)."
READ_ONLY = "Chưa ghi gì: cơ sở dữ liệu hiện không nhận thay đổi (đang ở chế độ chỉ đọc"
UPLOADS_FULL = "Không lưu được tệp: ổ đĩa chứa tệp tải lên của máy chủ đã đầy."
UPLOADS_READ_ONLY = "Không lưu được tệp: thư mục chứa tệp tải lên của máy chủ không ghi được"
FAMILIES = ["Lê", "Trần", "Phạm", "Vũ", "Hoàng", "Đặng"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Minh", "Nga"]
# The full database is a transaction-level fault: SQLite may roll back the whole transaction, the test's own too.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the PRAGMAs are SQLite's; bench/faults_import.py drills PostgreSQL")


@pytest.fixture
def roster(tmp_path):
    """60 new teachers of school A, with the registry's columns."""
    names = [f"{family} Văn {given}" for family in FAMILIES for given in GIVEN]
    rows = [person(f"GV-A-5{n:02d}", name, cccd=f"0010850005{n:02d}") for n, name in enumerate(names)]
    return xlsx(tmp_path / "danh-sach.xlsx", rows)


def registry() -> tuple:
    """Everything an import writes, to compare before and after."""
    people = list(StaffMember.objects.order_by("code").values_list("code", "full_name", "unit_id", "version"))
    return people, StaffChange.objects.count(), Assignment.objects.count()


def pragma(name: str, value=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}" + ("" if value is None else f" = {int(value)}"))
        row = cursor.fetchone()
    return row[0] if row else 0


@contextlib.contextmanager
def database_full(spare_pages: int = 2):
    """The database may grow by `spare_pages` pages (4 kB each) and no more: SQLITE_FULL, as on a full disk. (VACUUM
    first, so that no free page left by an earlier test is there to fill.)"""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")
    before = pragma("max_page_count")
    pragma("max_page_count", pragma("page_count") + spare_pages)
    try:
        yield
    finally:
        pragma("max_page_count", before)


@contextlib.contextmanager
def database_read_only():
    """Every write refused with SQLITE_READONLY ("attempt to write a readonly database"), as a read-only file."""
    pragma("query_only", 1)
    try:
        yield
    finally:
        pragma("query_only", 0)


@contextlib.contextmanager
def files_limited_to(size: int):
    """This process may write no file beyond `size` bytes (a quota, as a full disk): writes fail with EFBIG."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of killing the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def upload(client, path):
    with open(path, "rb") as handle:
        return client.post(reverse("imports:new"), {"kind": "staff", "file": handle})


def test_a_full_database_stops_the_import_command_with_a_clear_message_and_writes_nothing(cast, roster):
    before = registry()
    with database_full():
        status, result = run("import_staff", roster)
    assert status == 2
    assert result["errors"][0]["message"].startswith(FULL) and "rồi thử lại" in result["errors"][0]["message"]
    assert registry() == before
    status, result = run("import_staff", roster)  # space again: the same file goes in whole
    assert (status, result["created"]) == (0, 60)


def test_a_full_database_fails_the_web_import_with_a_clear_message_and_writes_nothing(client, cast, roster):
    client.force_login(cast.principal_a)
    upload(client, roster)
    job = ImportJob.objects.get()
    assert (job.status, job.created) == ("checked", 60)
    before = registry()
    with database_full():
        client.post(reverse("imports:apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "failed" and job.failure.startswith(FULL)
    assert registry() == before
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "cơ sở dữ liệu đã đầy" in page


def test_a_read_only_database_refuses_the_import_command_with_a_clear_message(cast, roster):
    before = registry()
    with database_read_only():
        status, result = run("import_staff", roster)
    assert status == 2 and result["errors"][0]["message"].startswith(READ_ONLY)
    assert registry() == before


def test_a_read_only_database_refuses_the_web_apply_with_a_clear_message(client, cast, roster):
    client.force_login(cast.principal_a)
    upload(client, roster)
    job = ImportJob.objects.get()
    before = registry()
    with database_read_only():
        response = client.post(reverse("imports:apply", args=[job.pk]), follow=True)
        assert READ_ONLY in response.content.decode()
    job.refresh_from_db()
    assert job.status == "checked"  # nothing started: the user can apply it once the database is writable
    assert registry() == before
    client.post(reverse("imports:apply", args=[job.pk]))
    assert StaffMember.objects.filter(code__startswith="GV-A-5").count() == 60


def test_a_read_only_database_refuses_an_upload_with_a_clear_message_and_keeps_no_file(client, cast, roster, settings):
    client.force_login(cast.principal_a)
    with database_read_only():
        response = upload(client, roster)
    assert response.status_code == 200 and READ_ONLY in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not any(files for _root, _dirs, files in os.walk(settings.MEDIA_ROOT))


def test_a_full_upload_disk_refuses_the_file_with_a_clear_message_and_records_nothing(client, cast, roster, settings):
    client.force_login(cast.principal_a)
    assert roster.stat().st_size > 4096
    with files_limited_to(4096):
        response = upload(client, roster)
    assert response.status_code == 200 and UPLOADS_FULL in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not any(files for _root, _dirs, files in os.walk(settings.MEDIA_ROOT))


def test_a_read_only_upload_folder_refuses_the_file_with_a_clear_message(client, cast, roster, settings):
    client.force_login(cast.principal_a)
    os.makedirs(settings.MEDIA_ROOT)
    os.chmod(settings.MEDIA_ROOT, 0o555)
    if os.access(settings.MEDIA_ROOT, os.W_OK):
        pytest.skip("this process may write without permission (root with CAP_DAC_OVERRIDE): see faults_import.py")
    try:
        response = upload(client, roster)
    finally:
        os.chmod(settings.MEDIA_ROOT, 0o755)
    assert response.status_code == 200 and UPLOADS_READ_ONLY in response.content.decode()
    assert not ImportJob.objects.exists()
