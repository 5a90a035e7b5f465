"""Which standard rates a person: group, levels (their own, else their unit's) and position, on a day."""

import datetime as dt

import pytest

from bdtx.rules.models import Standard
from bdtx.rules.standards import matches, standard_for
from bdtx.testing import make_staff, make_unit

TT20 = {"groups": ["teacher"], "levels": ["tieu_hoc", "thcs", "thpt"]}
TT26 = {"groups": ["teacher"], "levels": ["mam_non"]}
TT14 = {"groups": ["manager"], "position_keywords": ["hieu truong"], "levels": ["tieu_hoc", "thcs", "thpt"]}
TT25 = {"groups": ["manager"], "position_keywords": ["hieu truong"], "levels": ["mam_non"]}


@pytest.mark.parametrize(
    ("applies_to", "group", "levels", "position", "expected"),
    [
        (TT20, "teacher", ["tieu_hoc"], "", True),
        (TT20, "teacher", ["thcs", "thpt"], "Tổ trưởng", True),
        (TT20, "teacher", ["mam_non"], "", False),
        (TT20, "teacher", ["gdtx"], "", False),
        (TT20, "teacher", [], "", False),
        (TT20, "manager", ["thpt"], "Hiệu trưởng", False),
        (TT20, "employee", ["thpt"], "Kế toán", False),
        (TT26, "teacher", ["mam_non"], "", True),
        (TT26, "teacher", ["tieu_hoc"], "", False),
        (TT14, "manager", ["thpt"], "Hiệu trưởng", True),
        (TT14, "manager", ["tieu_hoc"], "Phó Hiệu trưởng", True),
        (TT14, "manager", ["thcs"], "PHÓ HIỆU TRƯỞNG", True),
        (TT14, "manager", ["thcs"], "pho hieu truong", True),
        (TT14, "manager", ["thcs"], "Hiệu  trưởng", True),
        (TT14, "manager", ["thcs"], "Tổ trưởng chuyên môn", False),
        (TT14, "manager", ["thcs"], "", False),
        (TT14, "teacher", ["thcs"], "Hiệu trưởng", False),
        (TT14, "manager", ["mam_non"], "Hiệu trưởng", False),
        (TT25, "manager", ["mam_non"], "Hiệu trưởng", True),
        (TT25, "manager", ["mam_non"], "Phó hiệu trưởng", True),
        (TT25, "manager", ["tieu_hoc"], "Hiệu trưởng", False),
        ({}, "teacher", ["tieu_hoc"], "", False),
    ],
)
def test_matches_follows_group_levels_and_position(applies_to, group, levels, position, expected):
    assert matches(applies_to, group, levels, position) is expected


@pytest.fixture
def schools(db):
    return {
        "preschool": make_unit("MN", "Trường Mầm non Hoa Sen", levels="mam_non"),
        "primary": make_unit("TH", "Trường Tiểu học Kim Đồng", levels="tieu_hoc"),
        "centre": make_unit("TT", "Trung tâm GDTX", kind="continuing_centre", levels="gdtx"),
    }


@pytest.mark.parametrize(
    ("school", "values", "expected"),
    [
        ("primary", {}, "tt20-2018"),
        ("preschool", {}, "tt26-2018"),
        ("primary", {"levels": "mam_non"}, "tt26-2018"),  # the person's own levels come before the unit's
        ("primary", {"group": "manager", "position": "Hiệu trưởng"}, "tt14-2018"),
        ("preschool", {"group": "manager", "position": "Phó Hiệu trưởng"}, "tt25-2018"),
        ("primary", {"group": "manager", "position": "Tổ trưởng"}, None),
        ("primary", {"group": "employee", "position": "Văn thư"}, None),
        ("centre", {}, None),
    ],
)
def test_standard_for_picks_the_standard_of_the_person(standards, schools, school, values, expected):
    member = make_staff(schools[school], "Lê Thị Mai", **values)
    found = standard_for(member, dt.date(2025, 9, 1))
    assert (found.code if found else None) == expected


def test_no_standard_applies_before_it_is_valid(standards, schools):
    member = make_staff(schools["primary"], "Lê Thị Mai")
    assert standard_for(member, dt.date(2018, 10, 9)) is None
    assert standard_for(member, dt.date(2018, 10, 10)).code == "tt20-2018"


def test_a_standard_replaced_on_a_day_no_longer_applies_after_it(standards, schools):
    Standard.objects.filter(code="tt20-2018").update(valid_until=dt.date(2026, 8, 31))
    member = make_staff(schools["primary"], "Lê Thị Mai")
    assert standard_for(member, dt.date(2026, 8, 31)).code == "tt20-2018"
    assert standard_for(member, dt.date(2026, 9, 1)) is None


def test_standards_loaded_once_decide_for_many_people_without_queries(standards, schools, django_assert_num_queries):
    people = [make_staff(schools["primary"], f"Người {n}") for n in range(3)]
    loaded = list(Standard.objects.all())
    with django_assert_num_queries(0):
        codes = [standard_for(person, dt.date(2025, 9, 1), standards=loaded).code for person in people]
    assert codes == ["tt20-2018"] * 3
