"""`manage.py backup` and `restore`: a round trip brings back every row and every uploaded file, and proves it
with the manifest's counts and checksums. The round trip runs on the database the suite runs on: SQLite in
`make test`, PostgreSQL in the second half of .ci/run."""

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bdtx.imports.models import ImportJob
from bdtx.ops import backup
from bdtx.organisations.models import Unit
from bdtx.staff.models import StaffMember
from bdtx.testing import make_staff

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and SQLite's backup read committed data

SHEET = "Mã định danh,Họ và tên\nGV-A-002,Lò Thị Mai\n".encode()


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def fail(*args) -> CommandError:
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=io.StringIO())
    return caught.value


@pytest.fixture
def data(cast):
    """The cast's units and staff, one more teacher, and an uploaded spreadsheet under MEDIA_ROOT."""
    make_staff(cast.tree.school_a, "Lò Thị Mai", code="GV-A-002")
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.STAFF,
        file=ContentFile(SHEET, name="danh-sach.csv"),
        original_name="danh-sach.csv",
        uploaded_by=cast.principal_a,
        unit=cast.tree.school_a,
        status=ImportJob.Status.CHECKED,
    )
    return job


def round_trip(data, tmp_path):
    archive = tmp_path / "bdtx.tar.gz"
    out = run("backup", "--output", str(archive))
    assert f"Đã sao lưu vào {archive}" in out
    before = backup.database_state()
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["tables"] == before
    assert manifest["tables"]["staff_staffmember"]["rows"] == 3
    assert "0001_initial" in manifest["migrations"]["staff"]
    assert manifest["media"][data.file.name]["size"] == len(SHEET)

    # Change and delete data and the file after the backup.
    StaffMember.objects.filter(code="GV-A-001").update(full_name="Tên đã bị sửa")
    StaffMember.objects.filter(code="GV-A-002").delete()
    Unit.objects.filter(code="TB").update(name="Trường đã đổi tên")
    default_storage.delete(data.file.name)
    default_storage.save("thua.txt", ContentFile(b"not in the backup"))
    assert backup.database_state() != before

    out = run("restore", str(archive), "--yes")
    assert "khớp với bản sao lưu" in out
    assert backup.database_state() == before
    assert StaffMember.objects.get(code="GV-A-001").full_name == "Nguyễn Thị Hoà"
    assert StaffMember.objects.filter(code="GV-A-002").exists()
    assert Unit.objects.get(code="TB").name == "Trường THPT Chuyên Lê Quý Đôn"
    with default_storage.open(data.file.name) as file:
        assert file.read() == SHEET
    assert not default_storage.exists("thua.txt")


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the suite runs on PostgreSQL here; the SQLite round trip runs in the SQLite run (make test)",
)
def test_a_sqlite_round_trip_brings_back_rows_checksums_and_files(data, tmp_path):
    round_trip(data, tmp_path)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the suite runs on SQLite here; the PostgreSQL round trip runs when DATABASE_URL is PostgreSQL (.ci/run)",
)
def test_a_postgresql_round_trip_brings_back_rows_checksums_and_files(data, tmp_path):
    round_trip(data, tmp_path)


def test_backup_writes_a_dated_archive_readable_by_its_owner_only(data, settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    out = run("backup")
    (archive,) = (tmp_path / "backups").iterdir()
    assert archive.name.startswith("bdtx-") and archive.name.endswith(".tar.gz")
    assert archive.stat().st_mode & 0o077 == 0
    assert str(archive) in out
    assert "1 tệp đã tải lên" in out
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert {"manifest.json", backup.DATABASE_FILES[connection.vendor], f"media/{data.file.name}"} <= set(names)


def test_a_tar_name_gives_an_uncompressed_archive_and_an_existing_file_is_never_overwritten(data, tmp_path):
    archive = tmp_path / "bdtx.tar"
    run("backup", "--output", str(archive))
    with tarfile.open(archive, "r:") as tar:  # plain tar: opening it uncompressed works
        assert "manifest.json" in tar.getnames()
    error = fail("backup", "--output", str(archive))
    assert error.returncode == 2
    assert "đã tồn tại. Hãy chọn --output khác." in str(error)


def test_a_quiet_backup_prints_nothing_for_cron(data, tmp_path):
    assert run("backup", "--output", str(tmp_path), verbosity=0) == ""
    assert len(list(tmp_path.glob("bdtx-*.tar.gz"))) == 1


def test_restore_refuses_a_database_with_data_without_yes(data, tmp_path):
    archive = tmp_path / "bdtx.tar.gz"
    run("backup", "--output", str(archive))
    StaffMember.objects.filter(code="GV-A-002").delete()
    error = fail("restore", str(archive))
    assert error.returncode == 2
    assert "Cơ sở dữ liệu không trống" in str(error)
    assert "--yes" in str(error)
    assert not StaffMember.objects.filter(code="GV-A-002").exists()  # nothing was restored


def test_restore_into_an_empty_database_needs_no_yes(data, tmp_path):
    archive = tmp_path / "bdtx.tar.gz"
    run("backup", "--output", str(archive))
    call_command("flush", interactive=False, verbosity=0)  # leaves only what migrate writes
    assert backup.first_table_with_rows() is None
    assert "khớp" in run("restore", str(archive))
    assert StaffMember.objects.count() == 3


def rewrite_manifest(archive: Path, change, rename: dict[str, str] | None = None) -> None:
    with tarfile.open(archive) as tar:
        members = [(member, tar.extractfile(member).read()) for member in tar.getmembers()]
    with tarfile.open(archive, "w:gz") as tar:
        for member, content in members:
            member.name = (rename or {}).get(member.name, member.name)
            if member.name == "manifest.json":
                manifest = json.loads(content)
                change(manifest)
                content = json.dumps(manifest).encode()
                member.size = len(content)
            tar.addfile(member, io.BytesIO(content))


def test_restore_exits_1_and_names_what_differs_from_the_manifest(data, tmp_path):
    archive = tmp_path / "bdtx.tar.gz"
    run("backup", "--output", str(archive))

    def change(manifest):
        manifest["tables"]["staff_staffmember"]["rows"] = 4
        manifest["tables"]["organisations_unit"]["sha256"] = "0" * 64
        manifest["media"]["ghost.pdf"] = {"size": 1, "sha256": "0" * 64}

    rewrite_manifest(archive, change)
    error = fail("restore", str(archive), "--yes")
    assert error.returncode == 1
    message = str(error)
    assert "không khớp với bản sao lưu ở 3 chỗ" in message
    assert "Bảng staff_staffmember: bản sao lưu có 4 dòng, sau khi khôi phục có 3 dòng." in message
    assert "Bảng organisations_unit: cùng số dòng (4) nhưng nội dung khác" in message
    assert "Tệp ghost.pdf: có trong bản sao lưu nhưng không có sau khi khôi phục." in message


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    not_backup = tmp_path / "danh-sach.tar.gz"
    not_backup.write_bytes(SHEET)
    error = fail("restore", str(not_backup), "--yes")
    assert error.returncode == 2
    assert "không phải bản sao lưu của bdtx" in str(error)
    error = fail("restore", str(tmp_path / "missing.tar.gz"))
    assert "Không có tệp sao lưu tại" in str(error)


def test_restore_refuses_a_backup_of_the_other_kind_of_database(data, tmp_path):
    archive = tmp_path / "bdtx.tar.gz"
    run("backup", "--output", str(archive))
    ours, other = connection.vendor, "postgresql" if connection.vendor == "sqlite" else "sqlite"
    rewrite_manifest(
        archive,
        lambda manifest: manifest["database"].update(vendor=other, file=backup.DATABASE_FILES[other]),
        rename={backup.DATABASE_FILES[ours]: backup.DATABASE_FILES[other]},
    )
    error = fail("restore", str(archive), "--yes")
    assert error.returncode == 2
    assert f"Bản sao lưu này là của cơ sở dữ liệu {other} nhưng DATABASE_URL đang trỏ tới {ours}." in str(error)
    assert StaffMember.objects.count() == 3  # nothing was restored
