"""The deadline's busiest requests stay lean (bench/load.py measures them under load, docs/load.md): the
submission is one versioned write with its audit event and training needs, in one transaction; the autosave answers
without the menu's queries; the person's own page needs a bounded number of queries. Scope and refusals as ever."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bdtx.appraisals import services
from bdtx.appraisals.models import Appraisal, AppraisalEvent, TrainingNeed
from bdtx.testing import make_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(cast, standards):
    return make_cycle(cast.tree.commune, by=cast.local)


@pytest.fixture
def appraisal(cycle, cast):
    return services.start_appraisal(cycle, cast.member_a)


@pytest.fixture
def teacher(client, cast):
    client.force_login(cast.teacher_a)
    return client


def levels(count=15, low=(2,)):
    """Khá everywhere but Đạt on `low`: a Khá rating with a training need on those criteria."""
    return {f"level-{n}": "dat" if n in low else "kha" for n in range(1, count + 1)}


def appraisal_updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "appraisals_appraisal" in q["sql"]]


def test_a_submission_is_one_versioned_update_with_its_audit_event_and_training_needs(teacher, appraisal, cast):
    url = reverse("appraisals:self-save", kwargs={"pk": appraisal.pk})
    form = {**levels(), "strengths": "Nhiệt tình", "action": "submit", "version": appraisal.version}
    with CaptureQueriesContext(connection) as queries:
        response = teacher.post(url, form)
    assert response.status_code == 302
    updates = appraisal_updates(queries.captured_queries)
    assert len(updates) == 1 and '"version" = ' in updates[0] and "WHERE" in updates[0]
    saved = Appraisal.objects.get(pk=appraisal.pk)
    assert (saved.self_status, saved.self_rating, saved.strengths) == ("submitted", "kha", "Nhiệt tình")
    assert saved.version == appraisal.version + 1
    event = AppraisalEvent.objects.get(appraisal=appraisal)
    assert (event.action, event.by, event.details) == ("submitted", cast.teacher_a, {"rating": "kha"})
    assert list(TrainingNeed.objects.filter(appraisal=appraisal).values_list("criterion__number", flat=True)) == [2]


def test_a_submission_the_rules_refuse_still_keeps_the_draft(teacher, appraisal):
    url = reverse("appraisals:self-save", kwargs={"pk": appraisal.pk})
    response = teacher.post(url, {"level-1": "tot", "action": "submit", "version": appraisal.version})
    assert response.status_code == 400
    assert "2, 3, 4" in response.content.decode()
    saved = Appraisal.objects.get(pk=appraisal.pk)
    assert (saved.self_status, saved.self_levels, saved.version) == ("draft", {"1": "tot"}, appraisal.version + 1)
    assert not AppraisalEvent.objects.filter(appraisal=appraisal).exists()


def test_a_stale_submission_writes_nothing_and_says_to_reload(teacher, appraisal):
    url = reverse("appraisals:self-save", kwargs={"pk": appraisal.pk})
    teacher.post(url, {"level-1": "tot", "version": appraisal.version}, headers={"HX-Request": "true"})
    response = teacher.post(url, {**levels(), "action": "submit", "version": appraisal.version})
    assert response.status_code == 400
    assert "tải lại" in response.content.decode().lower()
    saved = Appraisal.objects.get(pk=appraisal.pk)
    assert (saved.self_status, saved.self_levels) == ("draft", {"1": "tot"})


def test_the_service_puts_back_what_it_set_when_the_versioned_write_is_refused(appraisal, cast):
    Appraisal.objects.filter(pk=appraisal.pk).update(version=appraisal.version + 5)  # saved elsewhere meanwhile
    with pytest.raises(services.Stale):
        services.save_self_assessment(
            appraisal, by=cast.teacher_a, levels={str(n): "kha" for n in range(1, 16)}, submit=True
        )
    assert (appraisal.self_status, appraisal.self_rating, appraisal.self_submitted_at) == ("draft", "", None)
    assert Appraisal.objects.get(pk=appraisal.pk).self_status == "draft"


def test_the_submission_request_needs_few_queries(teacher, appraisal, django_assert_max_num_queries):
    url = reverse("appraisals:self-save", kwargs={"pk": appraisal.pk})
    # Session, user, the appraisal; then the versioned update, the audit event and the needs (delete, criteria,
    # insert), with the transaction's own statements.
    with django_assert_max_num_queries(10):
        response = teacher.post(url, {**levels(), "action": "submit", "version": appraisal.version})
    assert response.status_code == 302


def test_the_autosave_answers_without_the_menus_queries(teacher, appraisal, django_assert_max_num_queries):
    url = reverse("appraisals:self-save", kwargs={"pk": appraisal.pk})
    with django_assert_max_num_queries(4):  # session, user, the appraisal, the update
        response = teacher.post(url, {"level-1": "kha", "version": appraisal.version}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'value="{appraisal.version + 1}"' in response.content.decode()


def test_the_persons_own_page_needs_a_bounded_number_of_queries(teacher, appraisal, django_assert_max_num_queries):
    url = reverse("appraisals:detail", kwargs={"pk": appraisal.pk})
    with django_assert_max_num_queries(10):
        response = teacher.get(url)
    assert response.status_code == 200
    assert "Nộp phiếu tự đánh giá" in response.content.decode()


def test_a_manager_may_read_but_not_fill_in_someone_elses_self_assessment(client, cast, appraisal):
    client.force_login(cast.principal_a)
    url = reverse("appraisals:self-save", kwargs={"pk": appraisal.pk})
    assert client.post(url, {**levels(), "action": "submit", "version": appraisal.version}).status_code == 403
    assert Appraisal.objects.get(pk=appraisal.pk).self_status == "draft"


def test_an_outsider_posting_a_self_assessment_gets_404(client, cast, appraisal):
    client.force_login(cast.principal_b)
    url = reverse("appraisals:self-save", kwargs={"pk": appraisal.pk})
    assert client.post(url, {**levels(), "action": "submit", "version": appraisal.version}).status_code == 404
    assert client.get(reverse("appraisals:detail", kwargs={"pk": appraisal.pk})).status_code == 404


def test_submit_leads_to_a_receipt_with_the_time_and_the_self_rating_in_few_queries(
    teacher, appraisal, django_assert_max_num_queries
):
    url = reverse("appraisals:self-save", kwargs={"pk": appraisal.pk})
    response = teacher.post(url, {**levels(), "action": "submit", "version": appraisal.version})
    receipt = reverse("appraisals:receipt", kwargs={"pk": appraisal.pk})
    assert response.url == receipt
    with django_assert_max_num_queries(6):
        page = teacher.get(receipt)
    text = page.content.decode()
    submitted = Appraisal.objects.get(pk=appraisal.pk).self_submitted_at
    assert "Đã nộp phiếu tự đánh giá" in text and "Khá" in text
    assert timezone.localtime(submitted).strftime("%d/%m/%Y") in text
    assert reverse("appraisals:detail", kwargs={"pk": appraisal.pk}) in text


def test_the_receipt_of_a_draft_sends_the_person_back_to_the_form(teacher, appraisal):
    response = teacher.get(reverse("appraisals:receipt", kwargs={"pk": appraisal.pk}))
    assert response.url == reverse("appraisals:detail", kwargs={"pk": appraisal.pk})


def test_the_receipt_is_the_owners_a_principal_is_sent_to_the_appraisal_and_an_outsider_gets_404(
    client, appraisal, cast
):
    services.save_self_assessment(appraisal, by=cast.teacher_a, levels=levels_of(), submit=True)
    receipt = reverse("appraisals:receipt", kwargs={"pk": appraisal.pk})
    client.force_login(cast.principal_a)
    assert client.get(receipt).url == reverse("appraisals:detail", kwargs={"pk": appraisal.pk})
    client.force_login(cast.principal_b)
    assert client.get(receipt).status_code == 404


def levels_of(level="kha", count=15) -> dict[str, str]:
    return {str(n): level for n in range(1, count + 1)}
