import pytest

from bdtx.organisations.importing import import_units, parse_kind
from bdtx.organisations.models import Unit, UnitMove

from .helpers import UNIT_HEADERS, run, xlsx

pytestmark = pytest.mark.django_db


def units_file(tmp_path, rows, name="units.xlsx"):
    return xlsx(tmp_path / name, rows, headers=UNIT_HEADERS)


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("Sở GDĐT", "department"),
        ("Phòng GDĐT", "district_office"),
        ("UBND phường", "commune"),
        ("UBND xã Nậm Nhùn", "commune"),
        ("Trường THCS", "school"),
        ("trường", "school"),
        ("Trung tâm GDNN-GDTX", "continuing_centre"),
        ("Bộ GDĐT", "ministry"),
        ("Khác", "other"),
    ],
)
def test_unit_kinds_are_matched_leniently(typed, kind):
    assert parse_kind(typed) == kind


def test_units_are_created_with_parents_that_come_after_their_children(cast, tmp_path):
    path = units_file(
        tmp_path,
        [
            ["TC1", "Trường Tiểu học Nậm Loỏng", "Trường", "XN", "Tiểu học, THCS"],
            ["XN", "UBND xã Nậm Loỏng", "UBND xã", "SO", ""],
        ],
    )

    status, result = run("import_units", path)

    assert (status, result) == (0, {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": []})
    school = Unit.objects.get(code="TC1")
    assert (school.parent.code, school.kind, school.levels) == ("XN", "school", "tieu_hoc,thcs")
    assert school.is_within(cast.tree.province)


def test_reimporting_units_changes_nothing_and_a_new_parent_is_a_move(cast, tmp_path):
    rows = [["TC1", "Trường Tiểu học Nậm Loỏng", "Trường", "PA", "Tiểu học"]]
    run("import_units", units_file(tmp_path, rows))
    assert run("import_units", units_file(tmp_path, rows))[1]["unchanged"] == 1

    status, result = run(
        "import_units",
        units_file(tmp_path, [["TC1", "Trường Tiểu học Nậm Loỏng", "Trường", "SO", "Tiểu học"]], name="moved.xlsx"),
    )

    assert (status, result["updated"]) == (0, 1)
    school = Unit.objects.get(code="TC1")
    assert school.parent == cast.tree.province and school.path == f"{cast.tree.province.path}{school.pk}/"
    assert UnitMove.objects.get(unit=school).old_parent == cast.tree.commune


def test_a_loop_of_parents_is_refused(cast, tmp_path):
    path = units_file(tmp_path, [["X1", "Đơn vị 1", "Khác", "X2", ""], ["X2", "Đơn vị 2", "Khác", "X1", ""]])

    status, result = run("import_units", path)

    assert status == 1
    assert {e["column"] for e in result["errors"]} == {"Mã đơn vị cấp trên"}
    assert not Unit.objects.filter(code__in=["X1", "X2"]).exists()


def test_moving_a_unit_under_its_own_school_is_a_loop(cast, tmp_path):
    status, result = run(
        "import_units", units_file(tmp_path, [["PA", "UBND phường Tân Phong", "UBND phường", "TA", ""]])
    )

    assert status == 1 and result["errors"][0]["column"] == "Mã đơn vị cấp trên"


def test_unknown_parents_bad_kinds_and_duplicates_are_reported(cast, tmp_path):
    path = units_file(
        tmp_path,
        [
            ["N1", "Trường 1", "Nhà máy", "SO", ""],
            ["N2", "Trường 2", "Trường", "NOPE", ""],
            ["N3", "Trường 3", "Trường", "SO", ""],
            ["N3", "Trường 3 bis", "Trường", "SO", ""],
        ],
    )

    status, result = run("import_units", path)

    assert status == 1
    assert [(e["row"], e["column"]) for e in result["errors"]] == [
        (2, "Loại đơn vị"),
        (3, "Mã đơn vị cấp trên"),
        (5, "Mã đơn vị"),
    ]
    assert "NOPE" in result["errors"][1]["message"]


def test_a_missing_unit_name_column_makes_the_file_unusable(cast, tmp_path):
    path = xlsx(tmp_path / "u.xlsx", [["N1", "SO"]], headers=["Mã đơn vị", "Mã đơn vị cấp trên"])

    assert run("import_units", path)[0] == 2


def test_a_principal_cannot_add_units_and_an_officer_only_below_their_own(cast, tmp_path):
    path = units_file(tmp_path, [["N1", "Trường mới", "Trường", "PA", ""]])

    assert import_units(path, user=cast.principal_a).errors[0]["column"] == "Mã đơn vị cấp trên"
    assert (
        import_units(
            units_file(tmp_path, [["PA", "Đổi tên", "UBND phường", "SO", ""]], name="pa.xlsx"), user=cast.local
        ).errors[0]["column"]
        == "Mã đơn vị"
    )
    outcome = import_units(path, user=cast.local)
    assert (outcome.errors, outcome.created) == ([], 1)
    assert Unit.objects.get(code="N1").parent == cast.tree.commune
