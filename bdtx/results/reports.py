"""The numbers and sentences behind the results pages: the reasons of a result in words, completion by child unit,
by level and by content, and the at-risk list. Every function takes a unit and a school year and runs without a
request (the bench and the exports call them as the pages do).

Counting follows bdtx.appraisals.progress: one grouped query per figure over the unit's subtree, rolled up in Python
to the unit's children by the units' materialised `path`. The ledger of each result (YearResult.lines, JSON) is not
scanned for the content figures: at 100,000 people that takes seconds (3 s on SQLite). The planned counts come from
the approved plans' items (grouped SQL) and the unfinished ones from the short `reasons` of the results that did not
complete (no more than a few thousand rows)."""

import dataclasses
import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, Max, OuterRef, Q, TextField
from django.db.models.functions import Cast
from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from bdtx.appraisals.progress import Subtree, expected_staff, percent
from bdtx.catalog.models import TrainingModule
from bdtx.delivery.models import Attendance, ClassSession, Enrolment, EnrolmentStatus, TrainingClass
from bdtx.lib.schoolyear import FIRST_MONTH
from bdtx.organisations.models import Level, Unit, levels_label
from bdtx.plans.models import PersonalPlan, PersonalPlanItem, PlanStatus
from bdtx.rules.completion import (
    COMPLETED,
    FAILED,
    NOT_COMPLETED,
    PASSED,
    PENDING,
    Achievement,
    PlannedItem,
    completion_rule,
    year_outcome,
)

from .models import ResultOutcome, YearResult

# The province's target: everyone completes the year's plan.
TARGET_PERCENT = 100
CHUNK = 2000


def school_year_end(year: int) -> dt.date:
    """The last day of school year `year` (31/07 of the next calendar year; bdtx.lib.schoolyear)."""
    return dt.date(year + 1, FIRST_MONTH, 1) - dt.timedelta(days=1)


def outcome_label(code: str) -> str:
    """The outcome as the rule words it in Vietnamese ("Hoàn thành kế hoạch BDTX"); in English, the model's label."""
    if (get_language() or "vi").startswith("vi"):
        return completion_rule().outcome_names.get(code, code)
    return str(dict(ResultOutcome.choices).get(code, code))


def content_label(content: str) -> str:
    return _("Content %(content)s") % {"content": content}


# Reasons in words -----------------------------------------------------------------------------------------


def module_label(values: dict, line: dict | None = None) -> str:
    """ "GVPT 05 – Title, 10 periods" when the ledger line is known, else the code."""
    code = values.get("module", "")
    if not line:
        return code
    if line.get("title"):
        return _("%(code)s – %(title)s, %(periods)s periods") % {
            "code": code,
            "title": line["title"],
            "periods": line.get("planned", 0),
        }
    return _("%(code)s, %(periods)s periods") % {"code": code, "periods": line.get("planned", 0)}


def reason_text(key: str, values: dict, line: dict | None = None) -> str:
    """One reason of rules.completion.year_outcome as a sentence; `line` (the ledger line of the module or content
    concerned) adds the module's title, its periods and the classes."""
    classes = ", ".join((line or {}).get("classes") or [])
    if key == "no_plan":
        return _("No approved personal BDTX plan for this school year.")
    if key == "module_missing":
        return _("Module %(module)s not completed: not enrolled in any class that covers it.") % {
            "module": module_label(values, line)
        }
    if key == "module_pending":
        if classes:
            return _("Module %(module)s not completed: waiting for scores (class %(classes)s).") % {
                "module": module_label(values, line),
                "classes": classes,
            }
        return _("Module %(module)s not completed: waiting for scores.") % {"module": module_label(values, line)}
    if key == "module_failed":
        if classes:
            return _("Module %(module)s not completed: not passed in class %(classes)s.") % {
                "module": module_label(values, line),
                "classes": classes,
            }
        return _("Module %(module)s not completed: not passed.") % {"module": module_label(values, line)}
    if key == "content_short":
        return _("Content %(content)s: %(earned)s of %(planned)s periods completed.") % {
            "content": values.get("content", ""),
            "earned": values.get("earned", 0),
            "planned": values.get("planned", 0),
        }
    return key


def reasons_text(result: YearResult) -> list[str]:
    """The reasons of a result as sentences, with the titles, periods and classes of its ledger."""
    modules = {line["module"]: line for line in result.lines if line.get("module")}
    contents = {line["content"]: line for line in result.lines if not line.get("module")}
    sentences = []
    for key, values in result.reasons:
        line = modules.get(values.get("module")) if "module" in values else contents.get(values.get("content"))
        sentences.append(reason_text(key, values, line))
    return sentences


def class_reason_text(key: str, values: dict) -> str:
    """A reason of a learner's outcome in one class (rules.completion.class_outcome) as a sentence."""
    if key == "attendance_short":
        return _("Attended %(attended)s of %(held)s sessions, below the required %(percent)s%%.") % values
    if key == "score_below":
        return ngettext(
            "%(count)s test scored below %(pass_mark)s.", "%(count)s tests scored below %(pass_mark)s.", values["count"]
        ) % {"count": values["count"], "pass_mark": values.get("pass_mark", completion_rule().pass_mark)}
    if key == "score_missing":
        return ngettext("%(count)s test not scored yet.", "%(count)s tests not scored yet.", values["count"]) % values
    if key == "no_test":
        return _("The class has no test yet.")
    return key


# Completion by unit, level and content --------------------------------------------------------------------


@dataclasses.dataclass
class CompletionRow:
    """People with a completed result, a result not completed, no result yet; of which recognised."""

    label: str
    unit: Unit | None = None
    key: str = ""  # the level codes, or the content / module code
    completed: int = 0
    not_completed: int = 0
    no_result: int = 0
    recognised: int = 0
    is_root: bool = False
    leaf: bool = True  # a unit without children (no drill-down)

    @property
    def total(self) -> int:
        return self.completed + self.not_completed + self.no_result

    @property
    def percent(self) -> float | None:
        return percent(self.completed, self.total)

    @property
    def below_target(self) -> bool:
        return self.percent is not None and self.percent < TARGET_PERCENT

    def add(self, completed: int = 0, not_completed: int = 0, no_result: int = 0, recognised: int = 0) -> None:
        self.completed += completed
        self.not_completed += not_completed
        self.no_result += no_result
        self.recognised += recognised


def _in_subtree(queryset, subtree: Subtree, field: str = "unit_id"):
    """At the top of a tree no unit filter (each count reads its index alone; the roll-up drops what is outside)."""
    if subtree.root.parent_id is None:
        return queryset
    return queryset.filter(**{f"{field}__in": subtree.unit_ids()})


def _results(subtree: Subtree, year: int):
    return _in_subtree(YearResult.objects.filter(year=year), subtree)


def _without_result(subtree: Subtree, year: int):
    """The people expected to have a result who have none for the year."""
    has = YearResult.objects.filter(year=year, staff_id=OuterRef("pk"))
    return _in_subtree(expected_staff(), subtree).exclude(Exists(has))


def completion_by_unit(
    unit: Unit, year: int, subtree: Subtree | None = None
) -> tuple[CompletionRow, list[CompletionRow]]:
    """The unit's total and a row per child unit (and one for the people directly at the unit): completed, not
    completed, no result, recognised. Two grouped queries (and two for the subtree)."""
    subtree = subtree or Subtree.of(unit)
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    branch = subtree.branch
    counts = (
        _results(subtree, year)
        .values_list("unit_id", "outcome")
        .annotate(n=Count("unit_id"), recognised=Count("recognised", filter=Q(recognised=True)))
        .order_by()
    )
    for unit_id, outcome, n, recognised in counts:
        child = branch.get(unit_id)
        if child is not None:
            sums[child][0 if outcome == COMPLETED else 1] += n
            sums[child][3] += recognised
    for unit_id, n in _without_result(subtree, year).values_list("unit_id").annotate(n=Count("*")).order_by():
        child = branch.get(unit_id)
        if child is not None:
            sums[child][2] += n
    with_children = set(Unit.objects.filter(parent__in=subtree.children).values_list("parent_id", flat=True))
    rows = []
    if sums.get(subtree.root.pk):
        rows.append(CompletionRow(subtree.root.name, subtree.root, is_root=True))
        rows[-1].add(*sums[subtree.root.pk])
    for child in subtree.children:
        if child.active or child.pk in sums:
            row = CompletionRow(child.name, child, leaf=child.pk not in with_children)
            row.add(*sums.get(child.pk, [0, 0, 0, 0]))
            rows.append(row)
    total = CompletionRow(subtree.root.name, subtree.root, is_root=True)
    for values in sums.values():
        total.add(*values)
    return total, rows


def _level_order(codes: str) -> tuple:
    order = [code for code, _label in Level.choices]
    return tuple(order.index(code) if code in order else len(order) for code in codes.split(",") if code) or (
        len(order),
    )


def completion_by_level(unit: Unit, year: int, subtree: Subtree | None = None) -> list[CompletionRow]:
    """A row per level of education (the levels the people teach; their school's when blank; a person teaching two
    levels is a row of their own, "Tiểu học, THCS"). Two grouped queries."""
    subtree = subtree or Subtree.of(unit)
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    counts = (
        _results(subtree, year)
        .values_list("staff__levels", "unit_id", "outcome")
        .annotate(n=Count("unit_id"), recognised=Count("recognised", filter=Q(recognised=True)))
        .order_by()
    )
    for levels, unit_id, outcome, n, recognised in counts:
        if unit_id in subtree.levels:
            key = levels or subtree.levels[unit_id]
            sums[key][0 if outcome == COMPLETED else 1] += n
            sums[key][3] += recognised
    missing = _without_result(subtree, year).values_list("levels", "unit_id").annotate(n=Count("*")).order_by()
    for levels, unit_id, n in missing:
        if unit_id in subtree.levels:
            sums[levels or subtree.levels[unit_id]][2] += n
    rows = []
    for key in sorted(sums, key=_level_order):
        row = CompletionRow(levels_label(key) or _("Level not recorded"), key=key)
        row.add(*sums[key])
        rows.append(row)
    return rows


@dataclasses.dataclass
class ContentRow:
    """A content (01, 02, 03) or a module of 03: people whose approved plan has it, and how many completed it."""

    content: str
    module: str = ""
    title: str = ""
    planned: int = 0  # people whose approved plan has it
    with_result: int = 0  # of which with a result for the year
    not_done: int = 0  # of which the result says it is not done

    @property
    def label(self) -> str:
        return f"{self.module} – {self.title}" if self.module else content_label(self.content)

    @property
    def done(self) -> int:
        return max(self.with_result - self.not_done, 0)

    @property
    def no_result(self) -> int:
        return max(self.planned - self.with_result, 0)

    @property
    def percent(self) -> float | None:
        return percent(self.done, self.planned)

    @property
    def below_target(self) -> bool:
        return self.percent is not None and self.percent < TARGET_PERCENT


def completion_by_content(unit: Unit, year: int, subtree: Subtree | None = None) -> list[ContentRow]:
    """Per content (01, 02, 03) and per module of 03: how many people planned it (approved plans of the subtree),
    how many did it. Three grouped queries and one over the reasons of the results not completed."""
    subtree = subtree or Subtree.of(unit)
    plans = _in_subtree(PersonalPlan.objects.filter(year=year, status=PlanStatus.APPROVED), subtree)
    has_result = Exists(YearResult.objects.filter(year=year, staff_id=OuterRef("plan__staff_id")))
    items = PersonalPlanItem.objects.filter(plan_id__in=plans.values("pk"))
    contents: dict[str, ContentRow] = {}
    for content, n, with_result in (
        items.values_list("content")
        .annotate(n=Count("plan_id", distinct=True), with_result=Count("plan_id", distinct=True, filter=has_result))
        .order_by()
    ):
        contents[content] = ContentRow(content=content, planned=n, with_result=with_result)
    modules: dict[int, ContentRow] = {}
    for content, module_id, n, with_result in (
        items.filter(module__isnull=False)
        .values_list("content", "module_id")
        .annotate(n=Count("plan_id"), with_result=Count("plan_id", filter=has_result))
        .order_by()
    ):
        modules[module_id] = ContentRow(content=content, planned=n, with_result=with_result)
    by_code: dict[str, ContentRow] = {}
    for pk, code, title in TrainingModule.objects.filter(pk__in=list(modules)).values_list("pk", "code", "title"):
        modules[pk].module, modules[pk].title = code, title
        by_code[code] = modules[pk]
    # The unfinished: the reasons of the results not completed, less those without an approved plan.
    unfinished = (
        _results(subtree, year)
        .filter(outcome=NOT_COMPLETED)
        .annotate(reasons_text=Cast("reasons", TextField()))
        .exclude(reasons_text__contains='"no_plan"')
        .values_list("unit_id", "reasons")
        .order_by()
    )
    for unit_id, reasons in unfinished.iterator(chunk_size=5000):
        if unit_id not in subtree.branch:
            continue
        seen = set()
        for key, values in reasons:
            if key == "content_short" and values.get("content") in contents:
                seen.add(values["content"])
            elif key.startswith("module_") and values.get("module") in by_code:
                row = by_code[values["module"]]
                row.not_done += 1
                seen.add(row.content)
        for content in seen:
            contents[content].not_done += 1
    rows = []
    for content in sorted(contents):
        rows.append(contents[content])
        rows += sorted((row for row in modules.values() if row.content == content), key=lambda row: row.module)
    return rows


# The at-risk list ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class Risk:
    """A person who will miss the year's plan as things stand, and why (message keys with their values)."""

    staff_id: int
    unit_id: int
    reasons: list[tuple[str, dict]]
    sort_key: str = ""
    staff: object = None  # the StaffMember, filled by with_staff() for the rows shown


@dataclasses.dataclass(frozen=True)
class ClassState:
    """What a class still allows: sessions planned and taken, its last day, its attendance share."""

    code: str
    content: str
    periods: int
    modules: tuple[str, ...]
    sessions: int
    taken: int
    last_day: dt.date | None
    min_percent: int


def risk_text(key: str, values: dict) -> str:
    """A reason of the at-risk list as a sentence (worked out here, in the reader's language: the list itself
    may be kept a few minutes and read in another)."""
    if key.startswith("class_"):
        values = {**values, "subject": values.get("modules") or content_label(values.get("content", ""))}
        if key == "class_failed":
            why = [class_reason_text(k, v).rstrip(".") for k, v in values.get("reasons", []) if k != "no_test"]
            values["why"] = "; ".join(why)
    if key == "no_plan":
        return _("No approved personal BDTX plan for this school year.")
    if key == "module_missing":
        return _("Module %(module)s: not enrolled in any class that covers it.") % values
    if key == "module_waiting":
        return _("Module %(module)s: only on the waiting list of class %(classes)s.") % values
    if key == "content_missing":
        return _("Content %(content)s (%(planned)s periods): not enrolled in any class.") % values
    if key == "content_short":
        return (
            _(
                "Content %(content)s: only %(earned)s of %(planned)s periods can still be completed in the classes "
                "enrolled in."
            )
            % values
        )
    if key == "class_failed":
        if values.get("why"):
            return _("Class %(class)s (%(subject)s): not passed (%(why)s).") % values
        return _("Class %(class)s (%(subject)s): not passed.") % values
    if key == "class_attendance":
        return (
            _(
                "Class %(class)s (%(subject)s): even attending every remaining session, attendance reaches at most "
                "%(best)s%% (%(percent)s%% required)."
            )
            % values
        )
    if key == "class_late":
        return _("Class %(class)s (%(subject)s) ends on %(day)s, after the school year ends (%(end)s).") % values
    return key


def risks_text(risk: Risk) -> list[str]:
    return [risk_text(key, values) for key, values in risk.reasons]


def _class_states(year: int, class_ids: set[int]) -> dict[int, ClassState]:
    rule = completion_rule()
    modules: dict[int, list[str]] = defaultdict(list)
    for class_id, code in TrainingClass.modules.through.objects.filter(trainingclass_id__in=class_ids).values_list(
        "trainingclass_id", "trainingmodule__code"
    ):
        modules[class_id].append(code)
    sessions = {
        class_id: (n, taken, last)
        for class_id, n, taken, last in ClassSession.objects.filter(training_class_id__in=class_ids)
        .values_list("training_class_id")
        .annotate(n=Count("pk"), taken=Count("pk", filter=Q(attendance_taken=True)), last=Max("date"))
        .order_by()
    }
    states = {}
    for pk, code, content, periods, min_percent in TrainingClass.objects.filter(pk__in=class_ids).values_list(
        "pk", "code", "content", "periods", "min_attendance_percent"
    ):
        n, taken, last = sessions.get(pk, (0, 0, None))
        states[pk] = ClassState(
            code=code,
            content=content,
            periods=periods,
            modules=tuple(sorted(modules.get(pk, ()))),
            sessions=n,
            taken=taken,
            last_day=last,
            min_percent=rule.min_attendance_percent if min_percent is None else min_percent,
        )
    return states


def _class_risk(state: ClassState, attended: int, excused: int, end: dt.date) -> tuple[str, dict] | None:
    """Why a class the person is still taking cannot be passed in time, or None."""
    if state.last_day and state.last_day > end:
        day = formats.date_format(state.last_day, "d/m/Y")
        return "class_late", {"day": day, "end": formats.date_format(end, "d/m/Y")}
    counted = state.sessions - excused
    if counted > 0:
        best = attended + (state.sessions - state.taken)
        if best * 100 < state.min_percent * counted:
            return "class_attendance", {"best": int(best * 100 // counted), "percent": state.min_percent}
    return None


def at_risk(unit: Unit, year: int) -> list[Risk]:
    """The people of the unit's subtree who will miss the year's plan given their enrolments and the time left,
    in Vietnamese name order: no approved plan; a planned module with no class; classes not passed; classes they
    cannot pass any more (too many sessions missed) or that end after the school year; contents whose classes do
    not add up to the planned periods. The rule decides, as for the result itself: every class still running that
    can be passed in time counts as passed. People whose result is completed or locked are left out.
    A fixed number of queries per 2,000 people."""
    from bdtx.staff.models import StaffMember

    from .services import people_for

    rule = completion_rule()
    end = school_year_end(year)
    settled = YearResult.objects.filter(Q(outcome=COMPLETED) | Q(recognised=True) | Q(corrected=True), year=year)
    if unit.parent_id is not None:
        settled = settled.filter(unit_id__in=Unit.objects.within(unit).values("pk"))
    settled = set(settled.order_by().values_list("staff_id", flat=True))
    planned_items: dict[tuple, PlannedItem] = {}
    people = [(pk, unit_id) for pk, unit_id in people_for(year, unit=unit) if pk not in settled]
    risks: list[Risk] = []
    for start in range(0, len(people), CHUNK):
        chunk = dict(people[start : start + CHUNK])
        ids = list(chunk)
        plans = dict(
            PersonalPlan.objects.filter(year=year, staff_id__in=ids, status=PlanStatus.APPROVED).values_list(
                "pk", "staff_id"
            )
        )
        items: dict[int, list[PlannedItem]] = defaultdict(list)
        for plan, *key in PersonalPlanItem.objects.filter(plan_id__in=list(plans)).values_list(
            "plan_id", "content", "periods", "module__code", "module__title", "topic__title"
        ):
            item = planned_items.get(key := tuple(key))
            if item is None:
                content, periods, module, title, topic = key
                item = planned_items[key] = PlannedItem(
                    content=content, periods=periods, module=module or "", title=title or topic or ""
                )
            items[plans[plan]].append(item)
        enrolments = list(
            Enrolment.objects.filter(
                staff_id__in=ids,
                training_class__year=year,
                status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING, EnrolmentStatus.REQUESTED],
            ).values_list("pk", "staff_id", "training_class_id", "status", "outcome", "sessions_attended", "reasons")
        )
        states = _class_states(year, {row[2] for row in enrolments})
        excused = dict(
            Attendance.objects.filter(
                enrolment_id__in=[row[0] for row in enrolments if row[4] != PASSED],
                present=False,
                excused=True,
                session__attendance_taken=True,
            )
            .values_list("enrolment_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        found: dict[int, Risk] = {}
        by_person: dict[int, list] = defaultdict(list)
        for row in enrolments:
            by_person[row[1]].append(row)
        approved = set(plans.values())
        for staff_id, unit_id in chunk.items():
            reasons = _person_risks(
                rule, items.get(staff_id), by_person.get(staff_id, []), states, excused, end, staff_id in approved
            )
            if reasons:
                found[staff_id] = Risk(staff_id=staff_id, unit_id=unit_id, reasons=reasons)
        for pk, sort_key in StaffMember.objects.filter(pk__in=list(found)).values_list("pk", "sort_key"):
            found[pk].sort_key = sort_key
        risks += found.values()
    return sorted(risks, key=lambda risk: (risk.sort_key, risk.staff_id))


def _person_risks(rule, items, enrolments, states, excused, end, approved) -> list[tuple[str, dict]]:
    """The at-risk reasons of one person (empty: on track). Each class counts as the rule will count it once the
    class is over: passed if it still can be (in time, and enough sessions left to reach the attendance share),
    else not passed, with why."""
    achievements, waiting, class_notes = [], defaultdict(list), {}
    for pk, _staff, class_id, status, outcome, attended, class_reasons in enrolments:
        state = states[class_id]
        if status != EnrolmentStatus.ENROLLED:
            for module in state.modules:
                waiting[module].append(state.code)
            continue
        only_attendance = bool(class_reasons) and all(key == "attendance_short" for key, _v in class_reasons)
        if outcome == PENDING or (outcome == FAILED and only_attendance):
            # Not over yet: attendance missed so far may still be made up in the sessions left.
            risk = _class_risk(state, attended, excused.get(pk, 0), end)
            if risk:
                class_notes[class_id] = risk
            outcome = FAILED if risk else PASSED
        elif outcome == FAILED:
            class_notes[class_id] = ("class_failed", {"reasons": class_reasons})
        achievements.append(
            Achievement(
                content=state.content,
                periods=state.periods,
                outcome=outcome,
                modules=state.modules,
                class_code=state.code,
            )
        )
    outcome = year_outcome(rule, plan_approved=approved, items=items or [], achievements=achievements)
    if outcome.outcome == COMPLETED:
        return []
    titles = {item.module: item.title for item in items or []}
    reasons: list[tuple[str, dict]] = []
    explained: set[int] = set()
    for key, values in outcome.reasons:
        if key == "no_plan":
            reasons.append(("no_plan", {}))
        elif key == "module_missing":
            module = values["module"]
            label = f"{module} – {titles[module]}" if titles.get(module) else module
            if waiting.get(module):
                reasons.append(("module_waiting", {"module": label, "classes": ", ".join(sorted(waiting[module]))}))
            else:
                reasons.append(("module_missing", {"module": label}))
        elif key == "module_failed":
            for class_id, note in class_notes.items():
                if values["module"] in states[class_id].modules and class_id not in explained:
                    explained.add(class_id)
                    reasons.append(_class_reason(note, states[class_id]))
        elif key == "content_short":
            for class_id, note in class_notes.items():
                state = states[class_id]
                if not state.modules and state.content == values["content"] and class_id not in explained:
                    explained.add(class_id)
                    reasons.append(_class_reason(note, state))
            enrolled = any(not a.modules and a.content == values["content"] for a in achievements)
            reasons.append(("content_short" if enrolled else "content_missing", dict(values)))
    return reasons


def _class_reason(note: tuple[str, dict], state: ClassState) -> tuple[str, dict]:
    key, values = note
    return key, {**values, "class": state.code, "modules": ", ".join(state.modules), "content": state.content}


def with_staff(risks: list[Risk]) -> list[Risk]:
    """Fill `staff` (with its unit) of these rows, e.g. a page of the list or a chunk of the export: one query."""
    from bdtx.staff.models import StaffMember

    members = StaffMember.objects.filter(pk__in=[risk.staff_id for risk in risks]).select_related("unit")
    by_pk = {
        member.pk: member
        for member in members.only("full_name", "code", "levels", "group", "position", "unit__name", "unit__code")
    }
    for risk in risks:
        risk.staff = by_pk.get(risk.staff_id)
    return risks
