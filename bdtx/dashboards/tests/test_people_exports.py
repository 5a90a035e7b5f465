"""A long list of the people behind a figure is written in the background (PeopleExport, under a job lease): the
button POSTs the list's filters, a progress page follows the job (htmx, or a refresh without JavaScript), and the
file goes only to the person who asked, while the unit is in their scope; each download is logged. A job whose worker
died is written again by the reaper."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from bdtx.accounts.models import RoleAssignment
from bdtx.dashboards import people
from bdtx.dashboards.exports import ROW_FIELDS
from bdtx.dashboards.models import PeopleExport
from bdtx.lib.db import rows_by_name
from bdtx.ops import jobs
from bdtx.ops.models import JobLease
from bdtx.privacy.models import AccessLog
from bdtx.testing import make_staff

from . import scene

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
TASK = "bdtx.dashboards.tasks.people_export"


@pytest.fixture
def world(cast, standards, settings):
    settings.EXPORT_INLINE_ROWS = 8  # the commune's people make a long list; a school's few do not
    return scene.build(cast, standards)


def ask(client, user, unit, **params):
    client.force_login(user)
    return client.post(reverse("dashboards:people-xlsx", args=[unit.pk]), {"year": scene.YEAR, **params})


def retiring_job(cast, world, **values) -> PeopleExport:
    return PeopleExport.objects.create(
        requested_by=cast.local,
        unit=world.tree.commune,
        which="retiring",
        year=scene.YEAR,
        retiring_in="2026",
        **values,
    )


def held_by_a_dead_worker(job: PeopleExport, *, seconds_ago: int = 120, **extra) -> JobLease:
    past = timezone.now() - dt.timedelta(seconds=seconds_ago)
    return JobLease.objects.create(
        kind="people-export", object_id=job.pk, task_path=TASK, claimed_by="old-host:4242:dead00",
        claimed_at=past, started_at=past, heartbeat_at=past, runs=1, **extra,
    )  # fmt: skip


def book_of(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.content[:300]
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)


def test_a_long_list_is_written_in_the_background_and_downloaded_by_who_asked(client, world, cast):
    response = ask(client, cast.local, world.tree.commune, list="retiring", **{"in": "2026"})
    job = PeopleExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("dashboards:people-export", args=[job.pk])
    assert (job.status, job.total, job.requested_by, job.filters["in"]) == ("done", 2, cast.local, "2026")
    page = client.get(response["Location"]).content.decode()
    assert "Đến thời điểm nghỉ hưu trong năm học 2026-2027" in page and "Tải về tệp Excel" in page
    assert not AccessLog.objects.exists()  # nothing handed out yet
    download = client.get(reverse("dashboards:people-export-download", args=[job.pk]))
    assert 'filename="danh-sach-pa-2026-2027-retiring-2026.xlsx"' in download["Content-Disposition"]
    table = list(book_of(download).active.iter_rows(min_row=7, values_only=True))
    assert [row[0] for row in table] == ["Phạm Thị Bình", "Đỗ Thị Dung"]
    entry = AccessLog.objects.get(what="dashboards:people-export-download")
    assert (entry.user, entry.kind, entry.rows, entry.full_data) == (cast.local, "export", 2, False)
    assert entry.filters == {"unit": world.tree.commune.pk, "list": "retiring", "year": 2026, "in": "2026"}


def test_a_short_list_is_still_written_at_once(client, world, cast):
    response = ask(client, cast.principal_a, world.tree.school_a)
    assert response.status_code == 200 and not PeopleExport.objects.exists()
    assert AccessLog.objects.get(what="dashboards:people-xlsx").rows == 5


def test_the_list_export_is_a_post(client, world, cast):
    client.force_login(cast.local)
    assert client.get(reverse("dashboards:people-xlsx", args=[world.tree.commune.pk])).status_code == 405


def test_the_progress_page_follows_the_job_with_or_without_javascript(client, world, cast, settings):
    settings.TASKS = DUMMY_TASKS  # queued, not run: as with a busy worker
    ask(client, cast.local, world.tree.commune, list="must_upgrade")
    job = PeopleExport.objects.get(status="queued")
    url = reverse("dashboards:people-export", args=[job.pk])
    page = client.get(url).content.decode()
    assert f'hx-get="{url}"' in page and '<meta http-equiv="refresh" content="3">' in page
    assert f'<a href="{url}">Tải lại trang để xem tiến độ</a>' in page
    assert client.get(reverse("dashboards:people-export-download", args=[job.pk])).status_code == 404
    from bdtx.dashboards.tasks import people_export

    people_export.call(job.pk)  # the worker writes it
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Refresh"] == "true"
    assert book_of(client.get(reverse("dashboards:people-export-download", args=[job.pk])))


def test_an_outsider_gets_404_on_the_job_page_and_the_download(client, world, cast):
    job = retiring_job(cast, world)
    ask(client, cast.local, world.tree.commune)
    done = PeopleExport.objects.get(status="done")
    client.force_login(cast.principal_b)
    for pk in (job.pk, done.pk):
        assert client.get(reverse("dashboards:people-export", args=[pk])).status_code == 404
        assert client.get(reverse("dashboards:people-export-download", args=[pk])).status_code == 404


def test_someone_else_in_scope_who_did_not_ask_gets_404(client, world, cast):
    ask(client, cast.local, world.tree.commune)
    job = PeopleExport.objects.get(status="done")
    client.force_login(cast.officer)  # the Sở's officer sees the commune, but did not ask for this file
    assert client.get(reverse("dashboards:people-export", args=[job.pk])).status_code == 404
    assert client.get(reverse("dashboards:people-export-download", args=[job.pk])).status_code == 404
    assert not AccessLog.objects.exists()


def test_the_asker_no_longer_in_charge_of_the_unit_gets_404(client, world, cast):
    ask(client, cast.local, world.tree.commune)
    job = PeopleExport.objects.get(status="done")
    RoleAssignment.objects.filter(user=cast.local).delete()
    client.force_login(cast.local)
    assert client.get(reverse("dashboards:people-export-download", args=[job.pk])).status_code == 404


def test_an_export_whose_worker_died_is_written_again_by_the_reaper(client, world, cast):
    job = retiring_job(cast, world, status="running", done=0, total=2)
    held_by_a_dead_worker(job, seconds_ago=20)
    client.force_login(cast.local)
    page = client.get(reverse("dashboards:people-export", args=[job.pk])).content.decode()
    assert "Bị gián đoạn" in page  # not a frozen bar

    resumed, given_up = jobs.reap(timezone.now() + dt.timedelta(minutes=1))  # its lease has expired

    assert [lease.object_id for lease in resumed] == [job.pk] and given_up == []
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 2, 2) and job.file
    lease = JobLease.objects.get(kind="people-export", object_id=job.pk)
    assert (lease.runs, lease.claimed_by, lease.finished_at is not None) == (2, "", True)
    assert book_of(client.get(reverse("dashboards:people-export-download", args=[job.pk])))


def test_the_job_page_reads_a_bounded_number_of_queries(client, world, cast, django_assert_max_num_queries):
    job = retiring_job(cast, world, status="running", total=2)
    jobs.claim("people-export", job.pk, task_path=TASK)
    client.force_login(cast.local)
    url = reverse("dashboards:people-export", args=[job.pk])
    client.get(url)
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200


def test_a_list_read_in_chunks_has_everyone_once_in_order_even_with_namesakes(world, cast):
    for n in range(3):  # the same name: the chunks go on from the last one's id
        make_staff(world.tree.school_a, "Nguyễn Văn An", code=f"GV-A-9{n}")
    found = people.not_completed(world.tree.commune, scene.YEAR)
    everyone = list(found.order_by("sort_key", "pk").values_list("pk", flat=True))
    assert len(everyone) > 6 and [pk for *_row, pk in rows_by_name(found, [*ROW_FIELDS, "pk"], size=2)] == everyone
