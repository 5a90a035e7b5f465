"""Delivery and results on a 100,000-person province: the yearly results recomputed for everyone, 10,000
certificates issued into one ZIP, and an attendance sheet of 200 learners saved — each against the raw work
underneath.

Starts from the plans bench's database (var/bench/plans.sqlite3: 100,000 staff, personal plans for about 90 % of
those a programme applies to, 80 % approved), copied once to var/bench/delivery.sqlite3; runs bench/plan_demand.py
first when it is missing. Adds, with bulk inserts, the year's classes (content 01 and 02 per school, one class per
module per commune for 03) and an enrolment of every approved plan's owner in each class their plan needs, with
outcomes (93 % passed, 3 % not passed, the rest pending). Then:

    results_recompute_100k: `results.services.recompute(year)` for the whole province (every result created), and
        _again (nothing changed: every result read and compared); _raw_read: the same rows read by the raw queries
        alone (plans, plan items, enrolments, classes), and the ratio; target ≤ 60 s
    certificates_10000: a province batch issuing 10,000 certificates (recognised completed results), every PDF
        written into the ZIP; _per_certificate; _raw_pdf: rendering the same 10,000 PDFs alone; target ≤ 60 s
    attendance_sheet_200: saving the attendance sheet of a 200-learner session through the service (p50 / p95);
        _raw_write: the same 200 rows written by one bulk update; target ≤ 300 ms

With BENCH_POSTGRES_URL set (make bench starts a throw-away server), the same on PostgreSQL in a database of its
own (copied from the plans bench's one), printed as *_postgres_*.

Environment: BENCH_RUNS=20, BENCH_DELIVERY_DB=var/bench/delivery.sqlite3, BENCH_REBUILD=1."""

import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BENCH_DIR,
    ROOT,
    copy_sqlite,
    line,
    postgres_rerun,
    remove_sqlite,
    setup_django,
    spread,
    vacuum,
)

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
DB = Path(os.environ.get("BENCH_DELIVERY_DB", BENCH_DIR / "delivery.sqlite3")).resolve()
PLANS_DB = BENCH_DIR / "plans.sqlite3"
POSTGRES = os.environ.get("BENCH_DELIVERY_POSTGRES", "")
SUFFIX = "_postgres" if POSTGRES else ""
CERTIFICATES = 10_000

if not POSTGRES:
    if os.environ.get("BENCH_REBUILD"):
        remove_sqlite(DB)
    if not DB.exists():
        if not PLANS_DB.exists():
            env = {k: v for k, v in os.environ.items() if k != "BENCH_POSTGRES_URL"}
            subprocess.run([sys.executable, str(ROOT / "bench" / "plan_demand.py")], env=env, check=True)
        copy_sqlite(PLANS_DB, DB)

setup_django(POSTGRES or f"sqlite:///{DB}", DEBUG="0", MEDIA_ROOT=str(BENCH_DIR / "media"))

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bdtx.appraisals.progress import expected_staff  # noqa: E402
from bdtx.delivery import attendance  # noqa: E402
from bdtx.delivery.models import (  # noqa: E402
    Assessment,
    Attendance,
    ClassSession,
    ClassStatus,
    Enrolment,
    EnrolmentStatus,
    Outcome,
    TrainingClass,
)
from bdtx.lib.schoolyear import school_year_of  # noqa: E402
from bdtx.organisations.models import Unit  # noqa: E402
from bdtx.plans.models import PersonalPlan, PersonalPlanItem, PlanStatus  # noqa: E402
from bdtx.results import certificates  # noqa: E402
from bdtx.results import services as results  # noqa: E402
from bdtx.results.models import Certificate, CertificateBatch, YearResult  # noqa: E402

BATCH = 5000


def build(year: int) -> None:
    """The year's classes and enrolments, in bulk (a few minutes once; kept in the copied database)."""
    call_command("migrate", verbosity=0, interactive=False)
    if TrainingClass.objects.filter(year=year).exists():
        return
    started = time.perf_counter()
    rng = random.Random(2026)
    parents = dict(Unit.objects.values_list("pk", "parent_id"))
    codes = dict(Unit.objects.values_list("pk", "code"))
    plans = list(
        PersonalPlan.objects.filter(year=year, status=PlanStatus.APPROVED).values_list("pk", "staff_id", "unit_id")
    )
    modules_of: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for plan_id, module_id, module_code in PersonalPlanItem.objects.filter(
        plan__year=year, plan__status=PlanStatus.APPROVED, module__isnull=False
    ).values_list("plan_id", "module_id", "module__code"):
        modules_of[plan_id].append((module_id, module_code))
    # One class per school for 01 and 02; one per commune (the school's parent) and module for 03.
    wanted: dict[tuple, TrainingClass] = {}
    module_links: list[tuple[tuple, int]] = []
    for _plan, _staff, unit_id in plans:
        for content in ("01", "02"):
            key = (unit_id, content)
            if key not in wanted:
                wanted[key] = TrainingClass(
                    organiser_id=unit_id, year=year, code=f"{codes[unit_id]}-{content}", title=f"Nội dung {content}",
                    content=content, periods=40, status=ClassStatus.RUNNING, capacity=500,
                )  # fmt: skip
    for plan_id, _staff, unit_id in plans:
        organiser = parents.get(unit_id) or unit_id
        for module_id, module_code in modules_of.get(plan_id, ()):
            key = (organiser, module_id)
            if key not in wanted:
                wanted[key] = TrainingClass(
                    organiser_id=organiser, year=year, code=f"{codes[organiser]}-{module_code}", title=module_code,
                    content="03", periods=10, status=ClassStatus.RUNNING, capacity=500,
                )  # fmt: skip
                module_links.append((key, module_id))
    with transaction.atomic():
        TrainingClass.objects.bulk_create(wanted.values(), batch_size=BATCH)
        ids = {
            (organiser, code): pk
            for pk, organiser, code in TrainingClass.objects.filter(year=year).values_list("pk", "organiser_id", "code")
        }
        for training_class in wanted.values():
            training_class.pk = ids[(training_class.organiser_id, training_class.code)]
        through = TrainingClass.modules.through
        through.objects.bulk_create(
            (through(trainingclass_id=wanted[key].pk, trainingmodule_id=module_id) for key, module_id in module_links),
            batch_size=BATCH,
        )
        Assessment.objects.bulk_create(
            (Assessment(training_class_id=c.pk, title="Bài kiểm tra cuối khoá") for c in wanted.values()),
            batch_size=BATCH,
        )
    now = timezone.now()
    batch = []

    def outcome() -> str:
        draw = rng.random()
        return Outcome.PASSED if draw < 0.93 else Outcome.FAILED if draw < 0.96 else Outcome.PENDING

    for plan_id, staff_id, unit_id in plans:
        classes = [wanted[(unit_id, "01")], wanted[(unit_id, "02")]]
        organiser = parents.get(unit_id) or unit_id
        classes += [wanted[(organiser, module_id)] for module_id, _code in modules_of.get(plan_id, ())]
        for training_class in classes:
            batch.append(
                Enrolment(
                    training_class_id=training_class.pk,
                    staff_id=staff_id,
                    status=EnrolmentStatus.ENROLLED,
                    source="plan",
                    outcome=outcome(),
                    completed_at=now,
                )  # fmt: skip
            )
        if len(batch) >= BATCH:
            Enrolment.objects.bulk_create(batch)
            batch.clear()
    Enrolment.objects.bulk_create(batch)
    vacuum()
    print(
        f"# {len(wanted)} classes, {Enrolment.objects.filter(training_class__year=year).count()} enrolments "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


def raw_read(year: int) -> float:
    """The rows recompute reads, by the raw queries alone (seconds)."""
    started = time.perf_counter()
    querysets = [
        PersonalPlan.objects.filter(year=year).values_list("pk", "staff_id", "status"),
        PersonalPlanItem.objects.filter(plan__year=year).values_list(
            "plan_id", "content", "periods", "module__code", "module__title", "topic__title"
        ),
        Enrolment.objects.filter(status=EnrolmentStatus.ENROLLED, training_class__year=year).values_list(
            "staff_id", "outcome", "training_class_id"
        ),
        TrainingClass.objects.filter(year=year).values_list("pk", "content", "periods", "code"),
        YearResult.objects.filter(year=year).values_list(
            "pk", "staff_id", "outcome", "reasons", "lines", "periods_planned", "periods_earned"
        ),
    ]
    with connection.cursor() as cursor:
        for queryset in querysets:
            sql, params = queryset.query.sql_with_params()
            cursor.execute(sql, params)
            cursor.fetchall()
    return time.perf_counter() - started


def bench_recompute(year: int) -> None:
    Certificate.objects.filter(year=year).delete()  # a previous run's: they hold on to the results
    CertificateBatch.objects.filter(year=year).delete()
    YearResult.objects.filter(year=year).delete()
    started = time.perf_counter()
    counts = results.recompute(year)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = results.recompute(year)
    second = time.perf_counter() - started
    raw = raw_read(year)
    line(f"results_recompute_100k{SUFFIX}", first, "s")
    line(f"results_recompute_100k_again{SUFFIX}", second, "s")
    line(f"results_recompute_100k_raw_read{SUFFIX}", raw, "s", 2)
    line(f"results_recompute_100k_ratio_to_raw_read{SUFFIX}", first / raw, "x")
    completed = YearResult.objects.filter(year=year, outcome="hoan_thanh").count()
    print(
        f"# recompute: {counts['people']} people ({counts['created']} created; again {again['unchanged']} unchanged), "
        f"{completed} completed",
        file=sys.stderr,
    )


def main() -> int:
    year = school_year_of(timezone.localdate())
    build(year)
    bench_recompute(year)
    bench_certificates(year)
    bench_attendance(year)
    if not POSTGRES and os.environ.get("BENCH_POSTGRES_URL"):
        return postgres_rerun(__file__, "BENCH_DELIVERY_POSTGRES", "delivery", "plans")
    return 0


def bench_certificates(year: int) -> None:
    """10,000 recognised "Hoàn thành" results issued by the Sở as one batch, every PDF written into the ZIP; against
    rendering the same PDFs alone."""
    province = Unit.objects.get(parent=None)
    Certificate.objects.filter(year=year).delete()
    CertificateBatch.objects.filter(year=year).delete()
    YearResult.objects.filter(year=year).update(recognised=False)
    chosen = list(
        YearResult.objects.filter(year=year, outcome="hoan_thanh")
        .order_by("pk")
        .values_list("pk", flat=True)[:CERTIFICATES]
    )
    YearResult.objects.filter(pk__in=chosen).update(recognised=True)
    signing = {"place": "Lai Châu", "issued_on": timezone.localdate(), "signer_title": "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC",
               "signer_name": "Lò Văn Minh"}  # fmt: skip
    batch = CertificateBatch.objects.create(issuer=province, unit=province, year=year, **signing)
    started = time.perf_counter()
    issued, written = certificates.run_batch(batch)
    total = time.perf_counter() - started
    rows = list(Certificate.objects.filter(year=year).order_by("pk")[:CERTIFICATES])
    started = time.perf_counter()
    for certificate in rows:
        certificates.render(certificate)
    raw = time.perf_counter() - started
    line(f"certificates_10000{SUFFIX}", total, "s")
    line(f"certificates_10000_per_certificate{SUFFIX}", total * 1000 / max(written, 1), "ms", 2)
    line(f"certificates_10000_raw_pdf{SUFFIX}", raw, "s")
    line(f"certificates_10000_ratio_to_raw_pdf{SUFFIX}", total / raw, "x")
    size = batch.archive.size if batch.archive else 0
    print(f"# certificates: {issued} issued, {written} written, ZIP {size / 1e6:.0f} MB", file=sys.stderr)
    Path(batch.archive.path).unlink(missing_ok=True)  # hundreds of MB: not kept


def bench_attendance(year: int) -> None:
    """The sheet of a 200-learner session saved through the service (outcomes and results refreshed in the same
    transaction), the marks changing at every run; against one UPDATE of the same 200 rows."""
    province = Unit.objects.get(parent=None)
    TrainingClass.objects.filter(code="BENCH-SHEET").delete()
    training_class = TrainingClass.objects.create(
        organiser=province, year=year, code="BENCH-SHEET", title="Bench", content="02", periods=10,
        status=ClassStatus.RUNNING, capacity=200,
    )  # fmt: skip
    first = ClassSession.objects.create(
        training_class=training_class, date=timezone.localdate(), starts_at=dt.time(7), ends_at=dt.time(11)
    )
    session = ClassSession.objects.create(
        training_class=training_class, date=timezone.localdate(), starts_at=dt.time(13), ends_at=dt.time(17)
    )
    Assessment.objects.create(training_class=training_class, title="Bài thu hoạch")
    learners = list(expected_staff().order_by("pk").values_list("pk", flat=True)[:200])
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(training_class=training_class, staff_id=pk, status=EnrolmentStatus.ENROLLED, source="hand")
        for pk in learners
    )
    enrolments = list(Enrolment.objects.filter(training_class=training_class).order_by("pk"))
    attendance.save_sheet(first, {e.pk: "present" for e in enrolments})
    times = []
    for run in range(RUNS + 2):
        marks = {
            e.pk: ("absent" if (index + run) % 7 == 0 else "excused" if (index + run) % 11 == 0 else "present")
            for index, e in enumerate(enrolments)
        }
        started = time.perf_counter()
        with transaction.atomic():
            attendance.save_sheet(session, marks)
        if run >= 2:  # the first two warm up
            times.append((time.perf_counter() - started) * 1000)
    raw = []
    for run in range(RUNS):
        started = time.perf_counter()
        with transaction.atomic():
            Attendance.objects.filter(session=session).update(present=bool(run % 2), recorded_at=timezone.now())
        raw.append((time.perf_counter() - started) * 1000)
    p50, _p95 = spread(f"attendance_sheet_200{SUFFIX}", times)
    raw50 = statistics.median(raw)
    line(f"attendance_sheet_200_raw_write{SUFFIX}", raw50, "ms")
    line(f"attendance_sheet_200_ratio_to_raw_write{SUFFIX}", p50 / raw50, "x")
    TrainingClass.objects.filter(pk=training_class.pk).delete()


if __name__ == "__main__":
    sys.exit(main())
