import datetime as dt

import pytest
from django.utils import translation

from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.staff.validation import citizen_id, citizen_id_problems, validate_row


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("05/09/1985", dt.date(1985, 9, 5)),
        ("5/9/85", dt.date(1985, 9, 5)),
        ("5-9-1985", dt.date(1985, 9, 5)),
        ("05.09.1985", dt.date(1985, 9, 5)),
        ("1985-09-05", dt.date(1985, 9, 5)),
        ("1985-09-05 00:00:00", dt.date(1985, 9, 5)),
        (31295, dt.date(1985, 9, 5)),  # Excel serial number
        (31295.0, dt.date(1985, 9, 5)),
        ("31295", dt.date(1985, 9, 5)),
        (dt.datetime(1985, 9, 5, 0, 0), dt.date(1985, 9, 5)),  # a date cell
        (" 05/09/1985\u00a0", dt.date(1985, 9, 5)),
        ("5/9/03", dt.date(2003, 9, 5)),
    ],
)
def test_dates_are_read_in_every_form_people_type(typed, expected):
    assert cells.date(typed) == expected


@pytest.mark.parametrize("typed", ["31/02/1985", "05/13/1985", "ngày 5 tháng 9", "1985"])
def test_impossible_dates_are_refused_with_the_expected_form(typed):
    with pytest.raises(Invalid, match="dd/mm/yyyy"):
        cells.date(typed)


def test_a_date_in_the_future_is_refused():
    with pytest.raises(Invalid, match="future"):
        cells.date("01/01/2999")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        (912345678, "0912345678"),  # a number cell lost the leading zero
        ("0213.3876.543", "02133876543"),
    ],
)
def test_vietnamese_phone_numbers_are_normalised(typed, expected):
    assert cells.phone(typed) == expected


@pytest.mark.parametrize("typed", ["12345", "0112345678", "091234567a"])
def test_bad_phone_numbers_are_refused(typed):
    with pytest.raises(Invalid, match="phone"):
        cells.phone(typed)


def test_a_citizen_id_typed_as_a_number_gets_its_leading_zeros_back():
    assert citizen_id(1185000123) == "001185000123"
    assert citizen_id(12185000123.0) == "012185000123"


@pytest.mark.parametrize("typed", ["01218500012", "0121850001234", "01218500012x"])
def test_a_citizen_id_of_the_wrong_length_or_with_letters_is_refused(typed):
    with pytest.raises(Invalid):
        citizen_id(typed)


@pytest.mark.parametrize(
    ("number", "birth", "gender", "problem"),
    [
        ("012185000123", dt.date(1985, 9, 5), "nu", None),
        ("012085000123", dt.date(1985, 9, 5), "nam", None),
        ("012203000123", dt.date(2003, 1, 1), "nu", "4th digit"),  # a woman born in 2003 has 3
        ("012085000123", dt.date(1985, 9, 5), "nu", "4th digit"),  # 0 is a man born in the 1900s
        ("012186000123", dt.date(1985, 9, 5), "nu", "Digits 5–6"),
        ("003185000123", dt.date(1985, 9, 5), "nu", "province code"),  # 003 is not a province
        ("067185000123", dt.date(1985, 9, 5), "nu", None),  # Đắk Nông: merged in 2025, still valid
    ],
)
def test_citizen_id_structure_agrees_with_birth_date_gender_and_province(number, birth, gender, problem):
    problems = citizen_id_problems(number, birth, gender)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]


def row(**overrides):
    values = {
        "code": "GV001",
        "full_name": "NGUYỄN  THỊ\u00a0HOÀ",
        "birth_date": "05/09/1985",
        "gender": "Nữ",
        "citizen_id": "012185000123",
        "unit_code": "TA",
        "group": "giao vien",
        "levels": "Tiểu học, THCS",
        "qualification": "ĐHSP",
        "is_core": "x",
        "status": "",
    }
    return values | overrides


def test_a_good_row_is_read_into_clean_values():
    values, errors = validate_row(row())
    assert errors == []
    assert values["full_name"] == "Nguyễn Thị Hoà"
    assert values["levels"] == "tieu_hoc,thcs"
    assert values["qualification"] == "dai_hoc"
    assert values["is_core"] is True
    assert values["group"] == "teacher"


def test_a_row_reports_every_bad_field_by_its_column_header():
    _, errors = validate_row(row(full_name="", gender="Khác", birth_date="30/02/1990"))
    columns = [column for column, _ in errors]
    assert columns == ["Họ và tên", "Ngày sinh", "Giới tính"]


def test_a_person_under_eighteen_is_refused():
    _, errors = validate_row(row(birth_date="01/01/2020", citizen_id=""))
    assert errors and errors[0][0] == "Ngày sinh" and "at least 18" in errors[0][1]


def test_a_working_person_past_working_age_is_refused_but_a_retired_one_is_kept():
    old = row(birth_date="01/01/1950", citizen_id="")
    assert validate_row(old)[1][0][0] == "Ngày sinh"
    assert validate_row(old | {"status": "Nghỉ hưu"})[1] == []


def test_joining_the_sector_before_fifteen_is_refused():
    _, errors = validate_row(row(joined_on="01/09/1990"))
    assert errors == [("Ngày vào ngành", errors[0][1])]
