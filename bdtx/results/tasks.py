"""Recomputing the results of a large subtree in the background (django.tasks), with progress.

The results app has no job table (no migration in this issue), so a job's state is a small JSON file under
MEDIA_ROOT/results/jobs/<id>.json, written whole and renamed into place at every step (a reader never sees half of
it). Recomputing is idempotent (what is unchanged is left alone), so a job whose worker died is simply run again."""

import json
import logging
import os
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bdtx.organisations.models import Unit

from . import services

log = logging.getLogger("bdtx.results")
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


def jobs_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "results" / "jobs"


def _path(job_id: str) -> Path:
    if not job_id.isalnum():
        raise FileNotFoundError(job_id)
    return jobs_dir() / f"{job_id}.json"


def read_job(job_id: str) -> dict | None:
    try:
        return json.loads(_path(job_id).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def _write(job: dict) -> None:
    folder = jobs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(job, out, ensure_ascii=False)
    os.replace(temporary, _path(job["id"]))


def _update(job_id: str, **values) -> dict:
    job = read_job(job_id) or {}
    job.update(values)
    _write(job)
    return job


def new_job(*, unit: Unit, year: int, user, total: int) -> dict:
    """A queued recompute job for the unit's subtree, started by `user`."""
    job = {
        "id": secrets.token_hex(12),
        "unit": unit.pk,
        "unit_name": unit.name,
        "year": year,
        "user": user.pk,
        "status": QUEUED,
        "done": 0,
        "total": total,
        "counts": {},
        "created_at": timezone.now().isoformat(),
        "failure": "",
    }
    _write(job)
    return job


@task()
def recompute_job(job_id: str) -> None:
    """Recompute the year's results of the job's subtree, recording progress after every 2,000 people."""
    job = read_job(job_id)
    if job is None or job["status"] == DONE:
        return
    with translation.override(settings.LANGUAGE_CODE):
        try:
            unit = Unit.objects.get(pk=job["unit"])
            _update(job_id, status=RUNNING, done=0)
            counts = services.recompute(
                job["year"], unit=unit, progress=lambda done, total: _update(job_id, done=done, total=total)
            )
        except Exception:
            log.exception("recompute job %s failed", job_id)
            _update(
                job_id,
                status=FAILED,
                failure=_("The recomputation stopped because of an unexpected error. Start it again."),
            )
            return
        _update(job_id, status=DONE, done=counts["people"], total=counts["people"], counts=counts)
        log.info("recomputed results year=%s unit=%s %s", job["year"], unit.code, counts)
