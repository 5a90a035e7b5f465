"""Targets as data: the bundled files and `load_targets`, the status rule, the target pages, an officer's own
target through the form, and scope."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from bdtx.dashboards import targets
from bdtx.dashboards.models import Target

from . import scene
from .test_pages import table


@pytest.fixture
def world(cast, standards):
    built = scene.build(cast, standards)
    call_command("load_targets", verbosity=0)
    return built


def test_load_targets_loads_the_plan_the_decision_1677_and_the_decree_71_roadmap(db):
    out = io.StringIO()
    call_command("load_targets", stdout=out)
    assert Target.objects.filter(builtin=True).count() == 14
    kha = Target.objects.get(code="ke-hoach-gvmn-kha")
    assert (kha.metric, kha.group, kha.level, str(kha.threshold), kha.deadline) == (
        "kha_or_better", "teacher", "mam_non", "93.5", None,
    )  # fmt: skip
    assert "REGULATIONS.md §8" in kha.document
    college = Target.objects.get(code="qd1677-2025-cao-dang")
    assert college.deadline == dt.date(2025, 12, 31) and "1677/QĐ-TTg" in college.document
    assert Target.objects.get(code="nd71-tieu-hoc-giai-doan-1").threshold == 50
    assert "ke-hoach-hoan-thanh-bdtx: created" in out.getvalue()


def test_load_targets_again_changes_nothing(db):
    call_command("load_targets", verbosity=0)
    out = io.StringIO()
    call_command("load_targets", stdout=out)
    assert Target.objects.count() == 14
    assert {line.split(": ")[1] for line in out.getvalue().splitlines()} == {"unchanged"}


def test_a_bad_target_file_is_refused_with_every_problem(db, tmp_path):
    path = tmp_path / "sai.yaml"
    path.write_text(
        "format: 1\nsource: Kế hoạch thử\ntargets:\n"
        "  - code: Sai Ma\n    title: Thử\n    metric: ti_le\n    threshold: 120\n    deadline: 31/02/2026\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as raised:
        call_command("load_targets", str(path))
    assert raised.value.returncode == 2
    message = str(raised.value)
    assert "sai.yaml, chỉ tiêu thứ 1" in message
    for key in ("“code”", "“metric”", "“threshold”", "“deadline”"):
        assert key in message
    assert not Target.objects.exists()


@pytest.mark.parametrize(
    ("value", "threshold", "deadline", "day", "status"),
    [
        (100.0, 100, dt.date(2027, 7, 31), dt.date(2026, 11, 1), "on_track"),
        (93.5, "93.5", dt.date(2027, 7, 31), dt.date(2026, 11, 1), "on_track"),  # reaching it is enough
        (93.4, "93.5", dt.date(2027, 7, 31), dt.date(2026, 11, 1), "at_risk"),
        (93.4, "93.5", dt.date(2026, 11, 1), dt.date(2026, 11, 1), "at_risk"),  # on the deadline day itself
        (93.4, "93.5", dt.date(2025, 12, 31), dt.date(2026, 11, 1), "missed"),
        (None, 90, dt.date(2025, 12, 31), dt.date(2026, 11, 1), "no_data"),
    ],
)
def test_the_status_of_a_target(value, threshold, deadline, day, status):
    assert targets.status_of(value, threshold, deadline, day) == status


def test_a_target_without_deadline_is_due_at_the_end_of_each_school_year(db):
    target = Target(title="x", metric="completion", threshold=100)
    assert targets.due_date(target, 2026) == dt.date(2027, 7, 31)
    assert targets.judged_on(2024, today=dt.date(2026, 11, 1)) == dt.date(2025, 7, 31)


def test_the_target_list_shows_the_status_at_the_viewers_unit(client, world, cast):
    client.force_login(cast.local)
    response = client.get(reverse("dashboards:targets"), {"year": scene.YEAR})
    assert response.status_code == 200 and response.context["unit"] == world.tree.commune
    rows = {row[0]: row[1:] for row in table(response.content.decode(), "targets-here")[1:]}
    completion = next(
        row for title, row in rows.items() if title.startswith("100% cán bộ quản lý, giáo viên hoàn thành")
    )
    assert completion[-2:] == ["22,2% (2/9)", "Có nguy cơ không đạt"]


def test_a_targets_page_shows_every_child_units_value_and_status(client, world, cast):
    client.force_login(cast.officer)
    target = Target.objects.get(code="ke-hoach-hoan-thanh-bdtx")
    response = client.get(reverse("dashboards:target", args=[target.pk]), {"year": scene.YEAR})
    assert response.status_code == 200
    rows = {row[0]: row[1:] for row in table(response.content.decode(), "target-units")[1:]}
    assert rows["UBND phường Tân Phong"] == ["2", "9", "22,2", "Có nguy cơ không đạt"]
    assert rows["Trường THPT Chuyên Lê Quý Đôn"] == ["0", "2", "0,0", "Có nguy cơ không đạt"]


def test_an_officer_adds_a_target_through_the_form(client, world, cast):
    client.force_login(cast.local)
    form = {
        "title": "95% giáo viên tiểu học phường hoàn thành BDTX",
        "metric": "completion",
        "unit": world.tree.commune.pk,
        "group": "teacher",
        "level": "tieu_hoc",
        "threshold": "95",
        "deadline": "31/05/2027",
        "year": str(scene.YEAR),
        "document": "Kế hoạch số 7/KH-UBND ngày 01/09/2026",
    }
    response = client.post(reverse("dashboards:target-new"), form)
    target = Target.objects.get(title=form["title"])
    assert response.status_code == 302 and response.url == reverse("dashboards:target", args=[target.pk])
    assert (target.unit, target.created_by, target.deadline) == (world.tree.commune, cast.local, dt.date(2027, 5, 31))
    html = client.get(response.url, {"year": scene.YEAR}).content.decode()
    # Primary teachers of the commune: Hoà, An, Bình, Giang, Khoa; An completed.
    assert "1 trên 5 người" in html and "Đã đặt chỉ tiêu" in html


def test_the_target_form_says_what_is_wrong_in_vietnamese(client, world, cast):
    client.force_login(cast.local)
    response = client.post(
        reverse("dashboards:target-new"),
        {"metric": "completion", "unit": world.tree.commune.pk, "threshold": "150", "deadline": "31/13/2027"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Hãy đặt tên cho chỉ tiêu." in html
    assert "Mức chỉ tiêu là một tỉ lệ từ 0 đến 100." in html
    assert "Hãy ghi thời hạn theo dạng dd/mm/yyyy" in html
    assert not Target.objects.filter(builtin=False).exists()


def test_an_officer_sets_targets_only_within_their_subtree(client, world, cast):
    client.force_login(cast.local)
    response = client.post(
        reverse("dashboards:target-new"),
        {"title": "Mục tiêu", "metric": "completion", "unit": world.tree.school_b.pk, "threshold": "90"},
    )
    assert response.status_code == 400
    assert not Target.objects.filter(builtin=False).exists()


def test_a_principal_reads_targets_but_does_not_set_them(client, world, cast):
    client.force_login(cast.principal_a)
    assert client.get(reverse("dashboards:target-new")).status_code == 404
    assert client.get(reverse("dashboards:targets"), {"year": scene.YEAR}).status_code == 200


def test_an_outsider_gets_404_for_a_target_set_for_another_school(client, world, cast):
    target = Target.objects.create(
        title="Trường A: 100% hoàn thành", metric="completion", unit=world.tree.school_a, threshold=100,
        created_by=cast.local,
    )  # fmt: skip
    client.force_login(cast.principal_b)
    assert client.get(reverse("dashboards:target", args=[target.pk])).status_code == 404
    assert client.post(reverse("dashboards:target-remove", args=[target.pk])).status_code == 404
    assert client.get(reverse("dashboards:targets"), {"unit": world.tree.school_a.pk}).status_code == 404
    client.force_login(cast.principal_a)
    assert client.get(reverse("dashboards:target", args=[target.pk]), {"year": scene.YEAR}).status_code == 200


def test_an_officer_removes_their_target_but_not_a_built_in_one(client, world, cast):
    target = Target.objects.create(
        title="Phường: 100% hoàn thành", metric="completion", unit=world.tree.commune, threshold=100,
        created_by=cast.local,
    )  # fmt: skip
    client.force_login(cast.local)
    response = client.post(reverse("dashboards:target-remove", args=[target.pk]))
    assert response.status_code == 302 and not Target.objects.filter(pk=target.pk).exists()
    builtin = Target.objects.get(code="ke-hoach-hoan-thanh-bdtx")
    assert client.post(reverse("dashboards:target-remove", args=[builtin.pk])).status_code == 403


def test_the_target_list_reads_a_bounded_number_of_queries(client, world, cast, django_assert_max_num_queries):
    from bdtx.dashboards import services

    services.ensure_fresh(scene.YEAR)
    client.force_login(cast.officer)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("dashboards:targets"), {"year": scene.YEAR}).status_code == 200
