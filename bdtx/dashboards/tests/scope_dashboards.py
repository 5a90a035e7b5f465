"""The school-A records of the dashboards that the outsider test tries (see bdtx/tests/test_scope_everywhere.py):
school A for the dashboard pages and the API, and a target the commune officer set for school A."""

from bdtx.dashboards.models import Target


def records(cast) -> dict:
    school = cast.tree.school_a.pk
    target = Target.objects.create(
        title="100% giáo viên Trường Tiểu học Tân Phong hoàn thành BDTX",
        metric="completion",
        unit=cast.tree.school_a,
        threshold=100,
        created_by=cast.local,
    )
    return {
        "dashboards:unit": school,
        "dashboards:status": school,
        "dashboards:people": school,
        "dashboards:people-xlsx": school,
        "dashboards:unit-xlsx": school,
        "dashboards:unit-pdf": school,
        "dashboards:report-pdf": school,
        "dashboards:report-xlsx": school,
        "dashboards:target": target.pk,
        "dashboards:target-remove": target.pk,
        "api:dashboard-unit": school,
    }
