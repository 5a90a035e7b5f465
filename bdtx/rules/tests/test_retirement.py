"""Retirement age and date (Bộ luật Lao động 2019 Điều 169 khoản 2, Nghị định 135/2020 Điều 3, 4, Phụ lục I) as
tables of cases. Every expected value is worked out by hand from the rule, never by calling the code:

- before 2021: nam 60, nữ 55; from 2021: nam 60y3m + 3 months a year up to 62 (2028), nữ 55y4m + 4 months a year
  up to 60 (2035); the age of the calendar year in which the person reaches it applies;
- the person reaches the age in month (birth month + age); retirement is the last day of that month.

Men's bands are 9 birth months, each reaching the age from April to December of its year; women's are 8, May to
December."""

import datetime as dt

import pytest

from bdtx.rules.retirement import gender_of, months_until, retirement_age, retirement_date, retirement_rule

D = dt.date


def case(birth: str, gender: str, age: tuple[int, int], retires: str, why: str):
    day, month, year = (int(part) for part in birth.split("/"))
    r_day, r_month, r_year = (int(part) for part in retires.split("/"))
    return pytest.param(D(year, month, day), gender, age, D(r_year, r_month, r_day), id=why)


CHECKPOINTS = [
    # Phụ lục I, as retirement.yaml lists them.
    case("01/01/1961", "nam", (60, 3), "30/04/2021", "nam 01/1961: 60y3m, reached 04/2021"),
    case("15/10/1961", "nam", (60, 6), "30/04/2022", "nam 10/1961: 60y6m, reached 04/2022"),
    case("10/04/1966", "nam", (62, 0), "30/04/2028", "nam 04/1966: 62, reached 04/2028"),
    case("01/01/1966", "nu", (55, 4), "31/05/2021", "nữ 01/1966: 55y4m, reached 05/2021"),
    case("20/08/1966", "nu", (55, 4), "31/12/2021", "nữ 08/1966: 55y4m, reached 12/2021"),
    case("01/09/1966", "nu", (55, 8), "31/05/2022", "nữ 09/1966: 55y8m, reached 05/2022"),
    case("30/04/1967", "nu", (55, 8), "31/12/2022", "nữ 04/1967: 55y8m, reached 12/2022"),
    case("05/05/1975", "nu", (60, 0), "31/05/2035", "nữ 05/1975: 60, reached 05/2035"),
]

MEN_BANDS = [
    # The last birth month of each band and the first of the next.
    case("31/12/1960", "nam", (60, 0), "31/12/2020", "nam 12/1960: 60 in 12/2020, the rule before 2021"),
    case("01/01/1961", "nam", (60, 3), "30/04/2021", "nam 01/1961: first of the 2021 band"),
    case("30/09/1961", "nam", (60, 3), "31/12/2021", "nam 09/1961: last of the 2021 band"),
    case("01/10/1961", "nam", (60, 6), "30/04/2022", "nam 10/1961: first of the 2022 band"),
    case("30/06/1962", "nam", (60, 6), "31/12/2022", "nam 06/1962: last of the 2022 band"),
    case("01/07/1962", "nam", (60, 9), "30/04/2023", "nam 07/1962: first of the 2023 band"),
    case("31/03/1963", "nam", (60, 9), "31/12/2023", "nam 03/1963: last of the 2023 band"),
    case("01/04/1963", "nam", (61, 0), "30/04/2024", "nam 04/1963: first of the 2024 band"),
    case("31/12/1963", "nam", (61, 0), "31/12/2024", "nam 12/1963: last of the 2024 band"),
    case("01/01/1964", "nam", (61, 3), "30/04/2025", "nam 01/1964: first of the 2025 band"),
    case("30/09/1964", "nam", (61, 3), "31/12/2025", "nam 09/1964: last of the 2025 band"),
    case("01/10/1964", "nam", (61, 6), "30/04/2026", "nam 10/1964: first of the 2026 band"),
    case("30/06/1965", "nam", (61, 6), "31/12/2026", "nam 06/1965: last of the 2026 band"),
    case("01/07/1965", "nam", (61, 9), "30/04/2027", "nam 07/1965: first of the 2027 band"),
    case("31/03/1966", "nam", (61, 9), "31/12/2027", "nam 03/1966: last of the 2027 band"),
    case("01/04/1966", "nam", (62, 0), "30/04/2028", "nam 04/1966: first to retire at 62"),
    case("01/05/1966", "nam", (62, 0), "31/05/2028", "nam 05/1966: 62, the roadmap's end holds on"),
]

WOMEN_BANDS = [
    case("31/12/1965", "nu", (55, 0), "31/12/2020", "nữ 12/1965: 55 in 12/2020, the rule before 2021"),
    case("01/01/1966", "nu", (55, 4), "31/05/2021", "nữ 01/1966: first of the 2021 band"),
    case("31/08/1966", "nu", (55, 4), "31/12/2021", "nữ 08/1966: last of the 2021 band"),
    case("01/09/1966", "nu", (55, 8), "31/05/2022", "nữ 09/1966: first of the 2022 band"),
    case("30/04/1967", "nu", (55, 8), "31/12/2022", "nữ 04/1967: last of the 2022 band"),
    case("01/05/1967", "nu", (56, 0), "31/05/2023", "nữ 05/1967: first of the 2023 band"),
    case("31/12/1967", "nu", (56, 0), "31/12/2023", "nữ 12/1967: last of the 2023 band"),
    case("01/01/1968", "nu", (56, 4), "31/05/2024", "nữ 01/1968: first of the 2024 band"),
    case("31/08/1968", "nu", (56, 4), "31/12/2024", "nữ 08/1968: last of the 2024 band"),
    case("01/09/1968", "nu", (56, 8), "31/05/2025", "nữ 09/1968: first of the 2025 band"),
    case("30/04/1969", "nu", (56, 8), "31/12/2025", "nữ 04/1969: last of the 2025 band"),
    case("01/05/1969", "nu", (57, 0), "31/05/2026", "nữ 05/1969: first of the 2026 band"),
    case("31/12/1969", "nu", (57, 0), "31/12/2026", "nữ 12/1969: last of the 2026 band"),
    case("01/01/1970", "nu", (57, 4), "31/05/2027", "nữ 01/1970: first of the 2027 band"),
    case("31/08/1970", "nu", (57, 4), "31/12/2027", "nữ 08/1970: last of the 2027 band"),
    case("01/09/1970", "nu", (57, 8), "31/05/2028", "nữ 09/1970: first of the 2028 band"),
    case("30/04/1971", "nu", (57, 8), "31/12/2028", "nữ 04/1971: last of the 2028 band"),
    case("01/05/1971", "nu", (58, 0), "31/05/2029", "nữ 05/1971: first of the 2029 band"),
    case("31/12/1971", "nu", (58, 0), "31/12/2029", "nữ 12/1971: last of the 2029 band"),
    case("01/01/1972", "nu", (58, 4), "31/05/2030", "nữ 01/1972: first of the 2030 band"),
    case("31/08/1972", "nu", (58, 4), "31/12/2030", "nữ 08/1972: last of the 2030 band"),
    case("01/09/1972", "nu", (58, 8), "31/05/2031", "nữ 09/1972: first of the 2031 band"),
    case("30/04/1973", "nu", (58, 8), "31/12/2031", "nữ 04/1973: last of the 2031 band"),
    case("01/05/1973", "nu", (59, 0), "31/05/2032", "nữ 05/1973: first of the 2032 band"),
    case("31/12/1973", "nu", (59, 0), "31/12/2032", "nữ 12/1973: last of the 2032 band"),
    case("01/01/1974", "nu", (59, 4), "31/05/2033", "nữ 01/1974: first of the 2033 band"),
    case("31/08/1974", "nu", (59, 4), "31/12/2033", "nữ 08/1974: last of the 2033 band"),
    case("01/09/1974", "nu", (59, 8), "31/05/2034", "nữ 09/1974: first of the 2034 band"),
    case("30/04/1975", "nu", (59, 8), "31/12/2034", "nữ 04/1975: last of the 2034 band"),
    case("01/05/1975", "nu", (60, 0), "31/05/2035", "nữ 05/1975: first to retire at 60"),
]

OTHERS = [
    case("20/05/1959", "nam", (60, 0), "31/05/2019", "nam 05/1959: 60 in 05/2019, before the roadmap"),
    case("15/03/1962", "nu", (55, 0), "31/03/2017", "nữ 03/1962: 55 in 03/2017, before the roadmap"),
    case("02/01/1930", "nam", (60, 0), "31/01/1990", "nam born long before 1961"),
    case("09/09/1920", "nu", (55, 0), "30/09/1975", "nữ born long before 1966"),
    # A birth on the 31st: 31/01/1961 + 60y3m is "31/04/2021", which does not exist; only the month counts.
    case("31/01/1961", "nam", (60, 3), "30/04/2021", "nam born on the 31st, reaching the age in a 30-day month"),
    case("31/07/1972", "nu", (58, 4), "30/11/2030", "nữ born on the 31st, reaching the age in November"),
    # 29/02: the month counts, so the age is reached in a February whatever its length.
    case("29/02/1964", "nam", (61, 3), "31/05/2025", "nam born on 29/02/1964: 61y3m, reached 05/2025"),
    case("29/02/1968", "nu", (56, 4), "30/06/2024", "nữ born on 29/02/1968: 56y4m, reached 06/2024"),
    case("29/02/1972", "nu", (58, 4), "30/06/2030", "nữ born on 29/02/1972: 58y4m, reached 06/2030"),
    case("29/02/1980", "nam", (62, 0), "28/02/2042", "nam born on 29/02/1980: 62 in 02/2042, not a leap year"),
    case("29/02/1976", "nu", (60, 0), "29/02/2036", "nữ born on 29/02/1976: 60 in 02/2036, a leap year"),
    # Long after the roadmap: the last step holds.
    case("14/06/1990", "nam", (62, 0), "30/06/2052", "nam born 1990: 62"),
    case("01/12/1995", "nu", (60, 0), "31/12/2055", "nữ born 1995: 60"),
    case("01/12/2000", "nam", (62, 0), "31/12/2062", "nam born 2000: 62, reached in December"),
]


@pytest.mark.parametrize(("birth", "gender", "age", "retires"), CHECKPOINTS + MEN_BANDS + WOMEN_BANDS + OTHERS)
def test_the_age_and_the_date_follow_the_decree(birth, gender, age, retires):
    assert (retirement_age(birth, gender), retirement_date(birth, gender)) == (age, retires)


def test_every_birth_month_of_the_roadmap_retires_in_the_year_of_its_age():
    """Bands cover every birth month once: the retirement month never goes back as the birth month goes on,
    and each retirement falls in the calendar year whose age was applied (nam: 9 months a band, nữ: 8)."""
    for gender, first, last, band in (("nam", 1961, 1966, 9), ("nu", 1966, 1975, 8)):
        dates = [
            retirement_date(D(year, month, 1), gender) for year in range(first, last + 1) for month in range(1, 13)
        ]
        assert dates == sorted(dates)
        per_year: dict[int, int] = {}
        for retires in dates:
            per_year[retires.year] = per_year.get(retires.year, 0) + 1
        roadmap_years = [year for year in per_year if 2021 <= year < (2028 if gender == "nam" else 2035)]
        assert {per_year[year] for year in roadmap_years} == {band}


@pytest.mark.parametrize(
    ("retires", "day", "months"),
    [
        pytest.param(D(2028, 4, 30), D(2020, 7, 1), 94, id="from 01/07/2020 to 30/04/2028: 7 years 10 months"),
        pytest.param(D(2027, 6, 30), D(2020, 7, 1), 84, id="exactly 7 years (84 months) from 01/07/2020"),
        pytest.param(D(2027, 5, 31), D(2020, 7, 1), 83, id="one month short of 84"),
        pytest.param(D(2021, 5, 31), D(2020, 7, 1), 11, id="from 01/07/2020 to 31/05/2021: 11 months"),
        pytest.param(D(2028, 4, 30), D(2020, 7, 15), 93, id="from mid-month the part month does not count"),
        pytest.param(D(2020, 6, 30), D(2020, 7, 1), 0, id="already retired the day before: none left"),
        pytest.param(D(2019, 5, 31), D(2020, 7, 1), 0, id="retired a year before: none left, never negative"),
    ],
)
def test_months_until_counts_whole_months_left(retires, day, months):
    assert months_until(retires, day) == months


@pytest.mark.parametrize(
    ("typed", "code"),
    [("Nam", "nam"), ("NAM", "nam"), (" nam ", "nam"), ("Nữ", "nu"), ("nữ", "nu"), ("NỮ", "nu"), ("nu", "nu")]
    + [("Nu\u0303", "nu"), ("Khác", None), ("", None), ("male", None)],
)
def test_gender_is_read_without_case_or_diacritics(typed, code):
    assert gender_of(typed) == code


def test_an_unknown_gender_is_refused_by_the_rule():
    with pytest.raises(ValueError, match="gender"):
        retirement_date(D(1970, 1, 1), "x")


def test_the_rule_file_keeps_its_sources_and_what_is_unconfirmed():
    rule = retirement_rule()
    assert rule.code == "blld2019"
    assert "Điều 169" in rule.document and "135/2020" in rule.document
    assert rule.unconfirmed and rule.not_covered
    assert rule.age_in("nam", 2020) == 60 * 12 and rule.age_in("nu", 2099) == 60 * 12
