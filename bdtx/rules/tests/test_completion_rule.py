"""The completion rule of TT 19/2019 Điều 11 as tables of cases: a class passed on attendance and scores at or
above 5 out of 10; a year completed when every planned content is covered by passed classes."""

from decimal import Decimal as D  # noqa: N817 (the tables read better)

import pytest

from bdtx.rules.completion import (
    COMPLETED,
    FAILED,
    NOT_COMPLETED,
    PASSED,
    PENDING,
    Achievement,
    PlannedItem,
    class_outcome,
    completion_rule,
    year_outcome,
)

RULE = completion_rule()


def test_the_rule_file_gives_a_ten_point_scale_passed_at_five_and_the_two_outcomes():
    assert (RULE.scale_max, RULE.pass_mark) == (D(10), D(5))
    assert RULE.outcome_names == {
        "hoan_thanh": "Hoàn thành kế hoạch BDTX",
        "khong_hoan_thanh": "Không hoàn thành kế hoạch BDTX",
    }
    assert RULE.min_attendance_percent == 80 and RULE.unconfirmed


@pytest.mark.parametrize(
    ("held", "attended", "scores", "expected", "keys"),
    [
        (5, 5, [D("5.00")], PASSED, []),  # exactly the pass mark
        (5, 5, [D("4.99")], FAILED, ["score_below"]),
        (5, 4, [D("7"), D("8")], PASSED, []),  # 80 % attended: exactly enough
        (5, 3, [D("9")], FAILED, ["attendance_short"]),  # 60 %
        (5, 3, [D("3")], FAILED, ["attendance_short", "score_below"]),
        (0, 0, [D("6")], PASSED, []),  # online: no session held
        (5, 5, [D("6"), None], PENDING, ["score_missing"]),
        (5, 5, [], PENDING, ["no_test"]),
        (5, 5, [D("3"), None], FAILED, ["score_below"]),  # one failed test fails the class already
    ],
)
def test_a_class_is_passed_on_attendance_and_every_test_at_the_pass_mark(held, attended, scores, expected, keys):
    outcome, reasons = class_outcome(RULE, sessions_held=held, sessions_attended=attended, scores=scores)
    assert outcome == expected and [key for key, _values in reasons] == keys


def test_a_class_may_ask_for_more_attendance_than_the_default():
    outcome, reasons = class_outcome(
        RULE, sessions_held=10, sessions_attended=8, scores=[D(9)], min_attendance_percent=90
    )
    assert outcome == FAILED and reasons == [("attendance_short", {"attended": 8, "held": 10, "percent": 90})]


PLAN = [
    PlannedItem("01", 40, title="GDPT 2018"),
    PlannedItem("02", 40, title="Giáo dục địa phương"),
    PlannedItem("03", 10, "GVPT 04"),
    PlannedItem("03", 10, "GVPT 05"),
]
ALL_PASSED = [
    Achievement("01", 40, PASSED, class_code="L01"),
    Achievement("02", 40, PASSED, class_code="L02"),
    Achievement("03", 20, PASSED, ("GVPT 04", "GVPT 05"), "L03"),
]


@pytest.mark.parametrize(
    ("approved", "achievements", "expected", "keys"),
    [
        (True, ALL_PASSED, COMPLETED, []),
        (False, ALL_PASSED, NOT_COMPLETED, ["no_plan"]),
        (True, ALL_PASSED[:2], NOT_COMPLETED, ["module_missing", "module_missing"]),
        (
            True,
            [*ALL_PASSED[:2], Achievement("03", 20, FAILED, ("GVPT 04", "GVPT 05"))],
            NOT_COMPLETED,
            ["module_failed", "module_failed"],
        ),
        (
            True,
            [
                *ALL_PASSED[:2],
                Achievement("03", 10, PENDING, ("GVPT 04",)),
                Achievement("03", 10, PASSED, ("GVPT 05",)),
            ],
            NOT_COMPLETED,
            ["module_pending"],
        ),
        # 01 in two classes of 20 periods, one not passed: 20 of 40
        (
            True,
            [Achievement("01", 20, PASSED), Achievement("01", 20, FAILED), *ALL_PASSED[1:]],
            NOT_COMPLETED,
            ["content_short"],
        ),
        (True, [Achievement("01", 20, PASSED), Achievement("01", 20, PASSED), *ALL_PASSED[1:]], COMPLETED, []),
        # a module passed in a second class after failing the first
        (True, [*ALL_PASSED, Achievement("03", 10, FAILED, ("GVPT 04",))], COMPLETED, []),
    ],
)
def test_the_year_is_completed_only_when_every_planned_content_is_covered(approved, achievements, expected, keys):
    result = year_outcome(RULE, plan_approved=approved, items=PLAN, achievements=achievements)
    assert result.outcome == expected and [key for key, _values in result.reasons] == keys


def test_the_ledger_shows_planned_and_earned_periods_per_content_and_module():
    achievements = [Achievement("01", 20, PASSED, class_code="L01"), *ALL_PASSED[1:]]
    result = year_outcome(RULE, plan_approved=True, items=PLAN, achievements=achievements)
    assert [
        (line["content"], line["module"], line["planned"], line["earned"], line["done"]) for line in result.lines
    ] == [
        ("01", "", 40, 20, False),
        ("02", "", 40, 40, True),
        ("03", "GVPT 04", 10, 10, True),
        ("03", "GVPT 05", 10, 10, True),
    ]
    assert (result.planned, result.earned) == (100, 80)
    assert result.reasons == [("content_short", {"content": "01", "earned": 20, "planned": 40})]


def test_a_person_without_any_plan_has_not_completed_the_year():
    result = year_outcome(RULE, plan_approved=False, items=[], achievements=[])
    assert result.outcome == NOT_COMPLETED and result.reasons == [("no_plan", {})]
