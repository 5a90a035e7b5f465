import pytest

from bdtx.organisations.models import Unit, UnitKind, UnitMove
from bdtx.organisations.services import TreeError, move_unit
from bdtx.testing import make_unit


@pytest.fixture
def old_structure(db):
    """The 2020 structure: Sở → Phòng GDĐT → school, about to become Sở → UBND xã → school."""
    so = make_unit("SO", kind=UnitKind.DEPARTMENT)
    phong = make_unit("PHONG", parent=so, kind=UnitKind.DISTRICT_OFFICE)
    school = make_unit("T1", parent=phong, levels="tieu_hoc")
    classroom_site = make_unit("T1-DIEM", parent=school, kind=UnitKind.OTHER)
    commune = make_unit("XA", parent=so, kind=UnitKind.COMMUNE)
    return so, phong, school, classroom_site, commune


def test_a_new_unit_gets_the_path_of_its_ancestors(old_structure):
    so, phong, school, *_ = old_structure
    assert school.path == f"/{so.pk}/{phong.pk}/{school.pk}/"
    assert school.depth == 2
    assert [u.code for u in school.ancestors()] == ["SO", "PHONG"]


def test_a_subtree_query_finds_the_unit_and_everything_below_it(old_structure):
    so, phong, *_ = old_structure
    assert sorted(Unit.objects.within(phong).values_list("code", flat=True)) == ["PHONG", "T1", "T1-DIEM"]
    assert Unit.objects.within(so).count() == 5


def test_moving_a_school_moves_its_subtree_and_keeps_the_history(old_structure):
    so, phong, school, site, commune = old_structure
    move_unit(school, commune, note="Chính quyền hai cấp 2025")
    site.refresh_from_db()
    assert site.path == f"/{so.pk}/{commune.pk}/{school.pk}/{site.pk}/"
    assert site.depth == 3
    assert list(Unit.objects.within(phong).values_list("code", flat=True)) == ["PHONG"]
    move = UnitMove.objects.get(unit=school)
    assert (move.old_parent, move.new_parent, move.note) == (phong, commune, "Chính quyền hai cấp 2025")


def test_a_unit_cannot_be_moved_under_its_own_subtree(old_structure):
    _, phong, school, *_ = old_structure
    with pytest.raises(TreeError):
        move_unit(phong, school)
