"""The school-A records of this area that the outsider test tries (see bdtx/tests/test_scope_everywhere.py):
member_a's yearly result (worked out from the draft plan school_a_records made), school A for the unit pages, and a
recompute job school A's principal started."""

from bdtx.results import services
from bdtx.results.models import RecomputeJob, YearResult


def records(cast) -> dict:
    services.recompute(2027, unit=cast.tree.school_a)
    result = YearResult.objects.get(staff=cast.member_a, year=2027)
    school = cast.tree.school_a.pk
    job = RecomputeJob.objects.create(unit=cast.tree.school_a, year=2027, requested_by=cast.principal_a)
    return {
        "results:result": result.pk,
        "results:result-recognise": result.pk,
        "results:result-correct": result.pk,
        "results:result-reopen": result.pk,
        "results:unit": school,
        "results:unit-recognise": school,
        "results:unit-recompute": school,
        "results:completion": school,
        "results:completion-xlsx": school,
        "results:at-risk": school,
        "results:at-risk-xlsx": school,
        "api:result-detail": result.pk,
        "results:recompute-job": job.pk,
    }
