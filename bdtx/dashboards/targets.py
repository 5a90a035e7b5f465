"""Targets: the bundled target files (format 1, read and checked here; `manage.py load_targets` loads them), the value
of a target at a unit from the unit's kept tallies, and its status there.

Status at a unit for a school year (docs/dashboards.md):
- on track: the value reaches the threshold;
- at risk: below the threshold, and the deadline is not passed;
- missed: below the threshold, and the deadline is passed;
- no data: nobody to measure (no teacher of that level there, nobody rated yet…).
A target without a deadline is due at the end of every school year (31/07). "Passed" is judged on the day the view
stands for: today, or the end of the school year viewed when that year is over."""

import dataclasses
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bdtx.appraisals.progress import percent
from bdtx.organisations.models import Level
from bdtx.results.reports import school_year_end
from bdtx.rules.rulefiles import RuleFileError
from bdtx.staff.models import StaffGroup

from . import aggregates, workforce
from .models import Metric, Target, TargetMetric

FORMAT = 1
BUNDLED_DIR = Path(__file__).resolve().parent / "data" / "targets"
TOP_KEYS = {"format", "source", "targets"}
TARGET_KEYS = {"code", "title", "metric", "group", "level", "threshold", "deadline", "year", "document", "note"}
MAX_BYTES = 200_000
_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
GROUPS = ("", StaffGroup.TEACHER, StaffGroup.MANAGER)

# The tallies each measure reads.
METRICS_OF: dict[str, tuple[str, ...]] = {
    TargetMetric.COMPLETION: (Metric.COMPLETION,),
    TargetMetric.MEETS_STANDARD: (Metric.QUALIFICATIONS,),
    TargetMetric.KHA_OR_BETTER: (Metric.RATINGS,),
    TargetMetric.CORE_COMPLETED: (Metric.CORE,),
    TargetMetric.UPGRADE_CLEARED: (Metric.QUALIFICATIONS, Metric.UPGRADE),
}


# Status ---------------------------------------------------------------------------------------------------

ON_TRACK, AT_RISK, MISSED, NO_DATA = "on_track", "at_risk", "missed", "no_data"
STATUS_LABELS = {
    ON_TRACK: gettext_lazy("On track"),
    AT_RISK: gettext_lazy("At risk"),
    MISSED: gettext_lazy("Missed"),
    NO_DATA: gettext_lazy("No data"),
}


@dataclasses.dataclass
class Measured:
    """A target measured at a unit: part of whole people, the share in %, the status."""

    part: int
    whole: int
    status: str

    @property
    def value(self) -> float | None:
        return percent(self.part, self.whole)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def due_date(target: Target, year: int) -> dt.date:
    """The target's deadline, or the end of the school year viewed when it has none."""
    return target.deadline or school_year_end(year)


def judged_on(year: int, today: dt.date | None = None) -> dt.date:
    """The day a view of school year `year` stands for: today, or that year's end when it is over."""
    return min(today or timezone.localdate(), school_year_end(year))


def status_of(value: float | None, threshold, deadline: dt.date, day: dt.date) -> str:
    if value is None:
        return NO_DATA
    if Decimal(str(value)) >= Decimal(threshold):
        return ON_TRACK
    return MISSED if deadline < day else AT_RISK


def applying_at(unit, year: int, user):
    """The targets measured at this unit in this school year that the user may see: those of every unit and those
    set at this unit or above it."""
    return (
        Target.objects.visible_to(user)
        .for_year(year)
        .filter(Q(unit__isnull=True) | Q(unit_id__in=unit.ancestor_ids()))
        .select_related("unit")
    )


def _matches(target: Target, group: str, level: str) -> bool:
    return (not target.group or group == target.group) and (not target.level or target.level in level.split(","))


def part_and_whole(target: Target, rows) -> tuple[int, int]:
    """The people counted (part) among those measured (whole) for the target, from a unit's tallies: rows of
    (metric, group, level, bucket, detail, count)."""
    part = whole = 0
    metric = target.metric
    for row_metric, group, level, bucket, detail, n in rows:
        if not _matches(target, group, level):
            continue
        if metric == TargetMetric.COMPLETION and row_metric == Metric.COMPLETION:
            whole += n
            part += n if bucket == "hoan_thanh" else 0
        elif metric == TargetMetric.KHA_OR_BETTER and row_metric == Metric.RATINGS and bucket != aggregates.NONE:
            whole += n
            part += n if bucket in ("tot", "kha") else 0
        elif metric == TargetMetric.CORE_COMPLETED and row_metric == Metric.CORE:
            whole += n if bucket == aggregates.CORE else 0
            part += n if bucket == aggregates.CORE_COMPLETED else 0
        elif metric in (TargetMetric.MEETS_STANDARD, TargetMetric.UPGRADE_CLEARED):
            if row_metric == Metric.QUALIFICATIONS and detail != workforce.NO_STANDARD:
                whole += n
                part += n if detail == workforce.MEETS else 0
            elif metric == TargetMetric.UPGRADE_CLEARED and row_metric == Metric.UPGRADE:
                part += n if bucket == workforce.EXEMPT else 0
    return part, whole


def measure(target: Target, rows, year: int, today: dt.date | None = None) -> Measured:
    part, whole = part_and_whole(target, rows)
    value = percent(part, whole)
    return Measured(part, whole, status_of(value, target.threshold, due_date(target, year), judged_on(year, today)))


# Files ----------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class TargetFile:
    file_name: str
    targets: list[dict]


def bundled_files() -> list[Path]:
    return sorted(BUNDLED_DIR.glob("*.yaml"))


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    match = _DATE.match(str(value).strip())
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def read(path) -> TargetFile:
    """Read and check one target file; RuleFileError listing every problem (file, target, key, how to fix)."""
    path = Path(path)
    name = path.name
    try:
        if path.stat().st_size > MAX_BYTES:
            raise RuleFileError([_("%(file)s: the file is larger than 200 kB; split it.") % {"file": name}])
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise RuleFileError(
            [_("%(file)s: cannot be read as YAML (%(error)s).") % {"file": name, "error": error}]
        ) from None
    if not isinstance(data, dict):
        raise RuleFileError([_("%(file)s: the file must hold keys format, source and targets.") % {"file": name}])
    problems = []
    if data.get("format") != FORMAT:
        problems.append(_("%(file)s: “format” must be %(format)s.") % {"file": name, "format": FORMAT})
    for key in sorted(set(data) - TOP_KEYS):
        problems.append(_("%(file)s: unknown key “%(key)s”; remove it.") % {"file": name, "key": key})
    source = str(data.get("source") or "").strip()
    entries = data.get("targets")
    if not isinstance(entries, list) or not entries:
        problems.append(_("%(file)s: “targets” must list at least one target.") % {"file": name})
        entries = []
    targets = []
    for index, entry in enumerate(entries, start=1):
        where = _("%(file)s, target %(number)s") % {"file": name, "number": index}
        checked, found = _check_target(entry, where, source)
        problems += found
        if checked:
            targets.append(checked)
    if problems:
        raise RuleFileError(problems)
    return TargetFile(file_name=name, targets=targets)


def _check_target(entry, where: str, source: str) -> tuple[dict | None, list[str]]:
    if not isinstance(entry, dict):
        return None, [_("%(where)s: must be a set of keys (code, title, metric, threshold…).") % {"where": where}]
    problems = [
        _("%(where)s: unknown key “%(key)s”; remove it.") % {"where": where, "key": key}
        for key in sorted(set(entry) - TARGET_KEYS)
    ]
    code = str(entry.get("code") or "").strip()
    if not _CODE.match(code):
        problems.append(
            _("%(where)s: “code” must be lower-case letters, digits and dashes, e.g. qd1677-2025-kha.")
            % {"where": where}
        )
    title = " ".join(str(entry.get("title") or "").split())
    if not title:
        problems.append(_("%(where)s: give the target a “title”.") % {"where": where})
    metric = entry.get("metric")
    if metric not in TargetMetric.values:
        problems.append(
            _("%(where)s: “metric” must be one of %(choices)s.")
            % {"where": where, "choices": ", ".join(TargetMetric.values)}
        )
    group = entry.get("group") or ""
    if group not in GROUPS:
        problems.append(_("%(where)s: “group” must be teacher, manager or left out.") % {"where": where})
    level = entry.get("level") or ""
    if level and level not in Level.values:
        problems.append(
            _("%(where)s: “level” must be one of %(choices)s, or left out.")
            % {"where": where, "choices": ", ".join(Level.values)}
        )
    try:
        threshold = Decimal(str(entry.get("threshold"))).quantize(Decimal("0.1"))
        if not 0 <= threshold <= 100:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        threshold = None
        problems.append(_("%(where)s: “threshold” must be a share from 0 to 100, e.g. 93.5.") % {"where": where})
    deadline = None
    if entry.get("deadline") not in (None, ""):
        deadline = _date(entry["deadline"])
        if deadline is None:
            problems.append(_("%(where)s: “deadline” must be a date written dd/mm/yyyy.") % {"where": where})
    year = entry.get("year")
    if year not in (None, "") and not (isinstance(year, int) and 2000 <= year <= 2100):
        problems.append(
            _("%(where)s: “year” must be a school year's first calendar year, e.g. 2025.") % {"where": where}
        )
    document = " ".join(str(entry.get("document") or source).split())
    if not document:
        problems.append(
            _("%(where)s: say where the target comes from (“document”, or the file's “source”).") % {"where": where}
        )
    if problems:
        return None, problems
    return {
        "code": code,
        "title": title[:255],
        "metric": metric,
        "group": group,
        "level": level,
        "threshold": threshold,
        "deadline": deadline,
        "year": year or None,
        "document": document[:500],
        "note": " ".join(str(entry.get("note") or "").split()),
    }, []
