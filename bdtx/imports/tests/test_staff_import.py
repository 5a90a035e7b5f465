import datetime as dt
import unicodedata

import pytest
from django.utils import translation

from bdtx.staff.models import Assignment, StaffChange, StaffMember

from .helpers import STAFF_HEADERS, csv_file, person, run, xlsx

pytestmark = pytest.mark.django_db


def vi(message, **values):
    """A message as the command prints it (Vietnamese once the catalogue has it)."""
    with translation.override("vi"):
        return translation.gettext(message) % values


def test_a_valid_file_creates_people_with_history_and_audit_trail(cast, tmp_path):
    path = xlsx(tmp_path / "ds.xlsx", [person(), person("GV-A-101", "Phạm Thị Bình", gender="Nữ", cccd="001185000222")])

    status, result = run("import_staff", path)

    assert (status, result) == (0, {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": []})
    an = StaffMember.objects.get(code="GV-A-100")
    assert (an.full_name, an.birth_date, an.gender, an.citizen_id, an.unit, an.phone) == (
        "Lê Văn An",
        dt.date(1985, 9, 5),
        "nam",
        "001085000111",
        cast.tree.school_a,
        "0912345678",
    )
    assert Assignment.objects.filter(staff=an, unit=cast.tree.school_a, end_date=None).count() == 1
    change = StaffChange.objects.get(staff=an)
    assert (change.action, change.source, change.reference) == ("created", "command", "command")
    assert change.changes["birth_date"] == ["", "05/09/1985"] and change.changes["unit"] == [
        "",
        cast.tree.school_a.name,
    ]


def test_messy_cells_are_read_into_clean_values(cast, tmp_path):
    nfd_name = unicodedata.normalize("NFD", "Nguyễn  Thị\u00a0Hằng ")
    rows = [
        person("GV-1", birth="5/9/85"),  # d/m/yy text
        person("GV-2", birth=31295, cccd="001085000112"),  # Excel serial number
        person("GV-3", birth=dt.datetime(1985, 9, 5), cccd="001085000113"),  # a date cell
        person("GV-4", nfd_name, gender="nữ", cccd=1185000123, phone=912345678),  # CCCD and phone that lost their 0
        [None] * len(STAFF_HEADERS),  # a blank row in the middle
        person(" GV-5\u00a0", "  TRẦN   VĂN HÙNG ", cccd="001085000115", group="GV"),
    ]
    path = xlsx(tmp_path / "messy.xlsx", rows, merged_title="DANH SÁCH CÁN BỘ", title_rows=["Trường A", ""])

    status, result = run("import_staff", path)

    assert (status, result["created"], result["errors"]) == (0, 5, [])
    people = {m.code: m for m in StaffMember.objects.filter(code__startswith="GV-")}
    assert {people[c].birth_date for c in ("GV-1", "GV-2", "GV-3")} == {dt.date(1985, 9, 5)}
    hang = people["GV-4"]
    assert (hang.full_name, hang.citizen_id, hang.phone, hang.gender) == (
        "Nguyễn Thị Hằng",
        "001185000123",
        "0912345678",
        "nu",
    )
    assert unicodedata.is_normalized("NFC", hang.full_name)
    assert people["GV-5"].full_name == "Trần Văn Hùng"


def test_errors_name_the_row_as_the_spreadsheet_shows_it(cast, tmp_path):
    path = xlsx(
        tmp_path / "bad.xlsx",
        [person(), person("GV-A-102", unit="ZZZ", cccd="001085000333")],
        title_rows=["DANH SÁCH", ""],
    )

    status, result = run("import_staff", path)

    assert status == 1
    assert result["errors"] == [
        {
            "row": 5,
            "column": "Mã đơn vị",
            "message": vi(
                "Unknown unit code “%(code)s”. Use the code of a unit you manage, as shown on the Units page.",
                code="ZZZ",
            ),
        }
    ]
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 0)


def test_nothing_is_applied_when_one_row_is_bad(cast, tmp_path):
    before = StaffMember.objects.count(), StaffChange.objects.count(), Assignment.objects.count()
    path = xlsx(tmp_path / "one-bad.xlsx", [person(), person("GV-A-102", birth="31/02/1985", cccd="001085000333")])

    status, result = run("import_staff", path)

    assert status == 1
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(3, "Ngày sinh")]
    assert (StaffMember.objects.count(), StaffChange.objects.count(), Assignment.objects.count()) == before


def test_the_same_person_twice_is_reported_on_the_second_row(cast, tmp_path):
    path = xlsx(
        tmp_path / "twice.xlsx", [person(), person(cccd="001085000999"), person("GV-A-103", cccd="001085000111")]
    )

    status, result = run("import_staff", path)

    assert status == 1
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(3, "Mã định danh"), (4, "Số CCCD")]
    assert "2" in result["errors"][0]["message"] and "GV-A-100" in result["errors"][0]["message"]


def test_a_citizen_id_of_someone_already_registered_is_refused(cast, tmp_path):
    path = xlsx(tmp_path / "taken.xlsx", [person(gender="Nữ", cccd="012185000123")])

    status, result = run("import_staff", path)

    assert status == 1
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(2, "Số CCCD")]
    assert "012185000123" in result["errors"][0]["message"]


def test_reimporting_the_same_file_changes_nothing(cast, tmp_path):
    path = xlsx(tmp_path / "ds.xlsx", [person(), person("GV-A-101", "Phạm Thị Bình", gender="Nữ", cccd="001185000222")])
    run("import_staff", path)
    changes = StaffChange.objects.count()

    status, result = run("import_staff", path)

    assert (status, result) == (0, {"rows": 2, "created": 0, "updated": 0, "unchanged": 2, "errors": []})
    assert StaffChange.objects.count() == changes


def test_a_changed_row_updates_only_that_person_with_one_audit_entry(cast, tmp_path):
    run(
        "import_staff",
        xlsx(tmp_path / "v1.xlsx", [person(), person("GV-A-101", "Phạm Thị Bình", gender="Nữ", cccd="001185000222")]),
    )
    binh_version = StaffMember.objects.get(code="GV-A-101").version
    path = xlsx(
        tmp_path / "v2.xlsx",
        [person(phone="0987654321"), person("GV-A-101", "Phạm Thị Bình", gender="Nữ", cccd="001185000222")],
    )

    status, result = run("import_staff", path)

    assert (status, result["updated"], result["unchanged"]) == (0, 1, 1)
    an = StaffMember.objects.get(code="GV-A-100")
    assert an.phone == "0987654321"
    change = StaffChange.objects.filter(staff=an, action="updated").get()
    assert change.changes == {"phone": ["0912345678", "0987654321"]}
    assert StaffMember.objects.get(code="GV-A-101").version == binh_version


def test_a_changed_unit_is_a_transfer_with_history(cast, tmp_path):
    run("import_staff", xlsx(tmp_path / "v1.xlsx", [person()]))

    status, result = run("import_staff", xlsx(tmp_path / "v2.xlsx", [person(unit="TB")]))

    assert (status, result["updated"]) == (0, 1)
    an = StaffMember.objects.get(code="GV-A-100")
    assert an.unit == cast.tree.school_b
    stays = list(an.assignments.order_by("pk").values_list("unit__code", "end_date"))
    assert stays[0][0] == "TA" and stays[0][1] is not None and stays[1] == ("TB", None)
    change = StaffChange.objects.get(staff=an, action="transferred")
    assert change.changes["unit"] == [cast.tree.school_a.name, cast.tree.school_b.name]


def test_the_unit_option_fills_rows_without_a_unit(cast, tmp_path):
    headers = [h for h in STAFF_HEADERS if h != "Mã đơn vị"]
    row = [v for h, v in zip(STAFF_HEADERS, person(), strict=True) if h != "Mã đơn vị"]
    path = xlsx(tmp_path / "no-unit.xlsx", [row], headers=headers)

    assert run("import_staff", path)[0] == 2
    status, result = run("import_staff", path, "--unit", "TB")

    assert (status, result["created"]) == (0, 1)
    assert StaffMember.objects.get(code="GV-A-100").unit == cast.tree.school_b


def test_a_dry_run_writes_nothing(cast, tmp_path):
    status, result = run("import_staff", xlsx(tmp_path / "ds.xlsx", [person()]), "--dry-run")

    assert (status, result["created"]) == (0, 1)
    assert not StaffMember.objects.filter(code="GV-A-100").exists()


def test_a_csv_in_utf8_with_a_bom_and_semicolons_is_read(cast, tmp_path):
    path = csv_file(
        tmp_path / "ds.csv", [person("GV-C-1", "Đặng Thuỳ Dương", gender="Nữ", cccd="001185000777")], delimiter=";"
    )

    status, result = run("import_staff", path)

    assert (status, result["created"]) == (0, 1)
    assert StaffMember.objects.get(code="GV-C-1").full_name == "Đặng Thuỳ Dương"


def test_headers_are_matched_without_case_diacritics_or_spacing(cast, tmp_path):
    headers = [
        "MA DINH DANH",
        " họ  và\u00a0tên",
        unicodedata.normalize("NFD", "Ngày sinh"),
        "gioi tinh",
        "So CCCD",
        "Mã Đơn Vị",
        "nhom",
        "Điện thoại",
        "Ghi chú",
    ]
    path = xlsx(tmp_path / "headers.xlsx", [[*person(), "extra column"]], headers=headers)

    assert run("import_staff", path)[1]["created"] == 1


def test_a_missing_required_column_makes_the_file_unusable(cast, tmp_path):
    headers = [h for h in STAFF_HEADERS if h != "Ngày sinh"]
    path = xlsx(tmp_path / "no-birth.xlsx", [person()[:2] + person()[3:]], headers=headers)

    status, result = run("import_staff", path)

    assert status == 2
    assert result["rows"] == 0 and len(result["errors"]) == 1 and result["errors"][0]["row"] == 0
    assert "Ngày sinh" in result["errors"][0]["message"]


def test_a_file_that_is_not_a_spreadsheet_is_unusable(cast, tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))

    assert run("import_staff", path)[0] == 2
    text = tmp_path / "notes.csv"
    text.write_text("just a note, not a table\n", encoding="utf-8")
    assert run("import_staff", text)[0] == 2


def test_a_person_outside_the_users_scope_is_not_updated(cast, tmp_path):
    from bdtx.staff.importing import import_staff

    path = xlsx(tmp_path / "b.xlsx", [person("GV-B-001", "Trần Văn Đức", cccd="012085000456", unit="TA")])

    outcome = import_staff(path, user=cast.principal_a)

    assert [(e["row"], e["column"]) for e in outcome.errors] == [(2, "Mã định danh")]
    assert StaffMember.objects.get(code="GV-B-001").unit == cast.tree.school_b


def test_a_unit_outside_the_users_scope_is_reported_as_unknown(cast, tmp_path):
    from bdtx.staff.importing import import_staff

    outcome = import_staff(xlsx(tmp_path / "x.xlsx", [person(unit="TB")]), user=cast.principal_a)

    assert outcome.errors[0]["column"] == "Mã đơn vị" and "TB" in outcome.errors[0]["message"]


def test_the_human_summary_lists_every_error(cast, tmp_path):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_staff", str(xlsx(tmp_path / "bad.xlsx", [person(unit="ZZZ")])), stdout=out)

    assert raised.value.returncode == 1
    assert "ZZZ" in out.getvalue() and "Mã đơn vị" in out.getvalue()
