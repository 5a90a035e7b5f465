"""The yearly BDTX result as data and pure functions (TT 19/2019 Điều 11, amended by TT 17/2022): a class is
passed when its attendance rule is met and every test is scored at or above the pass mark; a year is
"Hoàn thành kế hoạch BDTX" when every content of the approved personal plan is covered by passed classes.
The figures (scale, pass mark, default attendance share, the presenters' requirements) come from
data/completion/tt19_2019.yaml. No database."""

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

import yaml

RULE_FILE = Path(__file__).resolve().parent / "data" / "completion" / "tt19_2019.yaml"

PASSED, FAILED, PENDING = "passed", "failed", "pending"
COMPLETED, NOT_COMPLETED = "hoan_thanh", "khong_hoan_thanh"


@dataclasses.dataclass(frozen=True)
class CompletionRule:
    code: str
    document: str
    version: int
    scale_max: Decimal
    pass_mark: Decimal
    outcome_names: dict[str, str]
    min_attendance_percent: int
    trainer_requirements: dict
    degrees: list[dict]
    unconfirmed: list[str]

    def degree_rank(self, code: str) -> int:
        """Position of a degree in the rule's order; -1 when unknown."""
        codes = [degree["code"] for degree in self.degrees]
        return codes.index(code) if code in codes else -1


@functools.cache
def completion_rule() -> CompletionRule:
    """The bundled rule data, read once per process."""
    with RULE_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return CompletionRule(
        code=data["code"],
        document=data["document"],
        version=int(data["version"]),
        scale_max=Decimal(str(data["scale_max"])),
        pass_mark=Decimal(str(data["pass_mark"])),
        outcome_names={code: item["name_vi"] for code, item in data["outcomes"].items()},
        min_attendance_percent=int(data["min_attendance_percent"]),
        trainer_requirements=dict(data["trainer_requirements"]),
        degrees=list(data["degrees"]),
        unconfirmed=list(data.get("unconfirmed", [])),
    )


def class_outcome(
    rule: CompletionRule,
    *,
    sessions_held: int,
    sessions_attended: int,
    scores: Sequence[Decimal | None],
    min_attendance_percent: int | None = None,
) -> tuple[str, list[tuple[str, dict]]]:
    """One learner in one class: (PASSED | FAILED | PENDING, reasons as (message key, values)).

    `scores` has one entry per test of the class (None: not scored yet). Keys: "attendance_short" {attended,
    held, percent}, "score_missing" {count}, "score_below" {count, pass_mark}, "no_test" {}."""
    reasons: list[tuple[str, dict]] = []
    percent = rule.min_attendance_percent if min_attendance_percent is None else min_attendance_percent
    if sessions_held and sessions_attended * 100 < percent * sessions_held:
        reasons.append(("attendance_short", {"attended": sessions_attended, "held": sessions_held, "percent": percent}))
    below = sum(1 for score in scores if score is not None and score < rule.pass_mark)
    if below:
        reasons.append(("score_below", {"count": below, "pass_mark": rule.pass_mark}))
    if reasons:
        return FAILED, reasons
    missing = sum(1 for score in scores if score is None)
    if not scores:
        return PENDING, [("no_test", {})]
    if missing:
        return PENDING, [("score_missing", {"count": missing})]
    return PASSED, []


@dataclasses.dataclass(frozen=True)
class PlannedItem:
    """A line of the approved personal plan: a topic of 01/02 or a module of 03."""

    content: str
    periods: int
    module: str = ""  # the module's code for content 03
    title: str = ""


@dataclasses.dataclass(frozen=True)
class Achievement:
    """One enrolment's outcome: the class's content, periods, the modules it covers, and PASSED/FAILED/PENDING."""

    content: str
    periods: int
    outcome: str
    modules: tuple[str, ...] = ()
    class_code: str = ""


@dataclasses.dataclass(frozen=True)
class YearOutcome:
    outcome: str  # COMPLETED | NOT_COMPLETED
    reasons: list[tuple[str, dict]]
    lines: list[dict]  # the periods ledger: one per planned item
    planned: int
    earned: int


def year_outcome(
    rule: CompletionRule, *, plan_approved: bool, items: Iterable[PlannedItem], achievements: Iterable[Achievement]
) -> YearOutcome:
    """The person's year. Reasons (message key, values): "no_plan" {}, "module_missing" {module},
    "module_pending" {module}, "module_failed" {module}, "content_short" {content, earned, planned}."""
    items, achievements = list(items), list(achievements)
    reasons: list[tuple[str, dict]] = []
    if not plan_approved:
        reasons.append(("no_plan", {}))
    lines: list[dict] = []
    by_content: dict[str, list[Achievement]] = {}
    for achievement in achievements:
        if not achievement.modules:
            by_content.setdefault(achievement.content, []).append(achievement)
    content_planned: dict[str, int] = {}
    for item in items:
        if item.module:
            covering = [a for a in achievements if item.module in a.modules]
            passed = [a for a in covering if a.outcome == PASSED]
            done = bool(passed)
            if not done:
                state = (
                    "module_pending"
                    if any(a.outcome == PENDING for a in covering)
                    else ("module_failed" if covering else "module_missing")
                )
                reasons.append((state, {"module": item.module}))
            lines.append(_line(item, item.periods if done else 0, done, passed or covering))
        else:
            content_planned[item.content] = content_planned.get(item.content, 0) + item.periods
    for content, planned in sorted(content_planned.items()):
        passed = [a for a in by_content.get(content, []) if a.outcome == PASSED]
        earned = sum(a.periods for a in passed)
        done = earned >= planned
        if not done:
            reasons.append(("content_short", {"content": content, "earned": earned, "planned": planned}))
        lines.append(
            _line(
                PlannedItem(content=content, periods=planned),
                min(earned, planned),
                done,
                passed or by_content.get(content, []),
            )
        )
    lines.sort(key=lambda line: (line["content"], line["module"]))
    planned_total = sum(line["planned"] for line in lines)
    earned_total = sum(line["earned"] for line in lines)
    return YearOutcome(
        outcome=NOT_COMPLETED if reasons or not lines else COMPLETED,
        reasons=reasons if lines or reasons else [("no_plan", {})],
        lines=lines,
        planned=planned_total,
        earned=earned_total,
    )


def _line(item: PlannedItem, earned: int, done: bool, achievements: Sequence[Achievement]) -> dict:
    return {
        "content": item.content,
        "module": item.module,
        "title": item.title,
        "planned": item.periods,
        "earned": earned,
        "done": done,
        "classes": sorted({a.class_code for a in achievements if a.class_code}),
    }
