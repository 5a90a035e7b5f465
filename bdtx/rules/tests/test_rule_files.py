"""Checking a rule file: every problem is listed, in Vietnamese, naming the file and the key and saying
how to fix it; the bundled files are complete."""

import pytest

from bdtx.rules import rulefiles
from bdtx.rules.rulefiles import RuleFileError

from .files import as_yaml, small_standard


def problems_of(data_or_text) -> list[str]:
    text = data_or_text if isinstance(data_or_text, str) else as_yaml(data_or_text)
    with pytest.raises(RuleFileError) as error:
        rulefiles.parse(text.encode(), "thu.yaml")
    return error.value.problems


def test_a_valid_file_is_read_with_dates_and_core_criteria():
    rule_file = rulefiles.parse(as_yaml(small_standard()).encode(), "thu.yaml")
    assert rule_file.code == "tt99-2030" and rule_file.version == 1
    assert rule_file.standard["valid_from"].isoformat() == "2030-09-01"
    assert [(c["number"], c["is_core"], c["confirmed"]) for c in rule_file.criteria] == [
        (1, True, True),
        (2, False, True),
        (3, False, False),
    ]


@pytest.mark.parametrize("code", ["tt20-2018", "tt26-2018", "tt14-2018", "tt25-2018"])
def test_every_bundled_file_lists_every_criterion_and_what_is_unconfirmed(code):
    rule_file = rulefiles.bundled(code)
    count = rule_file.standard["criteria_count"]
    assert [c["number"] for c in rule_file.criteria] == list(range(1, count + 1))
    assert any("Luật Nhà giáo" in note for note in rule_file.standard["unconfirmed"])
    assert any("29/2021" in note for note in rule_file.standard["unconfirmed"])
    for criterion in rule_file.criteria:
        if not criterion["confirmed"]:
            assert criterion["note"], f"criterion {criterion['number']} says nothing about what is known"


def test_the_bundled_counts_and_placeholders_follow_the_sources():
    counts = {
        code: rulefiles.bundled(code).standard["criteria_count"]
        for code in ("tt20-2018", "tt26-2018", "tt14-2018", "tt25-2018")
    }
    assert counts == {"tt20-2018": 15, "tt26-2018": 15, "tt14-2018": 18, "tt25-2018": 15}
    tt14 = rulefiles.bundled("tt14-2018")
    assert [c["number"] for c in tt14.criteria if c["confirmed"]] == [1, 2, 3]
    assert tt14.criteria[3]["title"] == "Tiêu chí 4"
    assert tt14.standard["classification"]["rules"]["dat"]["status"] == "UNCONFIRMED"
    tt25 = rulefiles.bundled("tt25-2018")
    assert "English" in tt25.criteria[9]["note"] or "tiếng Anh" in tt25.criteria[9]["note"]
    assert any("15 tiêu chí" in note for note in tt25.standard["unconfirmed"])


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"format": 2}, "thu.yaml, mục “format”: phiên bản bdtx này chỉ đọc được định dạng 1"),
        ({"code": "TT 20"}, "thu.yaml, mục “code”: “TT 20” không phải là mã hợp lệ"),
        ({"subject": "hieu_truong"}, "thu.yaml, mục “subject”: “hieu_truong” không hợp lệ: dùng teacher, principal."),
        ({"valid_from": "31/02/2030"}, "thu.yaml, mục “valid_from”: “31/02/2030” không phải là ngày."),
        ({"valid_until": "01/01/2020"}, "thu.yaml, mục “valid_until”: đứng trước valid_from."),
        ({"criteria_count": 4}, "thu.yaml, mục “criteria”: thiếu tiêu chí 4; phải ghi đủ các tiêu chí từ 1 đến 4"),
        ({"applies_to": {"groups": ["giao_vien"]}}, "mục “applies_to.groups”: “giao_vien” không hợp lệ"),
        ({"titel": "x"}, "thu.yaml, mục “titel”: khoá không hợp lệ. Kiểm tra chính tả"),
        ({"version": 0}, "thu.yaml, mục “version”: phải là số nguyên từ 1 đến 1000000 (đang ghi “0”)."),
    ],
)
def test_a_wrong_top_level_value_is_named_with_its_fix(changes, expected):
    assert any(expected in problem for problem in problems_of(small_standard(**changes))), problems_of(
        small_standard(**changes)
    )


def test_a_criterion_problem_names_the_criterion_number():
    data = small_standard()
    data["criteria"][1]["title"] = ""
    data["criteria"][2]["area"] = 7
    data["criteria"][0]["descriptors"] = {"gioi": "…"}
    problems = problems_of(data)
    assert (
        'thu.yaml, mục “criteria (số 2).title”: còn thiếu. Ghi nội dung trong dấu ngoặc kép, ví dụ title: "…".'
        in problems
    )
    assert any("mục “criteria (số 3).area”: không có tiêu chuẩn 7 trong mục “areas”" in p for p in problems)
    assert any("mục “criteria (số 1).descriptors.gioi”: khoá không hợp lệ" in p for p in problems)


def test_every_problem_is_listed_at_once():
    data = small_standard(subject="x", code="X Y")
    data["classification"]["rules"]["tot"]["min_fraction_at_or_above"] = {"level": "tot", "fraction": 0.66}
    data["classification"]["rules"]["kha"] = {"name_vi": "Khá"}
    problems = problems_of(data)
    assert len(problems) == 4
    assert any('“0.66” không phải là phân số: ghi trong dấu ngoặc kép, ví dụ "2/3".' in p for p in problems)
    assert any("classification.rules.kha”: chưa có điều kiện nào" in p for p in problems)


def test_broken_yaml_names_the_line():
    problems = problems_of('format: 1\ncode: "tt99\nname: x\n')
    assert len(problems) == 1 and problems[0].startswith("thu.yaml: không đúng cú pháp YAML ở dòng")


def test_a_file_that_is_not_a_mapping_is_refused():
    assert problems_of("- 1\n- 2\n") == [
        "thu.yaml: tệp phải là dữ liệu YAML dạng khoá: giá trị, bắt đầu bằng “format: 1”. Xem docs/standards.md."
    ]


def test_a_date_in_the_sources_is_kept_as_text():
    data = as_yaml(small_standard()).replace("source:\n", "source:\n  effective_date: 2030-09-01\n")
    rule_file = rulefiles.parse(data.encode(), "thu.yaml")
    assert rule_file.standard["source"]["effective_date"] == "01/09/2030"
