"""{% job_notice "kind" job.pk %}: on a background job's page, its true state when its worker died (ops/jobs.py)."""

from django import template

from bdtx.ops import jobs

register = template.Library()


@register.inclusion_tag("ops/job_notice.html")
def job_notice(kind: str, object_id: int) -> dict:
    return {"notice": jobs.notice(kind, object_id)}
