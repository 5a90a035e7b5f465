"""Scope, checked from the URL configuration itself: every URL that names a record is tried by the outsider
(school B's principal) on school A's records, with every method, and must answer 404; every URL that is not
public asks an anonymous visitor to sign in. A new URL with a record in it fails here until it is listed."""

import importlib

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bdtx.appraisals.models import SubjectGroup
from bdtx.appraisals.services import add_evidence, start_appraisal
from bdtx.catalog.models import ModuleMaterial, TrainingModule
from bdtx.imports.models import ImportJob
from bdtx.plans.services import create_unit_plan, start_personal_plan
from bdtx.staff.models import ExportJob
from bdtx.testing import make_cycle

PUBLIC = {
    "healthz",
    "readyz",
    "accounts:login",
    "accounts:password-reset",
    "accounts:password-reset-sent",
    "accounts:password-reset-confirm",
    "set_language",
    "accounts:logout",  # POST only; signs out whoever is signed in
    "api:schema",  # the API's description holds no data
    "api:docs",
    "verify",  # the public check of a certificate (its QR code's address)
}


def url_names(patterns=None, namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from url_names(pattern.url_patterns, inner or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern.pattern.converters


def school_a_records(cast):
    """For each URL namespace, the record of school A that a URL with <pk> points at."""
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.STAFF,
        file=ContentFile(b"x", name="a.csv"),
        original_name="a.csv",
        uploaded_by=cast.principal_a,
        unit=cast.tree.school_a,
        status=ImportJob.Status.CHECKED,
    )
    export = ExportJob.objects.create(requested_by=cast.principal_a, status=ExportJob.Status.DONE)
    # Appraisals: a cycle at the commune reaches school A only; the appraisal is member_a's.
    call_command("load_standards", verbosity=0)
    appraisal_cycle = make_cycle(cast.tree.commune, by=cast.local)
    appraisal = start_appraisal(appraisal_cycle, cast.member_a)
    evidence = add_evidence(appraisal, by=cast.teacher_a, title="Giáo án", description="Giáo án môn Toán")
    form_group = SubjectGroup.objects.create(unit=cast.tree.school_a, name="Tổ in ấn biểu mẫu", leader=cast.member_a)
    # Plans: member_a's personal plan under the Sở's plan.
    call_command("load_programmes", verbosity=0)
    call_command("load_modules", verbosity=0)
    create_unit_plan(unit=cast.tree.province, year=2027, by=cast.officer)
    personal_plan = start_personal_plan(cast.member_a, 2027)
    school_plan = create_unit_plan(unit=cast.tree.school_a, year=2027, by=cast.principal_a)
    # Catalogue: a module the commune added (school A sees it, school B does not), with a material.
    commune_module = TrainingModule.objects.create(
        code="PA 01", title="Giáo dục địa phương", programme=personal_plan.programme, owner=cast.tree.commune
    )
    material = ModuleMaterial.objects.create(module=commune_module, title="Bài giảng", url="https://taphuan.vn/1")
    return {
        "accounts:reset-password": cast.teacher_a.pk,
        "staff:export-detail": export.pk,
        "staff:export-download": export.pk,
        "organisations": cast.tree.school_a.pk,
        "staff": cast.member_a.pk,
        "imports": job.pk,
        "api:unit-detail": cast.tree.school_a.pk,
        "api:staff-detail": cast.member_a.pk,
        "api:appraisal-cycle-detail": appraisal_cycle.pk,
        "api:appraisal-detail": appraisal.pk,
        "api:appraisal-self-assessment": appraisal.pk,
        "api:appraisal-submit": appraisal.pk,
        "api:appraisal-evaluation": appraisal.pk,
        "api:module-detail": commune_module.pk,
        "api:unit-plan-detail": school_plan.pk,
        "api:personal-plan-detail": personal_plan.pk,
        "api:personal-plan-modules": personal_plan.pk,
        "api:personal-plan-submit": personal_plan.pk,
        "api:personal-plan-decision": personal_plan.pk,
        "catalog": commune_module.pk,
        "catalog:material-file": material.pk,
        "catalog:material-remove": material.pk,
        "plans:personal": personal_plan.pk,
        "plans:personal-modules": personal_plan.pk,
        "plans:personal-decide": personal_plan.pk,
        "plans:approvals": cast.tree.school_a.pk,
        "plans:budget": school_plan.pk,
        "plans:budget-xlsx": school_plan.pk,
        "plans:unit-plan": school_plan.pk,
        "plans:unit-plan-edit": school_plan.pk,
        "plans:unit-plan-submit": school_plan.pk,
        "plans:unit-plan-decide": school_plan.pk,
        "plans:unit-plan-pdf": school_plan.pk,
        "appraisals:detail": appraisal.pk,
        "appraisals:self-save": appraisal.pk,
        "appraisals:receipt": appraisal.pk,
        "appraisals:evidence-add": appraisal.pk,
        "appraisals:change-standard": appraisal.pk,
        "appraisals:evaluate": appraisal.pk,
        "appraisals:reopen": appraisal.pk,
        "appraisals:evidence-file": evidence.pk,
        "appraisals:evidence-remove": evidence.pk,
        "appraisals:opinions": appraisal_cycle.pk,
        "appraisals:principals": appraisal_cycle.pk,
        "appraisals:group-summary": form_group.pk,
        "appraisals:bulk-evaluate": form_group.pk,
        "appraisals:form-01": appraisal.pk,
        "appraisals:evaluation-form": appraisal.pk,
        "appraisals:principal-opinions": appraisal.pk,
        "appraisals:form-02": appraisal_cycle.pk,
        "appraisals:form-03": form_group.pk,
        "appraisals:form-04": appraisal_cycle.pk,
        "appraisals:results-xlsx": appraisal_cycle.pk,
        "appraisals:cycle-detail": appraisal_cycle.pk,
        "appraisals:cycle-edit": appraisal_cycle.pk,
        "appraisals:cycle-ratings": appraisal_cycle.pk,
        "appraisals:cycle-needs": appraisal_cycle.pk,
        "appraisals:not-submitted-xlsx": appraisal_cycle.pk,
        "appraisals:groups": cast.tree.school_a.pk,
        "appraisals:group-new": cast.tree.school_a.pk,
        "appraisals:group-edit": form_group.pk,
        "appraisals:policy": cast.tree.school_a.pk,
    }


# Each area of delivery and results lists its own records (a module with `records(cast) -> {url name: pk}`),
# built on the records above (member_a's approved plan is there for them).
AREA_RECORDS = [
    "bdtx.delivery.tests.scope_classes",
    "bdtx.delivery.tests.scope_attendance",
    "bdtx.delivery.tests.scope_scores",
    "bdtx.results.tests.scope_results",
    "bdtx.results.tests.scope_certificates",
    "bdtx.dashboards.tests.scope_dashboards",
]


def all_records(cast):
    records = school_a_records(cast)
    for module in AREA_RECORDS:
        records.update(importlib.import_module(module).records(cast))
    return records


def record_for(name, records):
    return records.get(name, records.get(name.split(":")[0]))


def test_every_url_with_a_record_is_404_for_an_outsider_whatever_the_method(client, cast):
    records = all_records(cast)
    client.force_login(cast.principal_b)
    checked = []
    for name, converters in url_names():
        if set(converters) != {"pk"} or name in PUBLIC:
            continue
        pk = record_for(name, records)
        assert pk is not None, f"{name}: list the school-A record it points at in school_a_records()"
        url = reverse(name, kwargs={"pk": pk})
        for method in ("get", "post", "patch", "put"):
            response = (
                getattr(client, method)(url, content_type="application/json")
                if method in ("patch", "put")
                else getattr(client, method)(url)
            )
            if response.status_code == 405:
                continue  # the URL does not take this method at all, for anyone
            assert response.status_code == 404, f"{method.upper()} {url} ({name}) → {response.status_code}"
            checked.append(name)
    assert len(set(checked)) >= 15  # the staff, unit, import, account and API records


@pytest.mark.parametrize(
    "name",
    sorted(name for name, converters in url_names() if name not in PUBLIC and not converters),
)
def test_every_private_page_asks_an_anonymous_visitor_to_sign_in(client, db, name):
    response = client.get(reverse(name))
    if name.startswith("api:"):
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302 and reverse("accounts:login") in response.url
