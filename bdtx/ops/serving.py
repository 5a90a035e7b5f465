"""Run long-lived programs as one service: the web server and the task workers of `manage.py serve`.

Plain Python (no Django), so it is tested with real processes. Each program runs in its own process group, so
a Ctrl-C in the terminal reaches only this supervisor, which then stops them in order: SIGTERM to each (gunicorn
finishes the requests in flight, a task worker the task in hand), SIGKILL to whatever is still running after
`stop_timeout` seconds or at a second Ctrl-C. A program that exits by itself (a task worker does when the
database goes away) is started again after 1 s, then 2, 4… up to 30 s while it keeps failing; the others carry
on, so the service recovers by itself when the database is back.
"""

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_RESTART_DELAY = 30.0
# A program that ran this long before exiting is healthy again: its next restart waits the shortest delay.
HEALTHY_AFTER = 60.0


@dataclass(frozen=True)
class Program:
    name: str
    command: list[str]


@dataclass
class _Child:
    program: Program
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float = 0.0

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def _print(event: str, **details) -> None:
    print(f"serve: {event} {details}", flush=True)  # noqa: T201 - the default log of a command-line supervisor


def supervise(
    programs: list[Program],
    *,
    stop_timeout: float = 60.0,
    restart_delay: float = 1.0,
    log: Callable[..., None] = _print,
    poll: float = 0.2,
) -> int:
    """Start every program and keep them running until SIGTERM or SIGINT, then stop them all; returns 0.

    log(event, **details) is told: "started" (name, pid), "exited" (name, status, delay: it starts again in
    `delay` seconds), "stopping" (signal), "killed" (name: still running after stop_timeout), "stopped".
    """
    state = {"signal": None, "force": False}

    def on_signal(signum, _frame):
        if state["signal"] is None:
            state["signal"] = signal.Signals(signum).name
        else:
            state["force"] = True

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
    children = [_Child(program) for program in programs]
    try:
        for child in children:
            _start(child, log)
        while state["signal"] is None:
            now = time.monotonic()
            for child in children:
                if child.process is not None and (status := child.process.poll()) is not None:
                    healthy = now - child.started_at >= HEALTHY_AFTER
                    child.failures = 1 if healthy else child.failures + 1
                    delay = min(MAX_RESTART_DELAY, restart_delay * 2 ** (child.failures - 1))
                    log("exited", name=child.program.name, status=status, delay=delay)
                    child.process, child.restart_at = None, now + delay
                elif child.process is None and now >= child.restart_at:
                    _start(child, log)
            time.sleep(poll)
        log("stopping", signal=state["signal"])
    finally:
        _stop(children, stop_timeout=stop_timeout, state=state, log=log, poll=poll)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log("stopped")
    return 0


def _start(child: _Child, log) -> None:
    child.process = subprocess.Popen(child.program.command, stderr=subprocess.STDOUT, process_group=0)
    child.started_at = time.monotonic()
    log("started", name=child.program.name, pid=child.process.pid)


def _stop(children: list[_Child], *, stop_timeout: float, state: dict, log, poll: float) -> None:
    for child in children:
        if child.running():
            child.process.terminate()
    deadline = time.monotonic() + stop_timeout
    while any(child.running() for child in children):
        if state["force"] or time.monotonic() >= deadline:
            break
        time.sleep(poll / 2)
    for child in children:
        if child.running():
            log("killed", name=child.program.name)
            child.process.kill()
        if child.process is not None:
            child.process.wait()
