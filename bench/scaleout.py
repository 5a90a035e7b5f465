"""Scale-out on one machine: two web processes and two task workers on one PostgreSQL server on 127.0.0.1; a bulk job
is done exactly once, and when the worker running it is killed (SIGKILL) the other worker takes it over.

    .venv/bin/python bench/scaleout.py [--rows 20000] [--certificates 2000]

Uses BENCH_POSTGRES_URL (make bench starts a throw-away server) in a database of its own, else starts one with
scripts/pg-temp. Then starts two gunicorn processes (ports A and B) and two `manage.py run_worker` processes, signs
in as a province officer and, for each job, once undisturbed and once with a kill:

- a staff import of --rows new people, uploaded through web A (checked in the background), applied through web A,
  its progress polled through web B; in the killed run, the worker holding the job is killed half-way through the
  apply (its one transaction is under way);
- a certificate batch of --certificates recognised results, started through web A, polled through web B; in the
  killed run, the worker is killed once part of the certificates are issued (committed chunk by chunk).

Prints `scaleout_*: value unit` lines (each job's time without and with the kill, their ratio, the time from the
kill until the other worker took the job over) and PASS/FAIL lines: every row imported exactly once (people, audit
entries, stays), every certificate once with register numbers 1…n (no gap, no repeat), each job "done" with the
right counts, the dead run's queue entry marked failed, the job finished by the other worker, and what the user
saw while polling (the states shown by web B). Exits 1 when a check fails.

Leases are short here (JOB_HEARTBEAT_SECONDS=1, JOB_LEASE_SECONDS=5, JOB_REAP_SECONDS=1) so that the drill takes
seconds; production defaults are 5, 30 and 10 (docs/deploy.md)."""

import argparse
import csv
import datetime as dt
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BENCH_DIR,
    ROOT,
    check,
    failures,
    free_port,
    fresh_database,
    line,
    note,
    pg_temp_start,
    pg_temp_stop,
    roster_person,
    setup_django,
)

WORK = BENCH_DIR / "scaleout"
PASSWORD = "Bench-scaleout-2026"
LEASE = {"JOB_HEARTBEAT_SECONDS": "1", "JOB_LEASE_SECONDS": "5", "JOB_REAP_SECONDS": "1"}
DISTRICTS = ("Q1", "Q2")  # one per run: the undisturbed one and the killed one
SCHOOLS = 10  # per district


# PostgreSQL -------------------------------------------------------------------------------------------------------


def postgres() -> tuple[str, str | None]:
    """(the URL of a fresh database, the pg-temp directory to stop at the end or None)."""
    base, started = os.environ.get("BENCH_POSTGRES_URL"), None
    if not base:
        started, base = pg_temp_start()
    return fresh_database(base, "scaleout"), started


# The processes ----------------------------------------------------------------------------------------------------


class Service:
    def __init__(self, env: dict) -> None:
        self.env, self.processes, self.logs = env, {}, WORK / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def web(self, name: str, port: int) -> None:
        self.start(
            name,
            [sys.executable, "-m", "gunicorn", "bdtx.wsgi:application", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "1", "--threads", "4", "--timeout", "120", "--no-control-socket"],
        )

    def worker(self, name: str) -> None:
        self.start(
            name,
            [sys.executable, "manage.py", "run_worker", "--queue-name", "*", "--interval", "0.2", "--no-reload"]
            + ["--no-startup-delay", "--worker-id", name],
        )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# A browser --------------------------------------------------------------------------------------------------------


class Browser:
    """Cookies are per host, not per port: one sign-in serves both web processes (sessions are in the database)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def request(self, port: int, path: str, data: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def get(self, port: int, path: str, *, htmx: bool = False):
        return self.request(port, path, headers={"HX-Request": "true"} if htmx else None)

    def post(self, port: int, path: str, fields: dict, files: dict | None = None):
        fields = {**fields, "csrfmiddlewaretoken": self.csrf()}
        boundary = uuid.uuid4().hex
        body = b""
        for key, value in fields.items():
            body += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, (filename, content) in (files or {}).items():
            body += (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{filename}"\r\n'
                    "Content-Type: text/csv\r\n\r\n"
                ).encode()
                + content
                + b"\r\n"
            )
        body += f"--{boundary}--\r\n".encode()
        return self.request(port, path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the web process on port {port} did not start (see {WORK / 'logs'})")


BADGE = re.compile(r'<span class="badge[^"]*">([^<]+)</span>')


def shown_states(html: str) -> list[str]:
    """What the status block says: the job's status, and a notice when its worker died."""
    return [state.strip() for state in BADGE.findall(html)]


# The data ---------------------------------------------------------------------------------------------------------


def seed() -> dict:
    from bdtx.accounts.models import Role, User
    from bdtx.accounts.services import grant_role
    from bdtx.organisations.models import UnitKind
    from bdtx.organisations.services import create_unit

    province = create_unit(code="SO", name="Sở GDĐT (bench)", kind=UnitKind.DEPARTMENT, parent=None)
    districts = {}
    for code in DISTRICTS:
        district = create_unit(code=code, name=f"Phòng GDĐT {code}", kind=UnitKind.COMMUNE, parent=province)
        schools = [
            create_unit(code=f"{code}-T{n:02d}", name=f"Trường {code} số {n}", kind=UnitKind.SCHOOL, parent=district)
            for n in range(1, SCHOOLS + 1)
        ]
        districts[code] = (district, schools)
    officer = User.objects.create_user(username="bench-officer", password=PASSWORD, full_name="Cán bộ Sở")
    grant_role(officer, Role.PROVINCE_OFFICER, province)
    return districts


def roster(path: Path, district: str, rows: int) -> Path:
    """A CSV of `rows` new people spread over the district's schools (deterministic)."""
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Mã đơn vị", "Nhóm"])
        for n in range(rows):
            name, birth = roster_person(n)
            gender = "Nữ" if n % 3 else "Nam"
            school = f"{district}-T{n % SCHOOLS + 1:02d}"
            writer.writerow([f"{district}-{n:06d}", name, birth, gender, school, "Giáo viên"])
    return path


def qualifying_results(district: str, count: int, year: int) -> None:
    """`count` recognised "Hoàn thành" results for the district's people, as recognition leaves them."""
    from bdtx.results.models import YearResult
    from bdtx.staff.models import StaffMember

    lines = [
        {"content": content, "module": "", "title": "", "planned": 40, "earned": 40, "done": True, "classes": []}
        for content in ("01", "02", "03")
    ]
    people = StaffMember.objects.filter(code__startswith=f"{district}-").order_by("code").values_list("pk", "unit_id")
    YearResult.objects.bulk_create(
        [
            YearResult(
                staff_id=pk,
                year=year,
                unit_id=unit,
                outcome="hoan_thanh",
                recognised=True,
                lines=lines,
                periods_planned=120,
                periods_earned=120,
            )
            for pk, unit in people[:count]
        ],
        batch_size=2000,
    )


# One job, watched -------------------------------------------------------------------------------------------------


def lease_of(kind: str, pk: int):
    from bdtx.ops.models import JobLease

    return JobLease.objects.filter(kind=kind, object_id=pk).first()


def worker_of(holder: str, service: Service) -> str | None:
    """The name of our worker process whose pid is in the lease holder ("host:pid:token")."""
    if not holder:
        return None
    pid = int(holder.split(":")[-2])
    return next((name for name, process in service.processes.items() if process.pid == pid), None)


def watch(*, browser, port, progress_path, kind, pk, finished, service, kill_when=None, timeout=300):
    """Poll the job through web B (what the user sees) and the database (the truth) until `finished()`; with
    `kill_when(elapsed)` true, SIGKILL the worker holding the job's lease. Returns a record of what happened."""
    started = time.monotonic()
    record = {"seen": [], "killed": None, "killed_at": None, "taken_over_at": None, "finished_by": None}
    last_holder = None
    while time.monotonic() - started < timeout:
        # As the page's htmx does: the status block every poll (204 and a refresh once the job is over).
        status, _headers, html = browser.get(port, progress_path, htmx=True)
        states = tuple(shown_states(html)) if status == 200 else () if status == 204 else (f"HTTP {status}",)
        if states and (not record["seen"] or record["seen"][-1] != states):
            record["seen"].append(states)
        lease = lease_of(kind, pk)
        holder = lease.claimed_by if lease else ""
        if holder:
            last_holder = holder
            name = worker_of(holder, service)
            if record["killed"] and name and name != record["killed"] and record["taken_over_at"] is None:
                record["taken_over_at"] = time.monotonic() - started
            if record["killed"] is None and name and kill_when(time.monotonic() - started):
                os.kill(service.processes[name].pid, signal.SIGKILL)
                service.processes[name].wait()
                record["killed"], record["killed_at"] = name, time.monotonic() - started
        if finished():
            record["elapsed"] = time.monotonic() - started
            record["finished_by"] = worker_of(last_holder or "", service)
            status, _headers, html = browser.get(port, progress_path)
            states = tuple(shown_states(html)) or (f"HTTP {status}",)
            if not record["seen"] or record["seen"][-1] != states:
                record["seen"].append(states)
            return record
        time.sleep(0.05)
    raise SystemExit(f"{kind} {pk} did not finish in {timeout} s (see {WORK / 'logs'})")


def import_job(browser, ports, service, district: str, rows: int, *, kill: bool, apply_seconds: float | None):
    from django.urls import reverse

    from bdtx.imports.models import ImportJob

    path = roster(WORK / f"roster-{district}.csv", district, rows)
    status, headers, _html = browser.post(
        ports[0], reverse("imports:new"), {"kind": "staff", "unit": ""}, {"file": (path.name, path.read_bytes())}
    )
    assert status == 302, f"upload refused: HTTP {status}"
    pk = int(headers["Location"].rstrip("/").split("/")[-1])
    deadline = time.monotonic() + 300
    while ImportJob.objects.get(pk=pk).status != ImportJob.Status.CHECKED:
        assert time.monotonic() < deadline and ImportJob.objects.get(pk=pk).status != "failed", "the check failed"
        time.sleep(0.1)
    job = ImportJob.objects.get(pk=pk)
    check(job.created == rows and job.error_count == 0, f"import {district}: the check found {rows} new people")
    status, _headers, _html = browser.post(ports[0], reverse("imports:apply", args=[pk]), {})
    marks = {}

    def half_way_through_the_apply(elapsed: float) -> bool:
        job = ImportJob.objects.only("done", "total").get(pk=pk)
        if "checked" not in marks and job.total and job.done >= job.total:
            marks["checked"] = elapsed  # the re-check is over: the apply's one transaction is under way
        return kill and "checked" in marks and elapsed >= marks["checked"] + (apply_seconds or 1.0) / 2

    record = watch(
        browser=browser,
        port=ports[1],
        progress_path=reverse("imports:progress", args=[pk]),
        kind="import",
        pk=pk,
        finished=lambda: ImportJob.objects.get(pk=pk).status in ("applied", "failed"),
        service=service,
        kill_when=half_way_through_the_apply,
    )
    if not kill:
        # For the killed run: how long the apply took after the re-check (to kill it half-way).
        record["apply_seconds"] = record["elapsed"] - marks.get("checked", 0)
    record["pk"] = pk
    return record


def certificate_job(browser, ports, service, district_unit, year: int, *, kill: bool):
    from django.urls import reverse

    from bdtx.results.models import Certificate, CertificateBatch

    fields = {
        "year": year,
        "training_class": "",
        "issuer": district_unit.pk,
        "place": "Lai Châu",
        "issued_on": dt.date.today().strftime("%d/%m/%Y"),
        "signer_title": "Trưởng phòng",
        "signer_name": "Nguyễn Văn Bench",
    }
    status, headers, html = browser.post(
        ports[0], reverse("results:certificate-batch-new", args=[district_unit.pk]), fields
    )
    assert status == 302, f"batch refused: HTTP {status} {html[:300]}"
    pk = int(headers["Location"].rstrip("/").split("/")[-1])
    wanted = CertificateBatch.objects.filter(pk=pk)

    when = {}

    def some_issued(_elapsed: float) -> bool:
        # Part of the register is written (chunks of 500 are committed one by one), or the ZIP is half written.
        if not kill:
            return False
        issued = Certificate.objects.filter(issuer=district_unit, year=year).count()
        batch = wanted.only("done", "total").get()
        when.update(issued=issued, zipped=batch.done)
        return issued >= 500 or bool(batch.total and batch.done >= batch.total // 2)

    record = watch(
        browser=browser,
        port=ports[1],
        progress_path=reverse("results:certificate-batch", args=[pk]),
        kind="certificate-batch",
        pk=pk,
        finished=lambda: wanted.get().status in ("done", "failed"),
        service=service,
        kill_when=some_issued,
    )
    record["pk"] = pk
    record["when_killed"] = when
    return record


# The checks -------------------------------------------------------------------------------------------------------


def check_import(record: dict, district: str, rows: int, *, killed: bool) -> None:
    from django_tasks_db.models import DBTaskResult

    from bdtx.imports.models import ImportJob
    from bdtx.staff.models import Assignment, StaffChange, StaffMember

    job = ImportJob.objects.get(pk=record["pk"])
    label = f"import {district}{' (worker killed)' if killed else ''}"
    check(
        (job.status, job.rows, job.created, job.updated) == ("applied", rows, rows, 0),
        f"{label}: the job says applied, {rows} rows, {rows} created (is {job.status}, {job.rows}, {job.created})",
    )
    people = StaffMember.objects.filter(code__startswith=f"{district}-")
    count, trail = people.count(), StaffChange.objects.filter(reference=f"import:{job.pk}").count()
    stays = Assignment.objects.filter(staff__code__startswith=f"{district}-").count()
    check(count == rows, f"{label}: each row imported exactly once ({count} people for {rows} rows)")
    check(trail == rows and stays == rows, f"{label}: one audit entry and one stay each ({trail}, {stays})")
    lease = lease_of("import", job.pk)
    runs = lease.runs if lease else 0
    if killed:
        lost = DBTaskResult.objects.filter(exception_class_path="bdtx.ops.jobs.WorkerLost").count()
        check(record["killed"] is not None, f"{label}: {record['killed']} was killed during the apply")
        check(
            record["finished_by"] not in (None, record["killed"]),
            f"{label}: the other worker ({record['finished_by']}) took the job over and finished it",
        )
        check(runs == 3, f"{label}: the apply ran twice in all, the killed run and the resumed one ({runs - 1})")
        check(lost >= 1, f"{label}: the dead run's queue entry is marked failed (WorkerLost), not RUNNING for ever")
    else:
        check(runs == 2, f"{label}: the check and the apply each ran once with two workers waiting ({runs} runs)")


def check_certificates(record: dict, district_unit, certificates: int, year: int, *, killed: bool) -> None:
    from bdtx.results import certificates as issuing
    from bdtx.results.models import Certificate, CertificateBatch

    batch = CertificateBatch.objects.get(pk=record["pk"])
    label = f"certificates {district_unit.code}{' (worker killed)' if killed else ''}"
    check(
        (batch.status, batch.issued, batch.total) == ("done", certificates, certificates),
        f"{label}: the batch says done, {certificates} issued, {certificates} in the ZIP "
        f"(is {batch.status}, {batch.issued}, {batch.total})",
    )
    issued = Certificate.objects.filter(issuer=district_unit, year=year, status="valid")
    numbers = sorted(issued.values_list("number", flat=True))
    results = issued.values("result").distinct().count()
    check(numbers == list(range(1, certificates + 1)), f"{label}: register numbers 1…{certificates}, no gap, no repeat")
    check(results == certificates == len(numbers), f"{label}: each result has one certificate ({results})")
    with zipfile.ZipFile(issuing.default_storage.path(batch.archive.name)) as archive:
        names = archive.namelist()
    check(len(names) == len(set(names)) == certificates, f"{label}: the ZIP holds {len(names)} certificates")
    lease = lease_of("certificate-batch", batch.pk)
    if killed:
        when = record["when_killed"]
        check(
            record["killed"] is not None,
            f"{label}: {record['killed']} was killed with {when.get('issued')} certificates issued, "
            f"{when.get('zipped')} in the ZIP",
        )
        check(
            record["finished_by"] not in (None, record["killed"]),
            f"{label}: the other worker ({record['finished_by']}) took the batch over and finished it",
        )
        check(lease.runs == 2, f"{label}: the batch ran twice, the killed run and the resumed one ({lease.runs})")
    else:
        check(lease.runs == 1, f"{label}: one run with two workers waiting ({lease.runs})")


def user_saw(label: str, record: dict) -> None:
    seen = " → ".join(" + ".join(states) for states in record["seen"])
    note(f"{label}: web B showed {seen}")


# Main -------------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_SCALEOUT_ROWS", "20000")))
    parser.add_argument("--certificates", type=int, default=int(os.environ.get("BENCH_SCALEOUT_CERTIFICATES", "2000")))
    args = parser.parse_args()
    if args.certificates > args.rows:
        parser.error("--certificates cannot exceed --rows (certificates go to the imported people)")
    if os.environ.get("BENCH_NO_POSTGRES"):
        note("scale-out needs PostgreSQL (BENCH_NO_POSTGRES is set): skipped")
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    url, pg_dir = postgres()
    env = {
        **os.environ,
        **LEASE,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bdtx.settings",
        "SECRET_KEY": "bench-scaleout-" + "x" * 50,
        "DEBUG": "0",
        "BDTX_VAR_DIR": str(WORK),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("BENCH_POSTGRES_URL", None)
    setup_django(url, **env)
    from django.core.management import call_command
    from django.db import connections

    from bdtx.lib.schoolyear import school_year_of

    service = Service(env)
    try:
        call_command("migrate", verbosity=0)
        if not (WORK / "static" / "staticfiles.json").exists():
            call_command("collectstatic", interactive=False, verbosity=0)
        districts = seed()
        connections.close_all()
        ports = (free_port(), free_port())
        service.web("web-a", ports[0])
        service.web("web-b", ports[1])
        service.worker("worker-1")
        service.worker("worker-2")
        for port in ports:
            wait_for(port)
        note(f"PostgreSQL {url.rsplit('@', 1)[-1]}; web A :{ports[0]}, web B :{ports[1]}; 2 task workers")
        browser = Browser()
        browser.get(ports[0], "/accounts/login/")
        status, _headers, _html = browser.post(
            ports[0], "/accounts/login/", {"username": "bench-officer", "password": PASSWORD}
        )
        assert status == 302, "sign-in failed"

        calm = import_job(browser, ports, service, DISTRICTS[0], args.rows, kill=False, apply_seconds=None)
        check_import(calm, DISTRICTS[0], args.rows, killed=False)
        user_saw(f"import {DISTRICTS[0]}", calm)
        service.worker("worker-3")  # a fresh second worker, so that the killed run has two to choose from
        killed = import_job(
            browser, ports, service, DISTRICTS[1], args.rows, kill=True, apply_seconds=calm["apply_seconds"]
        )
        check_import(killed, DISTRICTS[1], args.rows, killed=True)
        user_saw(f"import {DISTRICTS[1]} (worker killed)", killed)
        line(f"scaleout_import_{args.rows}", calm["elapsed"], "s")
        line(f"scaleout_import_{args.rows}_killed", killed["elapsed"], "s")
        line("scaleout_import_killed_ratio", killed["elapsed"] / calm["elapsed"], "×", 2)
        if killed["taken_over_at"] is not None:
            line("scaleout_import_takeover", killed["taken_over_at"] - killed["killed_at"], "s")

        year = school_year_of(dt.date.today())
        for code, _units in districts.items():
            qualifying_results(code, args.certificates, year)
        connections.close_all()
        calm = certificate_job(browser, ports, service, districts[DISTRICTS[0]][0], year, kill=False)
        check_certificates(calm, districts[DISTRICTS[0]][0], args.certificates, year, killed=False)
        user_saw(f"certificates {DISTRICTS[0]}", calm)
        service.worker("worker-4")
        killed = certificate_job(browser, ports, service, districts[DISTRICTS[1]][0], year, kill=True)
        check_certificates(killed, districts[DISTRICTS[1]][0], args.certificates, year, killed=True)
        user_saw(f"certificates {DISTRICTS[1]} (worker killed)", killed)
        line(f"scaleout_certificates_{args.certificates}", calm["elapsed"], "s")
        line(f"scaleout_certificates_{args.certificates}_killed", killed["elapsed"], "s")
        line("scaleout_certificates_killed_ratio", killed["elapsed"] / calm["elapsed"], "×", 2)
        if killed["taken_over_at"] is not None:
            line("scaleout_certificates_takeover", killed["taken_over_at"] - killed["killed_at"], "s")
        note(
            f"leases: heartbeat {LEASE['JOB_HEARTBEAT_SECONDS']} s, expiry {LEASE['JOB_LEASE_SECONDS']} s, "
            f"reaper every {LEASE['JOB_REAP_SECONDS']} s: a takeover waits for the expiry"
        )
    finally:
        service.stop()
        connections.close_all()
        if pg_dir:
            pg_temp_stop(pg_dir)
    if failures:
        print(f"scaleout: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
