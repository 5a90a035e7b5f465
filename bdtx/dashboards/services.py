"""Writes of the dashboards: keeping the figures fresh (starting the background count when the data changed), the
targets officers set, and loading the built-in targets from their files."""

import dataclasses
import datetime as dt
import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.ops import jobs
from bdtx.rules.rulefiles import RuleFileError

from . import freshness
from .models import RefreshJob, Target, TargetMetric
from .permissions import can_remove_target, target_units
from .targets import GROUPS, TargetFile

log = logging.getLogger("bdtx.dashboards")
REFRESH = "dashboard-refresh"  # the kind of the counts' job leases (bdtx.dashboards.tasks.refresh_job)
BUSY = (RefreshJob.Status.QUEUED, RefreshJob.Status.RUNNING)

# After a failed count, the next one starts no sooner than this (a page does not start a failing job on every view).
RETRY_AFTER_FAILURE = dt.timedelta(minutes=5)
KEEP_DONE = dt.timedelta(days=1)


class TargetError(Exception):
    """A target the rules refuse; the message says why, in the user's language."""


# Freshness ------------------------------------------------------------------------------------------------


def current_job(year: int) -> RefreshJob | None:
    """The year's count in progress (with `notice`: its true state when its worker died, bdtx/ops/jobs.py), or the
    last one when it failed recently (to show why). A count its workers dropped too often is failed here, so that
    the next one starts after the pause that follows a failure."""
    job = RefreshJob.objects.filter(year=year).order_by("-created_at", "-pk").first()
    if job is None:
        return None
    if job.busy:
        job.notice = jobs.notice(REFRESH, job.pk)
        if job.notice is None or job.notice["state"] != jobs.GIVEN_UP:
            return job
        job.status, job.finished_at = RefreshJob.Status.FAILED, timezone.now()
        job.failure = _("Counting was interrupted too many times (its workers stopped).")
        RefreshJob.objects.filter(pk=job.pk, status__in=BUSY).update(
            status=job.status, failure=job.failure, finished_at=job.finished_at
        )
    if (
        job.status == RefreshJob.Status.FAILED
        and job.finished_at
        and job.finished_at >= timezone.now() - RETRY_AFTER_FAILURE
    ):
        return job
    return None


def start_refresh(year: int, *, by=None, metrics=()) -> RefreshJob:
    """Queue a count of the year's figures (the given metrics, or those found old when it runs), unless one is
    already queued or running; returns that job. A count whose worker died is not replaced here: the job reaper
    queues it again (bdtx/ops/jobs.py), and the page says so meanwhile."""
    from . import tasks

    with transaction.atomic():
        # Finished counts are kept a day (to show when and why), then dropped.
        RefreshJob.objects.filter(status=RefreshJob.Status.DONE, finished_at__lt=timezone.now() - KEEP_DONE).delete()
        busy = RefreshJob.objects.filter(year=year, status__in=BUSY).first()
        if busy is not None:
            return busy
        try:
            with transaction.atomic():
                job = RefreshJob.objects.create(year=year, requested_by=by, metrics=sorted(metrics))
        except IntegrityError:  # another request queued one at the same moment
            return RefreshJob.objects.filter(year=year, status__in=BUSY).first()
    try:
        tasks.refresh_job.enqueue(job.pk)
    except Exception:  # the queue refused it: said on the page, tried again after the pause that follows a failure
        log.exception("could not queue the dashboard count %s", job.pk)
        RefreshJob.objects.filter(pk=job.pk, status=RefreshJob.Status.QUEUED).update(
            status=RefreshJob.Status.FAILED,
            failure=_("The count could not be queued."),
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def ensure_fresh(year: int, *, by=None) -> tuple[freshness.Freshness, RefreshJob | None]:
    """The state of the year's figures, starting a count in the background when some no longer hold (or were never
    counted) and none is running. With an immediate task backend (tests) the count has run when this returns."""
    state = freshness.check(year)
    job = current_job(year)
    if state.fresh or job is not None:
        return state, job
    job = start_refresh(year, by=by)
    if job.status == RefreshJob.Status.DONE:
        state = freshness.check(year)
    return state, job if job.busy or job.status == RefreshJob.Status.FAILED else None


# Targets --------------------------------------------------------------------------------------------------


def create_target(
    *,
    by,
    title: str,
    metric: str,
    unit,
    threshold,
    group: str = "",
    level: str = "",
    deadline: dt.date | None = None,
    year: int | None = None,
    document: str = "",
    note: str = "",
) -> Target:
    """An officer's own target for a unit of their subtree (the form and the API both come here)."""
    title = " ".join((title or "").split())
    if not title:
        raise TargetError(_("Give the target a title (field “Title”), e.g. “95% giáo viên tiểu học hoàn thành BDTX”."))
    if metric not in TargetMetric.values:
        raise TargetError(_("Choose what the target measures (field “What it measures”)."))
    if unit is None or not target_units(by).filter(pk=unit.pk).exists():
        raise TargetError(
            _("Choose a unit of your own for the target (field “Scope unit”): your unit or one below it.")
        )
    if group not in GROUPS:
        raise TargetError(_("Choose teachers, managers or both (field “Staff group”)."))
    try:
        threshold = Decimal(str(threshold)).quantize(Decimal("0.1"))
    except ArithmeticError:
        threshold = None
    if threshold is None or not 0 <= threshold <= 100:
        raise TargetError(_("The threshold is a share from 0 to 100 (field “Threshold (%)”), e.g. 93.5."))
    return Target.objects.create(
        title=title[:255],
        metric=metric,
        unit=unit,
        group=group,
        level=level,
        threshold=threshold,
        deadline=deadline,
        year=year,
        document=" ".join((document or "").split())[:500],
        note=(note or "").strip(),
        builtin=False,
        created_by=by,
    )


def remove_target(target: Target, *, by) -> None:
    if not can_remove_target(by, target):
        raise TargetError(_("Only an officer of the target's unit may remove it; built-in targets stay."))
    target.delete()


@dataclasses.dataclass
class LoadOutcome:
    code: str
    action: str  # created / updated / unchanged

    @property
    def message(self) -> str:
        return f"{self.code}: {self.action}"


FIELDS = ("title", "metric", "group", "level", "threshold", "deadline", "year", "document", "note")


def load_target_files(files: list[TargetFile]) -> list[LoadOutcome]:
    """Create or update the built-in targets of checked files by their code, in one transaction (idempotent);
    RuleFileError (nothing written) when a code appears twice."""
    seen: dict[str, str] = {}
    problems = []
    for target_file in files:
        for entry in target_file.targets:
            if entry["code"] in seen:
                problems.append(
                    _("%(file)s: the code %(code)s is also in %(other)s; keep it in one file.")
                    % {"file": target_file.file_name, "code": entry["code"], "other": seen[entry["code"]]}
                )
            seen[entry["code"]] = target_file.file_name
    if problems:
        raise RuleFileError(problems)
    outcomes = []
    with transaction.atomic():
        existing = {target.code: target for target in Target.objects.filter(code__in=list(seen))}
        for target_file in files:
            for entry in target_file.targets:
                target = existing.get(entry["code"])
                values = {name: entry[name] for name in FIELDS}
                if target is None:
                    Target.objects.create(code=entry["code"], builtin=True, unit=None, **values)
                    outcomes.append(LoadOutcome(entry["code"], "created"))
                elif any(getattr(target, name) != value for name, value in values.items()) or not target.builtin:
                    Target.objects.filter(pk=target.pk).update(builtin=True, unit=None, **values)
                    outcomes.append(LoadOutcome(entry["code"], "updated"))
                else:
                    outcomes.append(LoadOutcome(entry["code"], "unchanged"))
    return outcomes
