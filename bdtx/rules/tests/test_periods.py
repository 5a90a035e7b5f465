"""The period rule of the 2019 programmes (TT 17/2019, TT 18/2019), as tables of cases: what a plan must cover
and how the province may split the adjustable periods."""

import pytest

from bdtx.rules.periods import Line, Requirement, adjusted, balance, problems

TT17 = Requirement(periods={"01": 40, "02": 40, "03": 40}, total=120)
SPLIT_30_50 = Requirement(periods={"01": 30, "02": 50, "03": 40}, total=120)


def lines(*items) -> list[Line]:
    return [Line(content, periods, module) for content, periods, module in items]


@pytest.mark.parametrize(
    ("requirement", "plan", "expected"),
    [
        pytest.param(
            TT17,
            lines(("01", 40, ""), ("02", 40, ""), ("03", 20, "GVPT 04"), ("03", 20, "GVPT 05")),
            [],
            id="exactly 120: nothing missing",
        ),
        pytest.param(
            TT17,
            lines(("01", 40, ""), ("02", 30, ""), ("03", 20, "GVPT 04"), ("03", 20, "GVPT 05")),
            [
                ("content_short", {"content": "02", "planned": 30, "required": 40}),
                ("total_short", {"planned": 110, "required": 120}),
            ],
            id="one content short",
        ),
        pytest.param(
            SPLIT_30_50,
            lines(("01", 30, ""), ("02", 50, ""), ("03", 40, "GVPT 06")),
            [],
            id="the province's 30/50 split of 01/02 is met",
        ),
        pytest.param(
            TT17,
            lines(("01", 30, ""), ("02", 50, ""), ("03", 40, "GVPT 06")),
            [("content_short", {"content": "01", "planned": 30, "required": 40})],
            id="a 30/50 plan under the programme's own 40/40",
        ),
        pytest.param(
            TT17,
            lines(("01", 40, ""), ("02", 40, ""), ("03", 20, "GVPT 04"), ("03", 20, "GVPT 04")),
            [("module_twice", {"module": "GVPT 04"})],
            id="a module counted twice",
        ),
        pytest.param(
            TT17,
            lines(("01", 40, ""), ("02", 40, ""), ("03", 40, "GVPT 04"), ("04", 10, "")),
            [("unknown_content", {"content": "04"})],
            id="a content the programme does not have",
        ),
        pytest.param(
            TT17,
            lines(("01", 60, ""), ("02", 60, "")),
            [("content_short", {"content": "03", "planned": 0, "required": 40})],
            id="120 periods but none in 03",
        ),
        pytest.param(
            TT17,
            [],
            [
                ("content_short", {"content": "01", "planned": 0, "required": 40}),
                ("content_short", {"content": "02", "planned": 0, "required": 40}),
                ("content_short", {"content": "03", "planned": 0, "required": 40}),
                ("total_short", {"planned": 0, "required": 120}),
            ],
            id="an empty plan",
        ),
    ],
)
def test_problems(requirement, plan, expected):
    assert problems(requirement, plan) == expected


def test_balance_counts_periods_per_content_and_in_total():
    plan = lines(("01", 40, ""), ("03", 15, "GVPT 01"), ("03", 10, "GVPT 02"))
    assert balance(TT17, plan) == {"01": 40, "02": 0, "03": 25, "total": 65}


BASE = {"01": 40, "02": 40, "03": 40}
ADJUSTABLE = {"01", "02"}


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        pytest.param({}, BASE, id="no change"),
        pytest.param({"01": 30, "02": 50}, {"01": 30, "02": 50, "03": 40}, id="30/50"),
        pytest.param({"01": 80, "02": 0}, {"01": 80, "02": 0, "03": 40}, id="all of it in 01"),
        pytest.param({"01": 40, "02": 40, "03": 40}, BASE, id="03 given at its own periods"),
    ],
)
def test_the_province_may_move_periods_between_01_and_02(wanted, expected):
    assert adjusted(BASE, ADJUSTABLE, wanted) == expected


@pytest.mark.parametrize(
    ("wanted", "key", "values"),
    [
        pytest.param({"03": 30, "01": 50}, "not_adjustable", {"content": "03", "periods": 40}, id="03 never changes"),
        pytest.param(
            {"01": 30, "02": 40},
            "sum_changed",
            {"before": 80, "after": 70, "contents": "01, 02"},
            id="the sum of 01 and 02 must stay",
        ),
        pytest.param(
            {"01": 50, "02": 50},
            "sum_changed",
            {"before": 80, "after": 100, "contents": "01, 02"},
            id="nor grow",
        ),
        pytest.param({"04": 10}, "unknown_content", {"content": "04"}, id="a content the programme does not have"),
        pytest.param({"01": -10, "02": 90}, "negative", {"content": "01"}, id="no negative periods"),
    ],
)
def test_a_split_outside_the_rule_is_refused(wanted, key, values):
    with pytest.raises(ValueError) as error:
        adjusted(BASE, ADJUSTABLE, wanted)
    assert error.value.args == (key, values)
