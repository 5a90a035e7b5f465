"""Fault drill: PostgreSQL restarted under load. The production server (`manage.py serve`: gunicorn + a task
worker) keeps running while teachers submit their self-assessments, officers read their pages and a script reads the
API; in the middle, `pg_ctl restart -m fast` closes every database connection and refuses new ones for a moment.

    python bench/faults_db.py        (or `make faults-db`; docs/load.md)

What must hold, and is printed:
- requests during the outage get a clean 503 (the Vietnamese page of bdtx/ops/dbdown.py, or its JSON under /api/),
  never a 500 and never a hang (`faults_db_500: 0`, `faults_db_no_answer: 0`, the slowest answer);
- the app recovers by itself, without restarting gunicorn (CONN_HEALTH_CHECKS): the time from the restart's end to
  the first answer served from the database again, and to the last failure; `faults_db_web_restarts: 0` (the same
  gunicorn master) and `faults_db_gunicorn_workers_replaced: 0` (the same workers);
- every submission the server acknowledged is in the database as submitted, with its audit event
  (`faults_db_lost_submissions: 0`).

A virtual person who gets a 503 does what the page says: waits and tries again (up to 3 times, 2 s apart).
Always on its own throw-away PostgreSQL server (it restarts it): a province of FAULTS_STAFF staff.

Environment: FAULTS_STAFF=3000, FAULTS_TEACHERS=1200, FAULTS_RATE=5 (teachers arriving per second),
FAULTS_SECONDS=40 (arrivals), FAULTS_RESTART_AT=12 (s into the load), FAULTS_WORKERS=3, FAULTS_DOWN_SECONDS=0 (more:
`pg_ctl stop -m fast`, that many seconds down, then `pg_ctl start`: a longer outage)."""

import asyncio
import contextlib
import os
import shlex
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402
import loadgen  # noqa: E402
from common import database_url, free_port, line, pg_temp_start, pg_temp_stop  # noqa: E402

STAFF = int(os.environ.get("FAULTS_STAFF", "3000"))
TEACHERS = int(os.environ.get("FAULTS_TEACHERS", "1200"))
RATE = float(os.environ.get("FAULTS_RATE", "5"))
SECONDS = float(os.environ.get("FAULTS_SECONDS", "40"))
RESTART_AT = float(os.environ.get("FAULTS_RESTART_AT", "12"))
WORKERS = int(os.environ.get("FAULTS_WORKERS", "3"))
DOWN_SECONDS = float(os.environ.get("FAULTS_DOWN_SECONDS", "0"))
CLEAN_PAGE = "Tạm thời gián đoạn"  # the title of templates/503.html in Vietnamese
CLEAN_JSON = "json database_unavailable"
RETRIES, RETRY_PAUSE = 3, 2.0
API_PAUSE = 0.25


def pg_ctl_restart(directory: str) -> tuple[float, float, str]:
    """`pg_ctl restart -m fast` on the throw-away server, as its owner; (started, finished) monotonic, output."""
    binary = subprocess.run(
        ["bash", "-c", "dirname $(readlink -f $(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -1))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    pg_ctl = [f"{binary}/pg_ctl", "-D", f"{directory}/data", "-l", f"{directory}/log", "-w"]
    owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    started = time.monotonic()
    if DOWN_SECONDS:  # a longer outage: stopped, then started again after DOWN_SECONDS with the same options
        words = shlex.split(Path(f"{directory}/data/postmaster.opts").read_text())[1:]
        options = " ".join(shlex.quote(w) for i, w in enumerate(words) if w != "-D" and words[i - 1 : i] != ["-D"])
        stop = subprocess.run([*owner, *pg_ctl, "-m", "fast", "stop"], capture_output=True, text=True, check=False)
        time.sleep(DOWN_SECONDS)
        start = [*owner, *pg_ctl, "-o", options, "start"]
        start = subprocess.run(start, capture_output=True, text=True, check=False)
        output = stop.stdout + stop.stderr + start.stdout + start.stderr
    else:
        result = subprocess.run([*owner, *pg_ctl, "-m", "fast", "restart"], capture_output=True, text=True, check=False)
        output = result.stdout + result.stderr
    return started, time.monotonic(), output.strip()


class Drill(load.Rush):
    """The rush's teachers, who try again after a 503 as the page tells them, and an API reader."""

    async def api_reader(self, token: str, stop: asyncio.Event) -> None:
        browser = loadgen.Browser(self.port, self.recorder, self.budget)
        headers = [("Authorization", f"Token {token}"), ("Accept", "application/json")]
        try:
            while not stop.is_set():
                await browser.send("api_staff", "GET", "/api/v1/staff/?page=1", headers=headers)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), API_PAUSE)
        except loadgen.OverBudget:
            pass
        finally:
            await browser.close()


def patch_retries() -> None:
    """Every request of the drill's virtual people is tried again after a 503 or no answer."""
    send = loadgen.Browser.send

    async def patient(self, *args, **kwargs):
        kwargs.setdefault("retries", RETRIES)
        kwargs.setdefault("retry_pause", RETRY_PAUSE)
        return await send(self, *args, **kwargs)

    loadgen.Browser.send = patient


def api_token() -> str:
    from rest_framework.authtoken.models import Token

    from bdtx.accounts.models import User

    officer = User.objects.get(username="so.chuyenvien")
    return Token.objects.get_or_create(user=officer)[0].key


def main() -> int:
    directory, base = pg_temp_start()
    try:
        template = load.seeded_template(base, staff=STAFF, seeds=("seed_demo_appraisals",))
        load.setup_django(database_url(base, "load_run"))
        from django.db import connections

        url = load.fresh_copy(base, template)
        people = load.prepare_teachers(TEACHERS)
        cycle = load.open_cycle()
        officer_pages = [(account, load.officer_urls(account, cycle.pk)) for account in load.officers()]
        sessions = load.mint_sessions([p["user_id"] for p in people])
        for person in people:
            person["session"] = sessions[person["user_id"]]
        token = api_token()
        connections.close_all()
        port = free_port()
        log = load.LOAD_DIR / "serve-faults.log"
        log.unlink(missing_ok=True)
        patch_retries()
        with load.Server(url, port, WORKERS, log) as server:
            master_before, gunicorn_before = gunicorn_processes(server)
            print(
                f"# faults_db: {WORKERS} workers, {len(people)} teachers at {RATE:g}/s for {SECONDS:g} s, restart at "
                f"{RESTART_AT:g} s; load average {os.getloadavg()[0]:.2f}",
                file=sys.stderr,
            )
            names = [(account["username"], load.DEMO_PASSWORD) for account, _urls in officer_pages]
            _signed, sessions = load.sign_in_phase(port, names, users=1)
            officer_rounds = [(key, urls) for key, (_a, urls) in zip(sessions, officer_pages, strict=True) if key]
            drill, recorder, restart = run(port, people, officer_rounds, token, directory)
            master_after, gunicorn_after = gunicorn_processes(server)
        web_restarts = len(master_before - master_after)
        lost = load.lost_submissions(drill.acknowledged)
        connections.close_all()
        return report(drill, recorder, restart, lost, web_restarts, gunicorn_before, gunicorn_after)
    finally:
        pg_temp_stop(directory)


def gunicorn_processes(server: load.Server) -> tuple[set[int], set[int]]:
    """The gunicorn master (a child of `manage.py serve`) and its workers: the same before and after the restart
    when nothing was restarted."""
    out = subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True, check=False).stdout
    masters = {
        int(row.split()[0])
        for row in out.splitlines()[1:]
        if "gunicorn" in row and int(row.split()[1]) == server.process.pid
    }
    return masters, {int(row.split()[0]) for row in out.splitlines()[1:] if int(row.split()[1]) in masters}


def run(port, people, officer_rounds, token, directory):
    recorder = loadgen.Recorder()
    recorder.timeline = True
    budget = loadgen.Budget(seconds=SECONDS + 120, requests=len(people) * 30 + 100_000)
    drill = Drill(port, recorder, budget, people)
    restart: dict = {}

    async def go():
        stop = asyncio.Event()
        others = [
            asyncio.create_task(drill.officer(n, session, urls))
            for n, (session, urls) in enumerate(officer_rounds)
            if urls
        ]
        others.append(asyncio.create_task(drill.api_reader(token, stop)))

        async def restart_later():
            await asyncio.sleep(RESTART_AT)
            started, finished, output = await asyncio.to_thread(pg_ctl_restart, directory)
            restart.update(started=started - recorder.started, finished=finished - recorder.started, output=output)

        restarting = asyncio.create_task(restart_later())
        arrivals = loadgen.Budget(seconds=SECONDS, requests=budget.requests)
        await loadgen.open_loop(RATE, len(people), drill.teacher, budget=arrivals)
        await restarting
        drill.stop_officers.set()
        stop.set()
        await asyncio.gather(*others)

    asyncio.run(go())
    recorder.stop()
    return drill, recorder, restart


def report(drill, recorder, restart, lost, web_restarts, before, after) -> int:
    statuses = Counter(status for _at, _kind, status, _ms in recorder.events)
    clean = sum(n for (_k, status, detail), n in recorder.failures.items() if status == 503 and _is_clean(detail))
    unclean_503 = statuses[503] - clean
    print(f"# restart: {restart.get('output', '')!r}", file=sys.stderr)
    line("faults_db_requests", len(recorder.events), "count", 0)
    line("faults_db_restart_started_at", restart.get("started", 0), "s")
    line("faults_db_restart_seconds", restart.get("finished", 0) - restart.get("started", 0), "s")
    for status in sorted(statuses):
        label = "no_answer" if status == 0 else str(status)
        line(f"faults_db_status_{label}", statuses[status], "count", 0)
    line("faults_db_503_clean", clean, "count", 0)
    line("faults_db_503_not_clean", unclean_503, "count", 0)
    line("faults_db_500", sum(n for s, n in statuses.items() if s >= 500 and s != 503), "count", 0)
    line("faults_db_no_answer", statuses[0], "count", 0)
    line("faults_db_slowest_answer", max((ms for *_x, ms in recorder.events), default=0), "ms")
    slowest = sorted(recorder.events, key=lambda event: -event[3])[:3]
    print(
        "# slowest: " + "; ".join(f"{kind} at {at:.1f} s: {ms:.0f} ms" for at, kind, _s, ms in slowest), file=sys.stderr
    )
    failures = [(at, kind, status) for at, kind, status, _ms in recorder.events if status in (0, 503) or status >= 500]
    if failures:
        first, last = failures[0][0], failures[-1][0]
        end = restart.get("finished", last)
        served = [at for at, _kind, status, _ms in recorder.events if at > end and 200 <= status < 400]
        line("faults_db_first_failure_after_restart_began", first - restart.get("started", first), "s")
        line("faults_db_last_failure_after_restart_ended", max(0.0, last - end), "s")
        line("faults_db_first_success_after_restart_ended", (served[0] - end) if served else -1, "s", 2)
        kinds = Counter(kind for _at, kind, _status in failures)
        print(f"# failures by kind: {dict(kinds)}", file=sys.stderr)
    else:
        print("# no request failed: the restart fell between requests", file=sys.stderr)
    print(
        "# timeline (s since the load began: answers served / clean 503 / other failures / no answer):", file=sys.stderr
    )
    by_second: dict[int, Counter] = {}
    for at, _kind, status, _ms in recorder.events:
        slot = by_second.setdefault(int(at), Counter())
        slot[
            "served"
            if 200 <= status < 500 and status != 409
            else "503"
            if status == 503
            else "none"
            if not status
            else "other"
        ] += 1
    start = int(restart.get("started", 0))
    for second in range(max(0, start - 3), min(max(by_second, default=0), start + 12) + 1):
        slot = by_second.get(second, Counter())
        print(
            f"#   {second:3d}: {slot['served']:4d} {slot['503']:4d} {slot['other']:4d} {slot['none']:4d}",
            file=sys.stderr,
        )
    for (kind, status, detail), count in recorder.failures.most_common(8):
        print(f"# {count} × {kind} {status or 'no answer'}: {detail}", file=sys.stderr)
    line("faults_db_web_restarts", web_restarts, "count", 0)
    line("faults_db_gunicorn_workers_replaced", len(before - after), "count", 0)
    line("faults_db_submissions", len(drill.acknowledged), "count", 0)
    line("faults_db_journeys_completed", drill.journeys_done, "count", 0)
    line("faults_db_lost_submissions", len(lost), "count", 0)
    for item in lost[: loadgen.FIRST_ERRORS]:
        print(f"# lost: {item}", file=sys.stderr)
    bad = statuses[0] or unclean_503 or any(s >= 500 and s != 503 for s in statuses) or lost or web_restarts
    return 1 if bad else 0


def _is_clean(detail: str) -> bool:
    return CLEAN_PAGE in detail or detail.startswith(CLEAN_JSON)


if __name__ == "__main__":
    sys.exit(main())
