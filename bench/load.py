"""The deadline rush as a load test: virtual teachers open their self-assessment, save drafts and submit while
officers open their pages, against the production server (`manage.py serve`: gunicorn + a task worker) on
PostgreSQL, all on this machine (loopback only; every phase bounded in time and in requests).

    python bench/load.py            (or `make load`; docs/load.md tells the figures and how to read them)

What it does:
1. PostgreSQL: the BENCH_POSTGRES_URL server when bench/run.py started one, else its own (scripts/pg-temp).
   A province is seeded once per server into a template database (seed_demo --staff LOAD_STAFF, then the demo
   appraisals, plans and classes: an open appraisal cycle with a third of the people still to submit); every run
   works on a fresh copy of it.
2. Virtual teachers: teachers of the open cycle who have not submitted get an account (the password hashed once by
   the production hasher, Argon2, and shared: every check costs what a real one does).
3. The production server: `manage.py serve` with BDTX_PRODUCTION=1, LOAD_WORKERS gunicorn processes (sync workers;
   LOAD_THREADS > 1 for gthread), behind no proxy: the generator sends what the HTTPS reverse proxy would
   (X-Forwarded-Proto, Origin).
4. Floors, the raw tool underneath served the same way: GET /healthz (Django, middleware, one SELECT 1, JSON) and
   GET /accounts/login/ (a bare Django HTML page: template, form, CSRF cookie; no query). The generator's own CPU
   per request is measured too, for this asyncio client and for threads + http.client.
5. Sign-in, measured apart: LOAD_SIGNINS teachers sign in through the sign-in page (Argon2 makes it CPU-bound; the
   hashing is not weakened). Everyone else's session is written by the bench through Django's session store as
   login() writes it, so that the rush does not wait for thousands of Argon2 checks first; the output says how many.
6. Warm-up (not measured): a few journeys and every officer page in every worker.
7. The rush: teachers arrive at LOAD_RUSH_RATE per second for LOAD_RUSH_SECONDS (an open loop: they come whether or
   not the server keeps up). Each opens /appraisals/mine/ (→ their appraisal), the form, autosaves a draft (htmx)
   once or twice, submits and sees the page the browser is sent to.
8. The deadline: teachers who filled in half their form earlier (the draft prepared through the services) click
   Submit, LOAD_DEADLINE_RATE per second for LOAD_DEADLINE_SECONDS (`_deadline_*`); then others click Submit and
   get the page the browser is sent to, LOAD_PAGE_RATE per second for LOAD_PAGE_SECONDS (`_deadline_with_page_*`).
   Officers (LOAD_OFFICERS, going round OFFICER_PAGES, LOAD_OFFICER_PAUSE s between pages) read during 7 and 8.
9. The check: every submission the server acknowledged (2xx/3xx) must be in the database as submitted, with its
   audit event: `load_lost_submissions: 0 count`.

Prints `name: value unit` lines per phase: requests/s, submissions/s (and the slowest 5 s), p50/p95/p99 per kind of
request, errors (count and the first few), where the CPU went (web workers, PostgreSQL, the generator, other
programs on the machine, idle), and the ratios to the floors. LOAD_WORKERS=2,3,4 runs everything once per worker
count (a fresh database each time), to choose WEB_PROCESSES.

Environment: LOAD_STAFF=20000, LOAD_RUSH_RATE=10, LOAD_RUSH_SECONDS=30, LOAD_DEADLINE_RATE=100,
LOAD_DEADLINE_SECONDS=20, LOAD_PAGE_RATE=30, LOAD_PAGE_SECONDS=20, LOAD_SIGNINS=200, LOAD_OFFICERS=4,
LOAD_OFFICER_PAUSE=1.0, LOAD_WORKERS=2, LOAD_THREADS=1, LOAD_FLOOR_SECONDS=8, LOAD_MAX_IN_FLIGHT=400, LOAD_PORT (a free
one), LOAD_REBUILD=1 (seed again)."""

import asyncio
import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # noqa: E402
from common import (  # noqa: E402
    BENCH_DIR,
    ROOT,
    database_name,
    database_url,
    free_port,
    fresh_database,
    line,
    pg_temp_start,
    pg_temp_stop,
)
from common import setup_django as common_setup_django  # noqa: E402

STAFF = int(os.environ.get("LOAD_STAFF", "20000"))
RUSH_RATE = float(os.environ.get("LOAD_RUSH_RATE", "10"))
RUSH_SECONDS = float(os.environ.get("LOAD_RUSH_SECONDS", "30"))
DEADLINE_RATE = float(os.environ.get("LOAD_DEADLINE_RATE", "100"))
DEADLINE_SECONDS = float(os.environ.get("LOAD_DEADLINE_SECONDS", "20"))
PAGE_RATE = float(os.environ.get("LOAD_PAGE_RATE", "30"))
PAGE_SECONDS = float(os.environ.get("LOAD_PAGE_SECONDS", "20"))
SIGNINS = int(os.environ.get("LOAD_SIGNINS", "200"))
OFFICERS = int(os.environ.get("LOAD_OFFICERS", "4"))
OFFICER_PAUSE = float(os.environ.get("LOAD_OFFICER_PAUSE", "1.0"))
WORKERS = [int(n) for n in os.environ.get("LOAD_WORKERS", "2").split(",") if n.strip()]
THREADS = int(os.environ.get("LOAD_THREADS", "1"))
FLOOR_SECONDS = float(os.environ.get("LOAD_FLOOR_SECONDS", "8"))
MAX_IN_FLIGHT = int(os.environ.get("LOAD_MAX_IN_FLIGHT", "400"))
PASSWORD = "bdtx-load-2026!"
DEMO_PASSWORD = "bdtx2026!"  # seed_demo's accounts (organisations/demo.py)
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
LOAD_DIR = BENCH_DIR / "load"

# The pages officers keep open during the rush: (kind, URL name, arguments). Arguments name what the officer has:
# "cycle" (the open appraisal cycle) or "unit" (the officer's own unit). A URL name that does not exist in this
# version is left out, with a note.
OFFICER_PAGES = [
    ("officer_appraisal_progress", "appraisals:cycle-detail", ["cycle"]),
    ("officer_plans_demand", "plans:demand", []),
    ("officer_plans_progress", "plans:progress", []),
    ("officer_results_completion", "results:completion", ["unit"]),
    ("officer_results_at_risk", "results:at-risk", ["unit"]),
    ("officer_dashboard", "dashboards:unit", ["unit"]),
]
# The officers who sign in: seed_demo's province officer and commune officer, taken in turn.
OFFICER_ACCOUNTS = ["so.chuyenvien", "xa.*"]
LEVEL_CYCLE = ["kha", "tot", "dat", "kha", "tot"]


# PostgreSQL and the database ---------------------------------------------------------------------------------


def manage(url: str, *args: str, quiet: bool = False) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0"}
    env.pop("BDTX_PRODUCTION", None)
    output = subprocess.DEVNULL if quiet else sys.stderr
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=output, stderr=sys.stderr)


SEEDS = ("seed_demo_appraisals", "seed_demo_plans", "seed_demo_delivery")


def seeded_template(base: str, staff: int = STAFF, seeds: tuple[str, ...] = SEEDS) -> str:
    """The name of a database holding the seeded province (made once per server; LOAD_REBUILD=1 makes it again)."""
    import psycopg

    seed = f"load_seed_{staff}_{len(seeds)}"
    name = database_name(database_url(base, seed))
    with psycopg.connect(base, autocommit=True) as pg:
        exists = pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and os.environ.get("LOAD_REBUILD"):
            pg.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if exists:
            # Seeded by an older checkout, maybe: brought to this one's schema (each run copies it afterwards).
            manage(database_url(base, seed), "migrate", "-v", "0", quiet=True)
            return name
        pg.execute(f'DROP DATABASE IF EXISTS "{name}_partial" WITH (FORCE)')  # an interrupted seeding
        pg.execute(f'CREATE DATABASE "{name}_partial"')
    url = database_url(base, f"{seed}_partial")
    started = time.perf_counter()
    print(f"# seeding a province of {staff} staff (once per PostgreSQL server)", file=sys.stderr)
    for command in (["migrate", "-v", "0"], ["load_standards"], ["load_programmes"], ["load_modules"]):
        manage(url, *command, quiet=True)
    manage(url, "seed_demo", "--staff", str(staff))
    for command in seeds:
        manage(url, command)
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")
    with psycopg.connect(base, autocommit=True) as pg:
        pg.execute(f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"')
    print(f"# seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return name


def fresh_copy(base: str, template: str, name: str = "load_run") -> str:
    """A new database copied from the seeded template; returns its URL."""
    return fresh_database(base, name, template)


# The bench's own Django (accounts, sessions, the final check) -----------------------------------------------


def setup_django(url: str) -> None:
    """Django in the bench process, with the server's SECRET_KEY (sessions written here must be valid there)."""
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.pop("BDTX_PRODUCTION", None)
    common_setup_django(url, DJANGO_SETTINGS_MODULE="bdtx.settings", DEBUG="0")


def open_cycle():
    from bdtx.appraisals.models import AppraisalCycle

    return AppraisalCycle.objects.order_by("-year", "unit__depth").first()


def prepare_teachers(count: int) -> list[dict]:
    """The first `count` teachers (by id) of the open cycle who have not submitted, each given an account
    `load.<code>` with the shared password; returns [{"username", "user_id", "staff_id"}]."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from bdtx.accounts.models import Role, RoleAssignment, User
    from bdtx.appraisals.models import Appraisal
    from bdtx.rules.models import Standard
    from bdtx.rules.standards import standard_for
    from bdtx.staff.models import StaffGroup, StaffMember, Status

    cycle = open_cycle()
    submitted = Appraisal.objects.filter(cycle=cycle, self_status=Appraisal.SelfStatus.SUBMITTED).values("staff_id")
    candidates = (
        StaffMember.objects.filter(unit__path__startswith=cycle.unit.path, status=Status.WORKING)
        .filter(group=StaffGroup.TEACHER)
        .exclude(pk__in=submitted)
        .select_related("unit", "user")
        .order_by("pk")
    )
    standards = list(Standard.objects.all())
    chosen = []
    for member in candidates.iterator(chunk_size=2000):
        if standard_for(member, cycle.self_assessment_from, standards=standards) is not None:
            chosen.append(member)
            if len(chosen) == count:
                break
    password = make_password(PASSWORD)  # the production hasher (Argon2), once: every check costs a real one
    with transaction.atomic():
        fresh = [m for m in chosen if m.user_id is None]
        users = User.objects.bulk_create(
            [User(username=f"load.{m.code.lower()}", full_name=m.full_name, password=password) for m in fresh]
        )
        for member, user in zip(fresh, users, strict=True):
            member.user = user
        StaffMember.objects.bulk_update(fresh, ["user"])
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=u, role=Role.TEACHER, unit_id=m.unit_id) for m, u in zip(fresh, users, strict=True)]
        )
        User.objects.filter(pk__in=[m.user_id for m in chosen]).update(password=password, must_change_password=False)
    names = dict(User.objects.filter(pk__in=[m.user_id for m in chosen]).values_list("pk", "username"))
    return [{"username": names[m.user_id], "user_id": m.user_id, "staff_id": m.pk} for m in chosen]


def mint_sessions(user_ids: list[int]) -> dict[int, str]:
    """Sessions for these users as django.contrib.auth.login() writes them (user id, backend, password hash);
    returns {user id: session key}."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from bdtx.accounts.models import User

    backend = settings.AUTHENTICATION_BACKENDS[0]
    store = SessionStore()
    expiry = timezone.now() + timezone.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    keys, rows = {}, []
    for user in User.objects.filter(pk__in=user_ids):
        key = secrets.token_hex(16)
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()}
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expiry))
        keys[user.pk] = key
    Session.objects.bulk_create(rows, batch_size=1000)
    return keys


def officers() -> list[dict]:
    """seed_demo's officers who sign in for the rush, with the unit their pages show."""
    from bdtx.accounts.models import RoleAssignment

    found = []
    for pattern in OFFICER_ACCOUNTS:
        lookup = {"user__username__startswith": pattern[:-1]} if pattern.endswith("*") else {"user__username": pattern}
        role = RoleAssignment.objects.filter(**lookup).select_related("user", "unit").order_by("pk").first()
        if role:
            found.append({"username": role.user.username, "unit": role.unit_id})
    return found


def officer_urls(officer: dict, cycle_id: int) -> list[tuple[str, str]]:
    from django.urls import NoReverseMatch, reverse

    urls = []
    for kind, name, arguments in OFFICER_PAGES:
        values = {"cycle": cycle_id, "unit": officer["unit"]}
        try:
            urls.append((kind, reverse(name, args=[values[a] for a in arguments])))
        except NoReverseMatch:
            continue
    return urls


def missing_pages() -> list[str]:
    from django.urls import NoReverseMatch, reverse

    missing = []
    for _kind, name, arguments in OFFICER_PAGES:
        try:
            reverse(name, args=[1] * len(arguments))
        except NoReverseMatch:
            missing.append(name)
    return missing


def lost_submissions(acknowledged: dict[int, int]) -> list[str]:
    """Acknowledged submissions ({appraisal id: staff id}) that are not in the database as submitted, each with its
    audit event."""
    from bdtx.appraisals.models import Appraisal, AppraisalEvent

    stored = set(
        Appraisal.objects.filter(
            pk__in=list(acknowledged), self_status=Appraisal.SelfStatus.SUBMITTED, self_submitted_at__isnull=False
        )
        .exclude(self_rating="")
        .values_list("pk", "staff_id")
    )
    audited = set(
        AppraisalEvent.objects.filter(
            appraisal_id__in=list(acknowledged), action=AppraisalEvent.Action.SUBMITTED
        ).values_list("appraisal_id", flat=True)
    )
    lost = []
    for pk, staff_id in acknowledged.items():
        if (pk, staff_id) not in stored:
            lost.append(f"appraisal {pk} (staff {staff_id}): not submitted in the database")
        elif pk not in audited:
            lost.append(f"appraisal {pk} (staff {staff_id}): no audit event")
    return lost


# The production server -----------------------------------------------------------------------------------------


class Server:
    """`manage.py serve` (what `make serve` runs) on 127.0.0.1:port, in its own process group; stop() ends it."""

    def __init__(self, url: str, port: int, workers: int, log: Path, **extra: str):
        self.url, self.port, self.workers, self.log = url, port, workers, log
        self.extra = extra
        self.process: subprocess.Popen | None = None

    def start(self, wait: float = 120.0) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "BDTX_PRODUCTION": "1",
            "DEBUG": "0",
            "PORT": str(self.port),
            "WEB_PROCESSES": str(self.workers),
            "TASK_WORKERS": "1",
            "BDTX_VAR_DIR": str(LOAD_DIR / "var"),
            "PYTHONPATH": str(ROOT),
            **self.extra,
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as output:  # this run's log only; the server keeps its own copy of the file
            self.process = subprocess.Popen(
                [PYTHON, "manage.py", "serve"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                process_group=0,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"manage.py serve stopped (status {self.process.returncode}); see {self.log}")
            if self.healthy():
                return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the server did not answer /healthz within {wait:g} s; see {self.log}")

    def healthy(self) -> bool:
        request = urllib.request.Request(
            f"http://{loadgen.LOOPBACK}:{self.port}/healthz", headers={"X-Forwarded-Proto": "https"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # the supervisor stops gunicorn and the task worker, then itself
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


# What virtual users do -------------------------------------------------------------------------------------------

VERSION = re.compile(rb'name="version" id="version" value="(\d+)"')
CRITERION = re.compile(rb'name="level-(\d+)"')
DETAIL = re.compile(r"/appraisals/(\d+)/$")


async def sign_in(browser: loadgen.Browser, username: str, password: str, kind: str = "signin") -> bool:
    """The sign-in page, then the form posted: True when the server let the person in (302 away from it)."""
    page = await browser.send(f"{kind}_page", "GET", "/accounts/login/")
    token = loadgen.csrf_token(page)
    if not token:
        return False
    form = {"csrfmiddlewaretoken": token, "username": username, "password": password}
    answer = await browser.send(kind, "POST", "/accounts/login/", form=form, expect=(302,))
    return answer is not None and answer.status == 302 and "sessionid" in browser.cookies


def levels_for(index: int, count: int, filled: int | None = None) -> dict[str, str]:
    upto = count if filled is None else filled
    return {f"level-{n}": LEVEL_CYCLE[(index + n) % len(LEVEL_CYCLE)] for n in range(1, upto + 1)}


def submit_form(token: str, version: str, index: int, count: int) -> dict[str, str]:
    """The self-assessment form as a teacher submits it: every criterion's level, a note, the written parts."""
    return {
        "csrfmiddlewaretoken": token,
        "version": version,
        "action": "submit",
        **levels_for(index, count),
        "note-1": "Có kế hoạch bài dạy và biên bản dự giờ kèm theo.",
        "strengths": "Nhiệt tình, trách nhiệm với học sinh.",
        "weaknesses": "Ứng dụng công nghệ thông tin trong dạy học chưa thường xuyên.",
        "development_plan": "Hoàn thành các mô đun bồi dưỡng thường xuyên của năm học.",
    }


class Rush:
    """The teachers' journeys and the officers' rounds, and what the server acknowledged."""

    def __init__(
        self, port: int, recorder: loadgen.Recorder, budget: loadgen.Budget, teachers: list[dict], follow: bool = True
    ):
        self.port, self.recorder, self.budget, self.teachers = port, recorder, budget, teachers
        self.follow = follow  # at the deadline: get the page Submit sends the browser to
        self.acknowledged: dict[int, int] = {}  # appraisal id → staff id, for each 2xx/3xx answer to a submit
        self.submit_times: list[float] = []  # when each acknowledged submission came back (monotonic)
        self.journeys_done = 0
        self.stop_officers = asyncio.Event()

    async def teacher(self, index: int) -> None:
        person = self.teachers[index]
        browser = loadgen.Browser(self.port, self.recorder, self.budget)
        browser.cookies["sessionid"] = person["session"]
        try:
            mine = await browser.send("open_mine", "GET", "/appraisals/mine/", expect=(302,))
            where = mine.headers.get("location", "") if mine else ""
            found = DETAIL.search(where)
            if not found:
                if mine is not None and mine.status == 302:
                    self.recorder.fail("open_mine", f"redirected to {where}")
                return
            pk, detail = int(found.group(1)), where
            page = await browser.send("open_form", "GET", detail)
            if page is None or page.status != 200:
                return
            token, version = loadgen.csrf_token(page), VERSION.search(page.body)
            count = max((int(n) for n in CRITERION.findall(page.body)), default=0)
            if not (token and version and count):
                self.recorder.fail("open_form", f"no self-assessment form on {detail}")
                return
            version = version.group(1).decode()
            save = f"/appraisals/{pk}/self/"
            for draft in range(1 + index % 2):  # one autosave, or two
                form = {
                    "csrfmiddlewaretoken": token,
                    "version": version,
                    "action": "save",
                    **levels_for(index, count, filled=max(1, count * (draft + 1) // 3)),
                    "strengths": "Nhiệt tình, trách nhiệm với học sinh.",
                }
                saved = await browser.send("save_draft", "POST", save, form=form, headers=[("HX-Request", "true")])
                if saved is None or saved.status != 200:
                    return
                found = VERSION.search(saved.body)
                if not found:
                    self.recorder.fail("save_draft", f"no new version in the answer: {saved.text()[:160]}")
                    return
                version = found.group(1).decode()
            submitted = await browser.send(
                "submit", "POST", save, form=submit_form(token, version, index, count), expect=(302,)
            )
            if submitted is not None and 200 <= submitted.status < 400:
                self.acknowledged[pk] = person["staff_id"]
                self.submit_times.append(time.monotonic())
            if submitted is None or submitted.status != 302:
                return
            await browser.send("after_submit", "GET", submitted.headers.get("location", detail))
            self.journeys_done += 1
        finally:
            await browser.close()

    async def deadline_teacher(self, index: int) -> None:
        """At the deadline: the form has been open for a while (the draft autosaved earlier); Submit, then the page
        the browser is sent to."""
        person = self.teachers[index]
        browser = loadgen.Browser(self.port, self.recorder, self.budget)
        browser.cookies.update(sessionid=person["session"], csrftoken=person["csrf"])
        pk = person["appraisal"]
        form = submit_form(person["csrf"], person["version"], index, person["criteria"])
        try:
            submitted = await browser.send("submit", "POST", f"/appraisals/{pk}/self/", form=form, expect=(302,))
            if submitted is not None and 200 <= submitted.status < 400:
                self.acknowledged[pk] = person["staff_id"]
                self.submit_times.append(time.monotonic())
            if self.follow and submitted is not None and submitted.status == 302:
                await browser.send("after_submit", "GET", submitted.headers.get("location", f"/appraisals/{pk}/"))
            self.journeys_done += 1
        finally:
            await browser.close()

    async def officer(self, number: int, session: str, urls: list[tuple[str, str]]) -> None:
        browser = loadgen.Browser(self.port, self.recorder, self.budget)
        browser.cookies["sessionid"] = session
        try:
            turn = number
            while not self.stop_officers.is_set():
                kind, url = urls[turn % len(urls)]
                await browser.send(kind, "GET", url)
                turn += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop_officers.wait(), OFFICER_PAUSE)
        except loadgen.OverBudget:
            pass
        finally:
            await browser.close()


# Phases --------------------------------------------------------------------------------------------------------


def report_kinds(prefix: str, recorder: loadgen.Recorder, kinds=None) -> None:
    for kind in sorted(kinds or recorder.times):
        times = recorder.times.get(kind, [])
        if not times:
            continue
        p50, p95, p99 = loadgen.spread(times)
        line(f"{prefix}_{kind}_count", len(times), "count", 0)
        line(f"{prefix}_{kind}_p50", p50, "ms")
        line(f"{prefix}_{kind}_p95", p95, "ms")
        line(f"{prefix}_{kind}_p99", p99, "ms")


def report_errors(prefix: str, recorder: loadgen.Recorder) -> None:
    line(f"{prefix}_errors", recorder.error_count, "count", 0)
    for error in recorder.errors:
        print(f"# {prefix} error: {error}", file=sys.stderr)
    statuses = {kind: dict(counter) for kind, counter in recorder.statuses.items()}
    print(f"# {prefix} statuses: {statuses}", file=sys.stderr)


def floor(port: int, path: str, users: int, seconds: float) -> loadgen.Recorder:
    """As many GETs of `path` as `users` back-to-back users get in `seconds`."""
    recorder, budget = loadgen.Recorder(), loadgen.Budget(seconds=seconds, requests=200_000)

    async def run():
        browsers = [loadgen.Browser(port, recorder, budget) for _ in range(users)]

        async def go(number: int, _turn: int) -> None:
            await browsers[number].send("get", "GET", path)

        await loadgen.closed_loop(users, go, budget=budget)
        for browser in browsers:
            await browser.close()

    asyncio.run(run())
    recorder.stop()
    return recorder


def sign_in_phase(port: int, accounts: list[tuple[str, str]], users: int) -> tuple[loadgen.Recorder, list[str | None]]:
    """People sign in through the sign-in page, `users` at a time; returns each one's session (None if refused)."""
    recorder = loadgen.Recorder()
    budget = loadgen.Budget(seconds=max(60.0, len(accounts) * 2.0), requests=len(accounts) * 2 + 10)
    sessions: list[str | None] = [None] * len(accounts)

    async def run():
        queue = list(reversed(range(len(accounts))))

        async def user(_number: int) -> None:
            while queue:
                index = queue.pop()
                browser = loadgen.Browser(port, recorder, budget)
                try:
                    if await sign_in(browser, *accounts[index]):
                        sessions[index] = browser.cookies["sessionid"]
                finally:
                    await browser.close()

        with contextlib.suppress(loadgen.OverBudget):
            await asyncio.gather(*(user(n) for n in range(users)))

    asyncio.run(run())
    recorder.stop()
    return recorder, sessions


def prepare_drafts(people: list[dict]) -> None:
    """The deadline's teachers filled in half their form earlier in the day (the autosave kept it): their appraisal
    is started and the draft saved through the services, as the form did; each has the CSRF cookie the form page
    set (the token posted back is the cookie's secret, which Django accepts as a browser's masked one)."""
    import string

    from django.utils.crypto import get_random_string

    from bdtx.appraisals import services
    from bdtx.staff.models import StaffMember

    cycle = open_cycle()
    members = StaffMember.objects.select_related("unit").in_bulk([p["staff_id"] for p in people])
    for index, person in enumerate(people):
        appraisal = services.start_appraisal(cycle, members[person["staff_id"]])
        count = appraisal.standard.criteria_count
        half = {key.removeprefix("level-"): code for key, code in levels_for(index, count, count // 2).items()}
        services.save_self_assessment(appraisal, by=None, levels=half, strengths="Nhiệt tình với học sinh.")
        person.update(
            appraisal=appraisal.pk,
            version=appraisal.version,
            criteria=count,
            csrf=get_random_string(32, string.ascii_letters + string.digits),
        )


def warm_up(port: int, people: list[dict], officer_rounds: list, workers: int) -> None:
    """Not measured: a few journeys and every officer page, `workers` at a time, so that every worker has compiled
    its templates and filled its caches, as on a server that has been up for a while."""
    recorder, budget = loadgen.Recorder(), loadgen.Budget(seconds=300, requests=100_000)
    rush = Rush(port, recorder, budget, people)

    async def run():
        for start in range(0, len(people), workers):
            await asyncio.gather(*(rush.teacher(i) for i in range(start, min(len(people), start + workers))))
        for session, urls in officer_rounds[:1]:
            for _round in range(workers):
                browsers = [loadgen.Browser(port, recorder, budget) for _ in urls]
                for browser in browsers:
                    browser.cookies["sessionid"] = session
                await asyncio.gather(*(b.send(kind, "GET", url) for b, (kind, url) in zip(browsers, urls, strict=True)))
                for browser in browsers:
                    await browser.close()

    asyncio.run(run())
    if recorder.error_count:
        report_errors("load_warm_up", recorder)


def cpu_snapshot(server_pid: int | None = None, database: str = "") -> dict:
    """CPU seconds used so far by each of our processes, by kind: the web workers (the processes under
    `manage.py serve`), the task worker, the PostgreSQL server of our database, this generator; and the whole
    machine's (busy and all, from /proc/stat), to tell where the time went and how much went to other programs."""
    tick = os.sysconf("SC_CLK_TCK")
    processes = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cmdline", "rb") as cmd:
                fields, command = stat.read().rsplit(")", 1)[1].split(), cmd.read().replace(b"\0", b" ")
        except OSError:
            continue
        processes[int(pid)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, command)
    ours = {server_pid} if server_pid else set()
    while True:  # the server's descendants
        more = {pid for pid, (parent, _s, _c) in processes.items() if parent in ours} - ours
        if not more:
            break
        ours |= more
    # Our PostgreSQL server: the parent of the backends serving our database, and all its processes (the WAL
    # writer, the checkpointer, autovacuum… work for our writes too).
    marker = f" {database} ".encode()
    servers = {
        parent
        for _pid, (parent, _s, command) in processes.items()
        if database and command.startswith(b"postgres") and marker in command
    }
    used: dict = {kind: {} for kind in ("web", "tasks", "postgres", "generator")}
    for pid, (parent, seconds, command) in processes.items():
        if pid == os.getpid():
            used["generator"][pid] = seconds
        elif pid in ours:
            used["tasks" if b"_worker" in command else "web"][pid] = seconds  # db_worker / run_worker
        elif pid in servers or parent in servers:
            used["postgres"][pid] = seconds
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    used["all"] = sum(values) / tick
    used["busy"] = (sum(values) - values[3] - values[4]) / tick  # all but idle and iowait
    used["steal"] = values[7] / tick if len(values) > 7 else 0.0  # taken by the hypervisor
    return used


class CpuWatch:
    """Samples cpu_snapshot() twice a second in a thread while a phase runs: a process that ends during the phase
    (a PostgreSQL backend whose connection reached CONN_MAX_AGE) is counted up to its last sample."""

    def __init__(self, server_pid: int | None = None, database: str = "", every: float = 0.5):
        self.args, self.every = (server_pid, database), every
        self.first = self.last = cpu_snapshot(*self.args)
        self.seen: dict = {kind: dict(self.first[kind]) for kind in ("web", "tasks", "postgres", "generator")}
        self.start_of = {kind: dict(self.first[kind]) for kind in self.seen}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            self._sample()

    def _sample(self) -> None:
        self.last = cpu_snapshot(*self.args)
        for kind, seconds in self.seen.items():
            seconds.update(self.last[kind])

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self._sample()

    def report(self, prefix: str) -> None:
        """Each kind's share of the machine's CPU during the phase (100 % = every core busy)."""
        total = self.last["all"] - self.first["all"]
        if total <= 0:
            return
        ours = 0.0
        for kind in ("web", "postgres", "generator", "tasks"):
            start = self.start_of[kind]
            spent = sum(seconds - start.get(pid, 0.0) for pid, seconds in self.seen[kind].items())
            ours += spent / total * 100
            line(f"{prefix}_cpu_{kind}", spent / total * 100, "%")
        busy = (self.last["busy"] - self.first["busy"]) / total * 100
        steal = (self.last["steal"] - self.first["steal"]) / total * 100
        line(f"{prefix}_cpu_other_processes", max(0.0, busy - ours - steal), "%")
        line(f"{prefix}_cpu_stolen_by_the_hypervisor", steal, "%")
        line(f"{prefix}_cpu_idle", 100 - busy, "%")


def phase(port: int, teachers: list[dict], officer_rounds: list, *, rate: float, seconds: float, kind: str, watch=()):
    """Teachers arriving at `rate` per second for `seconds`, officers going round their pages meanwhile. `kind`:
    "rush" (each teacher a full journey), "deadline" (Submit alone), "deadline_with_page" (Submit, then the page)."""
    recorder = loadgen.Recorder()
    recorder.timeline = True
    budget = loadgen.Budget(seconds=seconds + 120, requests=len(teachers) * 8 + 100_000)
    rush = Rush(port, recorder, budget, teachers, follow=kind == "deadline_with_page")
    deadline = kind != "rush"

    async def run():
        rounds = [asyncio.create_task(rush.officer(n, s, urls)) for n, (s, urls) in enumerate(officer_rounds)]
        arrivals = loadgen.Budget(seconds=seconds, requests=budget.requests)
        journey = rush.deadline_teacher if deadline else rush.teacher
        outcome = await loadgen.open_loop(rate, len(teachers), journey, budget=arrivals, max_in_flight=MAX_IN_FLIGHT)
        rush.stop_officers.set()
        await asyncio.gather(*rounds)
        return outcome

    load, cpu = os.getloadavg()[0], time.process_time()
    with CpuWatch(*watch) as watcher:
        outcome = asyncio.run(run())
    recorder.stop()
    outcome.update(load=load, generator_cpu=time.process_time() - cpu, cpu=watcher)
    return rush, recorder, outcome


def sustained(times: list[float], start: float) -> tuple[float, float]:
    """(acknowledged submissions per second from the phase's start to the last one; the slowest 5-second stretch
    between the first and the last, or the overall figure when they are less than 10 s apart)."""
    if not times:
        return 0.0, 0.0
    moments = sorted(t - start for t in times)
    overall = len(moments) / moments[-1] if moments[-1] > 0 else 0.0
    first, last = moments[0], moments[-1]
    if last - first < 10:
        return overall, overall
    windows = []
    for step in range(int(last - first - 5) + 1):
        low = first + step
        windows.append(sum(1 for t in moments if low <= t < low + 5) / 5)
    return overall, min(windows)


def report_phase(prefix: str, rush: "Rush", recorder: loadgen.Recorder, outcome: dict, bare: dict) -> None:
    requests = recorder.requests()
    overall, slowest = sustained(rush.submit_times, recorder.started)
    line(f"{prefix}_load_average_before", outcome["load"], "load", 2)
    line(f"{prefix}_seconds", recorder.seconds, "s")
    line(f"{prefix}_arrivals", outcome["launched"], "count", 0)
    line(f"{prefix}_arrivals_delayed", outcome["delayed"], "count", 0)
    line(f"{prefix}_requests_per_second", requests / recorder.seconds, "req/s")
    line(f"{prefix}_submissions", len(rush.acknowledged), "count", 0)
    line(f"{prefix}_submissions_per_second", overall, "sub/s")
    line(f"{prefix}_submissions_per_second_slowest_5s", slowest, "sub/s")
    report_kinds(prefix, recorder)
    report_errors(prefix, recorder)
    outcome["cpu"].report(prefix)
    line(f"{prefix}_generator_cpu_per_request", outcome["generator_cpu"] * 1000 / max(1, requests), "ms", 3)
    line(f"{prefix}_requests_ratio_to_bare_page", requests / recorder.seconds / bare["bare_page"][0], "x", 2)
    submit_p50 = loadgen.spread(recorder.times.get("submit", []))[0]
    if submit_p50:
        line(f"{prefix}_submit_p50_ratio_to_bare_page_p50", submit_p50 / bare["bare_page"][1], "x")


def run_once(base: str, template: str, workers: int, suffix: str) -> int:
    from django.db import connections

    url = fresh_copy(base, template)
    connections.close_all()
    warm_count, rush_count = 4 * workers, int(RUSH_RATE * RUSH_SECONDS)
    deadline_count, page_count = int(DEADLINE_RATE * DEADLINE_SECONDS), int(PAGE_RATE * PAGE_SECONDS)
    wanted = warm_count + rush_count + deadline_count + page_count
    people = prepare_teachers(wanted)
    if len(people) < wanted:
        print(f"# only {len(people)} teachers have not submitted: the last phases are shorter", file=sys.stderr)
    warm, rushers = people[:warm_count], people[warm_count : warm_count + rush_count]
    start = warm_count + rush_count
    deadliners, page_deadliners = people[start : start + deadline_count], people[start + deadline_count :]
    prepare_drafts(deadliners + page_deadliners)
    cycle = open_cycle()
    accounts = officers()
    rounds_urls = [officer_urls(accounts[n % len(accounts)], cycle.pk) for n in range(OFFICERS)] if accounts else []
    connections.close_all()
    port = int(os.environ.get("LOAD_PORT") or free_port())
    prefix = f"load{suffix}"
    database = database_name(url)
    with Server(url, port, workers, LOAD_DIR / f"serve{suffix}.log", WEB_THREADS=str(THREADS)) as server:
        watch = (server.process.pid, database)
        kind = "sync" if THREADS == 1 else f"gthread ({THREADS} threads)"
        print(f"# {prefix}: {workers} gunicorn {kind} workers, port {port}; {os.cpu_count()} cores", file=sys.stderr)
        # The raw tool underneath, served the same way.
        users = max(4, workers * 2)
        bare = {}
        line(f"{prefix}_floor_load_average_before", os.getloadavg()[0], "load", 2)
        for name, path in (("healthz", "/healthz"), ("bare_page", "/accounts/login/")):
            recorder = floor(port, path, users, FLOOR_SECONDS)
            p50, _p95, p99 = loadgen.spread(recorder.times["get"])
            bare[name] = (recorder.requests() / recorder.seconds, p50)
            line(f"{prefix}_floor_{name}_per_second", bare[name][0], "req/s")
            line(f"{prefix}_floor_{name}_p50", p50, "ms")
            line(f"{prefix}_floor_{name}_p99", p99, "ms")
            if recorder.error_count:
                report_errors(f"{prefix}_floor_{name}", recorder)
        if not suffix or suffix.endswith(f"_{WORKERS[0]}w"):
            for name, figures in loadgen.compare_clients(port, "/healthz", requests=2000, concurrency=users).items():
                line(f"load_generator_{name}_cpu_per_request", figures["cpu_ms_per_request"], "ms", 3)
        # Sign-in, measured apart: teachers, then the officers (whose sessions the officers' rounds use).
        sample = rushers[: min(SIGNINS, len(rushers))]
        recorder, sessions = sign_in_phase(port, [(p["username"], PASSWORD) for p in sample], users=workers * 2)
        signed = {p["user_id"]: key for p, key in zip(sample, sessions, strict=True) if key}
        line(f"{prefix}_signin_load_average_before", os.getloadavg()[0], "load", 2)
        line(f"{prefix}_signin_count", len(signed), "count", 0)
        line(f"{prefix}_signin_per_second", len(signed) / recorder.seconds if recorder.seconds else 0, "req/s")
        for kind in ("signin_page", "signin"):
            p50, p95, p99 = loadgen.spread(recorder.times.get(kind, []))
            line(f"{prefix}_{kind}_p50", p50, "ms")
            line(f"{prefix}_{kind}_p95", p95, "ms")
            line(f"{prefix}_{kind}_p99", p99, "ms")
        if recorder.error_count:
            report_errors(f"{prefix}_signin", recorder)
        officer_names = [(accounts[n % len(accounts)]["username"], DEMO_PASSWORD) for n in range(len(rounds_urls))]
        _recorder, officer_sessions = sign_in_phase(port, officer_names, users=1)
        officer_rounds = [(key, urls) for key, urls in zip(officer_sessions, rounds_urls, strict=True) if key and urls]
        # Everyone else's session, written as login() writes it.
        minted = mint_sessions([p["user_id"] for p in people if p["user_id"] not in signed])
        connections.close_all()
        line(f"{prefix}_sessions_minted", len(minted), "count", 0)
        for person in people:
            person["session"] = signed.get(person["user_id"]) or minted[person["user_id"]]
        warm_up(port, warm, officer_rounds, workers)
        acknowledged = {}
        phases = [
            ("rush", rushers, RUSH_RATE, RUSH_SECONDS),
            ("deadline", deadliners, DEADLINE_RATE, DEADLINE_SECONDS),
            ("deadline_with_page", page_deadliners, PAGE_RATE, PAGE_SECONDS),
        ]
        for kind, teachers, rate, seconds in phases:
            if not teachers:
                continue
            rush, recorder, outcome = phase(
                port, teachers, officer_rounds, rate=rate, seconds=seconds, kind=kind, watch=watch
            )
            report_phase(f"{prefix}_{kind}", rush, recorder, outcome, bare)
            acknowledged |= rush.acknowledged
    lost = lost_submissions(acknowledged)
    connections.close_all()
    line(f"{prefix}_lost_submissions", len(lost), "count", 0)
    for item in lost[: loadgen.FIRST_ERRORS]:
        print(f"# lost: {item}", file=sys.stderr)
    return 1 if lost else 0


def main() -> int:
    own = None
    base = os.environ.get("BENCH_POSTGRES_URL")
    if not base:
        own, base = pg_temp_start()
    try:
        template = seeded_template(base)
        setup_django(database_url(base, "load_run"))
        missing = missing_pages()
        if missing:
            print(f"# officer pages not in this version (left out): {', '.join(missing)}", file=sys.stderr)
        status = 0
        for workers in WORKERS:
            suffix = f"_{workers}w" if len(WORKERS) > 1 else ""
            status = run_once(base, template, workers, suffix) or status
        return status
    finally:
        if own:
            pg_temp_stop(own)


if __name__ == "__main__":
    sys.exit(main())
