"""Confirming a whole school's evaluation at once: a 60-teacher school, server time against the raw UPDATE.

Builds a fresh database under var/bench/ (never the development database): one school of 60 teachers in one
subject group, each with a submitted self-assessment and some evidence. Then, RUNS times each, every run on
fresh unconfirmed data (the evaluations are put back to "not evaluated" between runs, untimed), it times:

- service: loading the school's appraisals and services.confirm_evaluations for all 60 (flags acknowledged);
- http: the head's bulk screen (appraisals:bulk-evaluate) POSTed through django.test.Client, all 60 at once;
- api_60_requests: what a principal's script does today, one POST /api/v1/appraisals/<id>/evaluation/ per
  teacher (60 requests, confirming each with its flags acknowledged);
- raw_update: the UPDATE statements of the appraisal table that a confirmation sends, replayed straight
  through connection.cursor (the floor the ratios are taken against).

Prints `name: value unit` lines, medians (and the slowest run of the two bulk paths); the target is ≤ 1 s of
server time for the whole school. With BENCH_POSTGRES_URL set (make bench starts a throw-away server), the same
is measured again on PostgreSQL in a database of its own. Environment: BENCH_RUNS=10, BENCH_TEACHERS=60."""

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_DIR, client_settings, postgres_rerun, remove_sqlite, setup_django  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "10"))
TEACHERS = int(os.environ.get("BENCH_TEACHERS", "60"))
DB = BENCH_DIR / "appraisal_confirm.sqlite3"
# Set by this script for its second pass: a PostgreSQL database of its own.
POSTGRES = os.environ.get("BENCH_APPRAISAL_POSTGRES", "")
NAME = f"appraisal_confirm_{TEACHERS}_{'postgres' if POSTGRES else 'sqlite'}"

if not POSTGRES:  # a fresh database at every run
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    remove_sqlite(DB)

setup_django(POSTGRES or f"sqlite:///{DB}", DEBUG="0")

import datetime as dt  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bdtx.accounts.models import Role, User  # noqa: E402
from bdtx.accounts.services import grant_role  # noqa: E402
from bdtx.appraisals import services  # noqa: E402
from bdtx.appraisals.models import Appraisal, AppraisalEvent  # noqa: E402
from bdtx.organisations.models import UnitKind  # noqa: E402
from bdtx.organisations.services import create_unit  # noqa: E402
from bdtx.staff.services import create_staff  # noqa: E402

LEVELS = ["dat", "kha", "kha", "tot"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Lò"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hoà", "Lan", "Mai", "Nam", "Phương", "Thảo", "Yến"]


def build() -> dict:
    """The school, its head, 60 teachers in one subject group with submitted self-assessments and evidence."""
    if POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_standards", verbosity=0)
    province = create_unit(code="BSO", name="Sở GDĐT (bench)", kind=UnitKind.DEPARTMENT, parent=None)
    commune = create_unit(code="BPA", name="UBND xã (bench)", kind=UnitKind.COMMUNE, parent=province)
    school = create_unit(
        code="BTA", name="Trường Tiểu học (bench)", parent=commune, kind=UnitKind.SCHOOL, levels="tieu_hoc"
    )
    head = User.objects.create_user(username="bench.hieutruong", password="bench", full_name="Hiệu trưởng")
    grant_role(head, Role.SCHOOL_ADMIN, school)
    today = timezone.localdate()
    cycle = services.open_cycle(
        by=None,
        unit=commune,
        year=today.year if today.month >= 8 else today.year - 1,
        title="Đánh giá chuẩn (bench)",
        self_assessment_from=today - dt.timedelta(days=20),
        self_assessment_until=today + dt.timedelta(days=10),
        opinions_until=today + dt.timedelta(days=15),
        evaluation_until=today + dt.timedelta(days=30),
    )
    members = [
        create_staff(
            unit=school,
            code=f"BGV{n:04d}",
            full_name=f"{FAMILY[n % len(FAMILY)]} Thị {GIVEN[n % len(GIVEN)]}",
            birth_date=dt.date(1980 + n % 20, 1 + n % 12, 1 + n % 28),
            gender="nu",
        )
        for n in range(TEACHERS)
    ]
    group = services.save_group(unit=school, name="Tổ 1-2-3", leader=members[0], members=members)
    for n, member in enumerate(members):
        appraisal = services.start_appraisal(cycle, member)
        count = appraisal.standard.criteria_count
        levels = {str(c): LEVELS[(n + c) % len(LEVELS)] for c in range(1, count + 1)}
        services.save_self_assessment(
            appraisal, by=None, levels=levels, strengths="Nhiệt tình", development_plan="Học thêm"
        )
        for c in range(1, count + 1, 3):  # evidence for every third criterion: some rows get flagged
            services.add_evidence(
                appraisal,
                by=None,
                title=f"Minh chứng tiêu chí {c}",
                criterion_number=c,
                description="Biên bản dự giờ",
                url=f"https://truong.example/minh-chung/{n}/{c}" if c % 2 else "",
            )
        services.submit_self_assessment(appraisal, by=None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"school": school, "head": head, "cycle": cycle, "group": group}


def evaluation_levels(appraisal: Appraisal) -> dict[int, str]:
    """The head's levels: the self-assessment, one level down on a criterion for every third person."""
    levels = appraisal.levels("self")
    if appraisal.staff_id % 3 == 0:
        levels[2] = "dat"
    return levels


def reset(data: dict) -> None:
    """Fresh unconfirmed data for the next run (untimed)."""
    appraisals = Appraisal.objects.filter(cycle=data["cycle"])
    AppraisalEvent.objects.filter(appraisal__in=appraisals, action=AppraisalEvent.Action.CONFIRMED).delete()
    appraisals.update(
        evaluation_status=Appraisal.EvaluationStatus.NONE,
        final_levels={},
        final_rating="",
        evaluation_comment="",
        evaluated_by=None,
        confirmed_at=None,
    )
    services.refresh_needs(appraisals.select_related("cycle"))


def check_confirmed(data: dict) -> None:
    left = Appraisal.objects.filter(cycle=data["cycle"]).exclude(evaluation_status="confirmed").count()
    if left:
        sys.exit(f"{left} evaluations were not confirmed")


def by_service(data: dict) -> float:
    started = time.perf_counter()
    appraisals = Appraisal.objects.filter(cycle=data["cycle"], unit=data["school"]).select_related(
        "staff", "standard", "unit", "cycle"
    )
    rows = [services.EvaluationRow(a, evaluation_levels(a), "") for a in appraisals]
    services.confirm_evaluations(rows, by=data["head"], acknowledged=True)
    return (time.perf_counter() - started) * 1000


def bulk_form(data: dict) -> dict[str, str]:
    form = {"action": "confirm", "acknowledge": "1"}
    for appraisal in Appraisal.objects.filter(cycle=data["cycle"]):
        for number, code in evaluation_levels(appraisal).items():
            form[f"l-{appraisal.pk}-{number}"] = code
        form[f"comment-{appraisal.pk}"] = "Hoàn thành tốt nhiệm vụ"
    return form


def by_http(client: Client, url: str, form: dict) -> float:
    started = time.perf_counter()
    # As a browser sends a form without files (the test client would send multipart).
    response = client.post(url, urlencode(form), content_type="application/x-www-form-urlencoded")
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 302:
        sys.exit(f"{url} answered {response.status_code}")
    return elapsed


def by_api(client: Client, bodies: list[tuple[str, dict]]) -> float:
    started = time.perf_counter()
    for url, body in bodies:
        response = client.post(url, body, content_type="application/json")
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return (time.perf_counter() - started) * 1000


def appraisal_updates(data: dict) -> list[tuple[str, tuple]]:
    """The UPDATE statements of the appraisal table that a confirmation sends (captured, then rolled back)."""
    table = Appraisal._meta.db_table
    captured: list[tuple[str, tuple]] = []

    def keep(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("UPDATE") and table in sql:
            captured.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    class Undo(Exception):
        pass

    try:
        with transaction.atomic(), connection.execute_wrapper(keep):
            by_service(data)
            raise Undo
    except Undo:
        pass
    return captured


def raw_update(statements: list[tuple[str, tuple]]) -> float:
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
    return (time.perf_counter() - started) * 1000


def timed(data: dict, run, *, confirms: bool = True) -> list[float]:
    """`run` RUNS times, each on fresh unconfirmed data; `confirms`: check that it confirmed every evaluation."""
    times = []
    for _ in range(RUNS + 1):  # the first run warms the caches and is not counted
        reset(data)
        times.append(run())
        if confirms:
            check_confirmed(data)
    return times[1:]


def main() -> int:
    client_settings()
    settings.MEDIA_ROOT = str(BENCH_DIR / "media")
    started = time.perf_counter()
    data = build()
    built = time.perf_counter() - started
    print(f"# {NAME}: built {TEACHERS} submitted self-assessments in {built:.1f} s", file=sys.stderr)
    client = Client()
    client.force_login(data["head"])
    results: dict[str, list[float]] = {"service": timed(data, lambda: by_service(data))}
    try:
        url = reverse("appraisals:bulk-evaluate", kwargs={"pk": data["group"].pk}) + f"?cycle={data['cycle'].pk}"
    except NoReverseMatch:
        url = None
        print("# appraisals:bulk-evaluate does not exist yet: no HTTP figure", file=sys.stderr)
    if url:
        form = bulk_form(data)
        results["http"] = timed(data, lambda: by_http(client, url, form))
    bodies = [
        (
            f"/api/v1/appraisals/{a.pk}/evaluation/",
            {
                "levels": {str(n): code for n, code in evaluation_levels(a).items()},
                "confirm": True,
                "acknowledge_flags": True,
            },
        )
        for a in Appraisal.objects.filter(cycle=data["cycle"])
    ]
    results["api_60_requests"] = timed(data, lambda: by_api(client, bodies))
    reset(data)
    statements = appraisal_updates(data)
    raw = timed(data, lambda: raw_update(statements), confirms=False)
    floor = statistics.median(raw)
    print(f"# {NAME}: {len(statements)} UPDATE statement(s) for {TEACHERS} rows, {RUNS} runs each", file=sys.stderr)
    for label, times in results.items():
        middle = statistics.median(times)
        print(f"{NAME}_{label}_p50: {middle:.1f} ms", flush=True)
        if label != "api_60_requests":
            print(f"{NAME}_{label}_max: {max(times):.1f} ms", flush=True)
        print(f"{NAME}_{label}_ratio_to_raw_update: {middle / floor:.1f} x", flush=True)
    print(f"{NAME}_raw_update_p50: {floor:.2f} ms", flush=True)
    if not POSTGRES and os.environ.get("BENCH_POSTGRES_URL"):
        return postgres_rerun(__file__, "BENCH_APPRAISAL_POSTGRES", "appraisal_confirm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
