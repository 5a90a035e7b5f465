"""The school-A records of the dashboards that the outsider test tries (see bdtx/tests/test_scope_everywhere.py):
school A for the dashboard pages and the API, a target the commune officer set for school A, and a list of school
A's people its principal exported."""

from bdtx.dashboards.models import PeopleExport, Target


def records(cast) -> dict:
    school = cast.tree.school_a.pk
    target = Target.objects.create(
        title="100% giáo viên Trường Tiểu học Tân Phong hoàn thành BDTX",
        metric="completion",
        unit=cast.tree.school_a,
        threshold=100,
        created_by=cast.local,
    )
    export = PeopleExport.objects.create(
        requested_by=cast.principal_a, unit=cast.tree.school_a, which="core", year=2026, status="done"
    )
    return {
        "dashboards:unit": school,
        "dashboards:status": school,
        "dashboards:people": school,
        "dashboards:people-xlsx": school,
        "dashboards:people-export": export.pk,
        "dashboards:people-export-download": export.pk,
        "dashboards:unit-xlsx": school,
        "dashboards:unit-pdf": school,
        "dashboards:report-pdf": school,
        "dashboards:report-xlsx": school,
        "dashboards:target": target.pk,
        "dashboards:target-remove": target.pk,
        "api:dashboard-unit": school,
    }
