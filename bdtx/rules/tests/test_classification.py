"""The overall rating under each 2018 standard, as tables of cases from Điều 10 khoản 2 of each circular,
with every boundary: exactly 2/3 at a level against one fewer, one core criterion a level short, one
criterion Chưa đạt, all Đạt; and TT 14's own Đạt / Chưa đạt rule."""

import pytest

from bdtx.rules import rulefiles
from bdtx.rules.classification import RuleError, check_levels, classify, parse_levels

RULES = {code: rulefiles.bundled(code) for code in ("tt20-2018", "tt26-2018", "tt14-2018", "tt25-2018")}


def levels(total: int, rest: str, **at: list[int]) -> dict[int, str]:
    """Every criterion at `rest`, except the numbers listed under a level: levels(15, "kha", tot=[1, 2])."""
    result = dict.fromkeys(range(1, total + 1), rest)
    for level, numbers in at.items():
        for number in numbers:
            result[number] = level
    return result


def rate(code: str, given: dict[int, str]) -> str:
    rule_file = RULES[code]
    return classify(rule_file.standard["classification"], given, rule_file.standard["criteria_count"])


TT20_CORE = [3, 4, 5, 6, 7]
TT20_OTHERS = [1, 2, 8, 9, 10, 11, 12, 13, 14, 15]

TT20 = [
    ("every criterion Tốt", levels(15, "tot"), "tot"),
    ("exactly 10 of 15 Tốt with the core, the rest Khá", levels(15, "kha", tot=TT20_CORE + [1, 2, 8, 9, 10]), "tot"),
    ("9 of 15 Tốt with the core, the rest Khá", levels(15, "kha", tot=TT20_CORE + [1, 2, 8, 9]), "kha"),
    ("10 Tốt but core criterion 3 only Khá", levels(15, "kha", tot=[4, 5, 6, 7, 1, 2, 8, 9, 10, 11]), "kha"),
    ("14 Tốt and one criterion Đạt", levels(15, "tot", dat=[15]), "kha"),
    ("every criterion Khá", levels(15, "kha"), "kha"),
    ("exactly 10 of 15 Khá with the core, the rest Đạt", levels(15, "dat", kha=TT20_CORE + [1, 2, 8, 9, 10]), "kha"),
    ("9 of 15 Khá with the core, the rest Đạt", levels(15, "dat", kha=TT20_CORE + [1, 2, 8, 9]), "dat"),
    ("every criterion Khá but core criterion 7 Đạt", levels(15, "kha", dat=[7]), "dat"),
    ("every criterion Đạt", levels(15, "dat"), "dat"),
    ("every criterion Tốt but one Chưa đạt", levels(15, "tot", chua_dat=[15]), "chua_dat"),
    ("every criterion Chưa đạt", levels(15, "chua_dat"), "chua_dat"),
]

TT26_CORE = [1, 3, 4, 5, 6, 7, 8, 9]
TT26 = [
    ("every criterion Tốt", levels(15, "tot"), "tot"),
    ("exactly 10 of 15 Tốt with the core, the rest Khá", levels(15, "kha", tot=TT26_CORE + [2, 10]), "tot"),
    ("9 of 15 Tốt with the core, the rest Khá", levels(15, "kha", tot=TT26_CORE + [2]), "kha"),
    ("11 Tốt but core criterion 1 only Khá", levels(15, "kha", tot=[3, 4, 5, 6, 7, 8, 9, 2, 10, 11, 12]), "kha"),
    ("10 Tốt, core criterion 9 Khá (criterion 2, not core, Tốt)", levels(15, "tot", kha=[9, 11, 12, 13, 14]), "kha"),
    ("exactly 10 of 15 Khá with the core, the rest Đạt", levels(15, "dat", kha=TT26_CORE + [2, 10]), "kha"),
    ("9 of 15 Khá with the core, the rest Đạt", levels(15, "dat", kha=TT26_CORE + [2]), "dat"),
    ("every criterion Tốt but core criterion 4 Đạt", levels(15, "tot", dat=[4]), "dat"),
    ("every criterion Đạt", levels(15, "dat"), "dat"),
    ("every criterion Tốt but one Chưa đạt", levels(15, "tot", chua_dat=[2]), "chua_dat"),
]

TT14_CORE = [1, 2, 4, 5, 6, 8, 10, 12, 13, 14]
TT14_OTHERS = [3, 7, 9, 11, 15, 16, 17, 18]
TT14 = [
    ("every criterion Tốt", levels(18, "tot"), "tot"),
    ("exactly 12 of 18 Tốt with the core, the rest Khá", levels(18, "kha", tot=TT14_CORE + [3, 7]), "tot"),
    ("11 of 18 Tốt with the core, the rest Khá", levels(18, "kha", tot=TT14_CORE + [3]), "kha"),
    ("12 Tốt but core criterion 14 only Khá", levels(18, "kha", tot=[1, 2, 4, 5, 6, 8, 10, 12, 13, 3, 7, 9]), "kha"),
    ("exactly 12 of 18 Khá with the core, the rest Đạt", levels(18, "dat", kha=TT14_CORE + [3, 7]), "kha"),
    ("11 of 18 Khá with the core, the rest Đạt", levels(18, "dat", kha=TT14_CORE + [3]), "dat"),
    ("every criterion Khá but core criterion 2 Đạt", levels(18, "kha", dat=[2]), "dat"),
    ("every criterion Đạt", levels(18, "dat"), "dat"),
    # Đạt: at least 2/3 of the criteria at Đạt or above, the core criteria among them (EN source only).
    ("exactly 12 of 18 at Đạt with the core, 6 Chưa đạt", levels(18, "dat", chua_dat=[7, 9, 11, 15, 16, 17]), "dat"),
    ("every criterion Tốt but one non-core Chưa đạt", levels(18, "tot", chua_dat=[18]), "dat"),
    # Chưa đạt: more than 1/3 of the criteria not met, or a core criterion not met.
    ("11 of 18 at Đạt, 7 Chưa đạt", levels(18, "dat", chua_dat=[3, 7, 9, 11, 15, 16, 17]), "chua_dat"),
    ("every criterion Tốt but core criterion 1 Chưa đạt", levels(18, "tot", chua_dat=[1]), "chua_dat"),
    ("every criterion Tốt but core criterion 14 Chưa đạt", levels(18, "tot", chua_dat=[14]), "chua_dat"),
    ("every criterion Chưa đạt", levels(18, "chua_dat"), "chua_dat"),
]

TT25_CORE = [1, 4, 5, 6, 7, 9, 11, 13, 14, 15]
TT25 = [
    ("every criterion Tốt", levels(15, "tot"), "tot"),
    ("exactly the 10 core criteria Tốt, the rest Khá", levels(15, "kha", tot=TT25_CORE), "tot"),
    ("9 core criteria Tốt (15 Khá), the rest Khá", levels(15, "kha", tot=[1, 4, 5, 6, 7, 9, 11, 13, 14]), "kha"),
    ("10 Tốt but core criterion 15 only Khá", levels(15, "kha", tot=[1, 4, 5, 6, 7, 9, 11, 13, 14, 2]), "kha"),
    ("exactly the 10 core criteria Khá, the rest Đạt", levels(15, "dat", kha=TT25_CORE), "kha"),
    ("9 of 15 Khá, core criterion 1 Đạt", levels(15, "dat", kha=[4, 5, 6, 7, 9, 11, 13, 14, 15]), "dat"),
    ("every criterion Đạt", levels(15, "dat"), "dat"),
    ("every criterion Tốt but one Chưa đạt", levels(15, "tot", chua_dat=[2]), "chua_dat"),
]

CASES = [
    pytest.param(code, given, expected, id=f"{code}: {name}")
    for code, table in (("tt20-2018", TT20), ("tt26-2018", TT26), ("tt14-2018", TT14), ("tt25-2018", TT25))
    for name, given, expected in table
]


@pytest.mark.parametrize(("code", "given", "expected"), CASES)
def test_the_overall_rating_follows_the_circular(code, given, expected):
    assert rate(code, given) == expected


def test_each_table_covers_every_overall_rating():
    for table in (TT20, TT26, TT14, TT25):
        assert {expected for _name, _given, expected in table} == {"tot", "kha", "dat", "chua_dat"}


def test_the_core_criteria_are_those_of_the_circulars():
    assert RULES["tt20-2018"].standard["classification"]["core_criteria"] == TT20_CORE
    assert RULES["tt26-2018"].standard["classification"]["core_criteria"] == TT26_CORE
    assert RULES["tt14-2018"].standard["classification"]["core_criteria"] == TT14_CORE
    assert RULES["tt25-2018"].standard["classification"]["core_criteria"] == TT25_CORE


def test_the_stored_standard_classifies_as_its_rule_file(standards):
    assert standards["tt20-2018"].classify(levels(15, "kha", tot=TT20_CORE + [1, 2, 8, 9, 10])) == "tot"
    assert standards["tt14-2018"].classify(levels(18, "tot", chua_dat=[18])) == "dat"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1=tot,2", "“2” không có dạng số=mức, ví dụ 3=kha."),
        ("1=tot,x=kha", "“x=kha” không có dạng số=mức, ví dụ 3=kha."),
        ("1=tot,1=kha", "Tiêu chí 1 được nêu hai lần."),
    ],
)
def test_malformed_levels_are_refused_with_the_reason(text, message):
    with pytest.raises(RuleError) as error:
        parse_levels(text)
    assert str(error.value) == message


def test_levels_are_read_with_spaces_and_capitals():
    assert parse_levels(" 1 = TOT , 2=kha,") == {1: "tot", 2: "kha"}


def test_missing_unknown_and_extra_criteria_are_named():
    with pytest.raises(RuleError, match="Tiêu chí chưa có mức: 3"):
        check_levels({1: "tot", 2: "kha"}, 3)
    with pytest.raises(RuleError, match="Mức không hợp lệ: gioi"):
        check_levels({1: "gioi"}, 1)
    with pytest.raises(RuleError, match="Chuẩn không có tiêu chí 4"):
        check_levels({1: "tot", 2: "tot", 3: "tot", 4: "tot"}, 3)


def test_a_level_left_empty_is_malformed_not_unknown():
    with pytest.raises(RuleError, match="“2=” không có dạng số=mức"):
        parse_levels("1=tot,2=")
