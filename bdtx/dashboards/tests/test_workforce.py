"""The standard of Luật Giáo dục 2019 Điều 72 and the upgrade duty of Nghị định 71/2020 Điều 2, as tables of cases.

Months left are counted from 01/07/2020 to the retirement date (the last day of the month the person reaches the
retirement age of Bộ luật Lao động 2019 Điều 169 / Nghị định 135/2020)."""

import datetime as dt

import pytest

from bdtx.dashboards import workforce


@pytest.mark.parametrize(
    ("qualification", "levels", "verdict"),
    [
        ("cao_dang", "mam_non", "meets"),  # a) cao đẳng sư phạm trở lên
        ("trung_cap", "mam_non", "below"),
        ("dai_hoc", "mam_non", "meets"),
        ("cao_dang", "tieu_hoc", "below"),  # b) cử nhân trở lên
        ("dai_hoc", "tieu_hoc", "meets"),
        ("thac_si", "thcs", "meets"),
        ("cao_dang", "thpt", "below"),
        ("cao_dang", "mam_non,tieu_hoc", "below"),  # two levels: the stricter standard
        ("", "tieu_hoc", "not_recorded"),
        ("dai_hoc", "gdtx", "no_standard"),  # the law names no standard for continuing education as such
        ("dai_hoc", "", "no_standard"),
    ],
)
def test_the_standard_of_article_72_per_level(qualification, levels, verdict):
    assert workforce.standard_verdict(qualification, levels) == verdict


@pytest.mark.parametrize(
    ("qualification", "levels", "birth", "gender", "joined", "verdict"),
    [
        # Preschool, below cao đẳng: must upgrade with at least 84 months left.
        ("trung_cap", "mam_non", dt.date(1980, 3, 1), "nu", None, "must"),  # retires 31/03/2040: 237 months
        ("trung_cap", "mam_non", dt.date(1970, 2, 1), "nu", None, "must"),  # retires 30/06/2027: exactly 84
        ("trung_cap", "mam_non", dt.date(1969, 10, 1), "nu", None, "exempt"),  # retires 31/10/2026: 76
        # Primary: 96 months with trung cấp, 84 with cao đẳng.
        ("cao_dang", "tieu_hoc", dt.date(1970, 2, 1), "nu", None, "must"),  # 84 ≥ 84
        ("trung_cap", "tieu_hoc", dt.date(1970, 2, 1), "nu", None, "exempt"),  # 84 < 96
        ("trung_cap", "tieu_hoc", dt.date(1966, 1, 15), "nam", None, "exempt"),  # retires 31/10/2027: 88 < 96
        ("cao_dang", "tieu_hoc", dt.date(1966, 1, 15), "nam", None, "must"),  # 88 ≥ 84
        ("duoi_trung_cap", "tieu_hoc", dt.date(1966, 1, 15), "nam", None, "exempt"),  # counted as trung cấp
        # Lower secondary: 84 months.
        ("cao_dang", "thcs", dt.date(1966, 1, 15), "nam", None, "must"),
        ("cao_dang", "thcs", dt.date(1964, 5, 10), "nam", None, "exempt"),  # retires 31/08/2025: 62
        # Not the decree's.
        ("dai_hoc", "tieu_hoc", dt.date(1980, 1, 1), "nu", None, None),  # meets the standard
        ("cao_dang", "thpt", dt.date(1980, 1, 1), "nu", None, "not_covered"),  # upper secondary
        ("cao_dang", "mam_non,thpt", dt.date(1980, 1, 1), "nu", None, "not_covered"),  # below THPT's only
        ("cao_dang", "tieu_hoc,thpt", dt.date(1980, 1, 1), "nu", None, "must"),  # below primary's too
        ("trung_cap", "mam_non", dt.date(1995, 1, 1), "nu", dt.date(2021, 9, 1), "hired_after"),
        ("trung_cap", "mam_non", dt.date(1995, 1, 1), "nu", dt.date(2020, 7, 1), "must"),  # in post on the day
        ("trung_cap", "mam_non", dt.date(1995, 1, 1), "", None, "unknown"),  # no gender: no retirement date
        ("", "mam_non", dt.date(1995, 1, 1), "nu", None, None),  # no degree recorded: not known to be below
    ],
)
def test_who_must_upgrade_under_decree_71(qualification, levels, birth, gender, joined, verdict):
    found = workforce.upgrade_verdict(
        qualification=qualification, levels=levels, birth=birth, gender=gender, joined_on=joined
    )
    assert found == verdict


@pytest.mark.parametrize(
    ("birth", "gender", "school_year"),
    [
        (dt.date(1964, 5, 10), "nam", 2025),  # 31/08/2025
        (dt.date(1966, 1, 15), "Nam", 2027),  # 31/10/2027
        (dt.date(1969, 10, 1), "nu", 2026),  # 31/10/2026
        (dt.date(1970, 2, 1), "Nữ", 2026),  # 30/06/2027: still school year 2026-2027
        (dt.date(1980, 3, 1), "nu", 2039),  # 31/03/2040
        (dt.date(1980, 3, 1), "", None),
        (None, "nu", None),
    ],
)
def test_the_school_year_of_a_retirement(birth, gender, school_year):
    assert workforce.retirement_year(birth, gender) == school_year


def test_the_rule_file_keeps_its_source_and_thresholds():
    rules = workforce.qualification_rules()
    assert rules.reference_date == dt.date(2020, 7, 1)
    assert rules.months_left["tieu_hoc"] == {"trung_cap": 96, "cao_dang": 84, "default": 96}
    assert rules.standard["mam_non"] == "cao_dang"
