"""A small HTTP/1.1 load generator for bdtx's load benches (bench/load.py, bench/faults_db.py).

Why not Locust: it pulls gevent, greenlets and a web UI, and it spends a lot of CPU per request; here the
generator shares the machine's two cores with the server and PostgreSQL, so every millisecond it spends is taken
from what it measures. This one is asyncio streams and a few dozen lines of HTTP/1.1 parsing: keep-alive when the
server allows it (gunicorn's gthread worker), a new connection per request when the server closes it (gunicorn's
sync worker, the default of `make serve`). `compare_clients()` measures its CPU cost per request against threads +
http.client, the other cheap way; bench/load.py prints both.

Safety: loopback only (any host but 127.0.0.1 is refused), and every run is bounded in time and in requests
(Budget): nothing here can be pointed at a real server or left running.

The pieces: Connection (one HTTP/1.1 connection, reconnecting as needed), Browser (a virtual user: cookies,
the headers a browser behind the HTTPS reverse proxy sends, CSRF), Recorder (latencies per kind of request,
statuses, the first errors), Budget, open_loop() (start journeys at a fixed rate, as users arrive) and
closed_loop() (N users going through journeys back to back)."""

import asyncio
import http.client
import json
import re
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from common import LOOPBACK, percentile

FIRST_ERRORS = 5


class Refused(ValueError):
    """The generator was asked to send load somewhere else than this machine's loopback address."""


def check_host(host: str) -> str:
    if host != LOOPBACK:
        raise Refused(f"loadgen sends load to {LOOPBACK} only, not to {host!r}")
    return host


class OverBudget(Exception):
    """The run's time or request budget is spent: the journey stops where it is."""


@dataclass
class Budget:
    """A hard bound on a run: at most `requests` requests, none started after `seconds`."""

    seconds: float
    requests: int
    started: float = field(default_factory=time.monotonic)
    used: int = 0

    def take(self) -> None:
        if self.used >= self.requests or time.monotonic() - self.started >= self.seconds:
            raise OverBudget
        self.used += 1

    @property
    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes
    ms: float

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class HTTPError(Exception):
    """The connection failed or the answer was not HTTP/1.1 (what a browser shows as "cannot connect")."""


class _Exchange(asyncio.Protocol):
    """The bytes of one connection: each request's answer is gathered here until it is complete (Content-Length,
    chunked, or the end of the connection), then handed to the waiting request."""

    def __init__(self):
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False
        self.head_end = -1
        self.length: int | None = None
        self.chunked = False

    def connection_made(self, transport):
        self.transport = transport

    def expect(self, waiter: asyncio.Future) -> None:
        self.waiter, self.head_end, self.length, self.chunked = waiter, -1, None, False
        self.buffer.clear()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._check()

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            if self.head_end >= 0 and self.length is None and not self.chunked:
                self.waiter.set_result(bytes(self.buffer))  # a body that runs to the end of the connection
            else:
                self.waiter.set_exception(ConnectionResetError(f"closed after {len(self.buffer)} bytes"))

    def _check(self) -> None:
        if self.waiter is None or self.waiter.done():
            return
        if self.head_end < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.head_end = end + 4
            head = bytes(self.buffer[:end]).lower()
            found = re.search(rb"\r\ncontent-length:\s*(\d+)", head)
            if found:
                self.length = int(found.group(1))
            elif re.search(rb"\r\ntransfer-encoding:\s*chunked", head):
                self.chunked = True
            elif head.startswith((b"http/1.1 204", b"http/1.1 304", b"http/1.0 204", b"http/1.0 304")):
                self.length = 0
        complete = self.length is not None and len(self.buffer) >= self.head_end + self.length
        if complete or (self.chunked and self.buffer.endswith(b"0\r\n\r\n")):
            self.waiter.set_result(bytes(self.buffer))


class Connection:
    """One HTTP/1.1 connection to 127.0.0.1:port, opened when needed and again when the server closed it. Built on
    a bare asyncio.Protocol: streams cost a third more CPU per request (measured with compare_clients)."""

    def __init__(self, port: int, host: str = LOOPBACK, timeout: float = 30.0):
        self.host, self.port, self.timeout = check_host(host), port, timeout
        self.protocol: _Exchange | None = None
        self.opened = 0  # connections made: with a sync gunicorn worker, one per request

    async def close(self) -> None:
        if self.protocol is not None and self.protocol.transport is not None:
            self.protocol.transport.close()
        self.protocol = None

    async def request(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"") -> Response:
        reused = self.protocol is not None
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(method, target, headers, body)
        except ConnectionError as error:
            await self.close()
            if reused and "after 0 bytes" in str(error):
                # The server closed an idle kept-alive connection before reading this request: send it again on a
                # new one, as browsers do. Nothing of the request was answered, so it cannot be applied twice.
                try:
                    async with asyncio.timeout(self.timeout):
                        return await self._exchange(method, target, headers, body)
                except (ConnectionError, OSError) as again:
                    await self.close()
                    raise HTTPError(f"{type(again).__name__}: {again}") from again
            raise HTTPError(f"{type(error).__name__}: {error}") from error
        except TimeoutError as error:
            await self.close()
            raise HTTPError(f"no answer within {self.timeout:g} s") from error
        except OSError as error:
            await self.close()
            raise HTTPError(f"{type(error).__name__}: {error}") from error

    async def _exchange(self, method, target, headers, body) -> Response:
        loop = asyncio.get_running_loop()
        if self.protocol is None or self.protocol.closed:
            _transport, self.protocol = await loop.create_connection(_Exchange, self.host, self.port)
            self.opened += 1
        protocol = self.protocol
        started = time.perf_counter()
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        waiter = loop.create_future()
        protocol.expect(waiter)
        protocol.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        data = await waiter
        ms = (time.perf_counter() - started) * 1000
        head, _, payload = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        version, status = status_line.split(" ", 2)[:2]
        if not version.startswith("HTTP/1."):
            raise HTTPError(f"not HTTP/1.x: {status_line!r}")
        answer: dict[str, str] = {}
        cookies = []
        for item in header_lines:
            name, _, value = item.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            else:
                answer[name] = value
        if protocol.chunked:
            payload = _unchunk(payload)
        if answer.get("connection", "").lower() == "close" or version == "HTTP/1.0" or protocol.closed:
            await self.close()
        return Response(int(status), answer, cookies, payload, ms)


def _unchunk(data: bytes) -> bytes:
    parts, position = [], 0
    while True:
        end = data.index(b"\r\n", position)
        size = int(data[position:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(parts)
        parts.append(data[end + 2 : end + 2 + size])
        position = end + 2 + size + 2


class Recorder:
    """Every request's kind, status and time; errors are kept by kind, the first few in full."""

    def __init__(self):
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.errors: list[str] = []
        self.error_count = 0
        self.started = time.monotonic()
        self.finished: float | None = None
        self.events: list[tuple[float, str, int, float]] = []  # (s since start, kind, status or 0, ms) if `timeline`
        self.timeline = False
        self.failures: Counter = Counter()  # (kind, status, what the answer said) → count

    def add(self, kind: str, status: int, ms: float, *, ok: bool, detail: str = "") -> None:
        self.times[kind].append(ms)
        self.statuses[kind][status] += 1
        if self.timeline:
            self.events.append((time.monotonic() - self.started, kind, status, ms))
        if not ok:
            self.failures[(kind, status, detail[:100])] += 1
            self.error_count += 1
            if len(self.errors) < FIRST_ERRORS:
                self.errors.append(f"{kind}: {status or 'no answer'} {detail}".strip())

    def fail(self, kind: str, detail: str) -> None:
        """A request answered with the expected status but the wrong content (e.g. redirected elsewhere)."""
        self.statuses[kind]["wrong"] += 1
        self.error_count += 1
        if len(self.errors) < FIRST_ERRORS:
            self.errors.append(f"{kind}: {detail}")

    def stop(self) -> None:
        self.finished = time.monotonic()

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def requests(self) -> int:
        return sum(len(times) for times in self.times.values())


def spread(times: list[float]) -> tuple[float, float, float]:
    if not times:
        return 0.0, 0.0, 0.0
    return statistics.median(times), percentile(times, 0.95), percentile(times, 0.99)


COOKIE_GONE = re.compile(r";\s*(max-age=0|expires=thu, 01 jan 1970)", re.IGNORECASE)
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """A virtual user: one connection, its cookies, and the headers a browser sends through the HTTPS reverse proxy
    (X-Forwarded-Proto, and Origin on forms, which Django's CSRF check compares with the host)."""

    def __init__(self, port: int, recorder: Recorder, budget: Budget, *, timeout: float = 30.0):
        self.connection = Connection(port, timeout=timeout)
        self.recorder, self.budget = recorder, budget
        self.cookies: dict[str, str] = {}
        self.origin = f"https://{LOOPBACK}:{port}"

    def _headers(self, extra) -> list[tuple[str, str]]:
        headers = [("X-Forwarded-Proto", "https"), ("Accept-Language", "vi"), ("User-Agent", "bdtx-loadgen")]
        if self.cookies:
            headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items())))
        return headers + list(extra)

    def _keep(self, cookies: list[str]) -> None:
        for raw in cookies:
            pair = raw.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if COOKIE_GONE.search(raw):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()

    async def send(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        form=None,
        headers=(),
        expect=(200,),
        record: bool = True,
        retries: int = 0,
        retry_pause: float = 1.0,
    ) -> Response | None:
        """One request, recorded under `kind`; an answer outside `expect` (or none) counts as an error.
        With `retries`, a 503 or no answer is tried again after `retry_pause` s (as a person would), each try recorded.
        Returns the last response (None when there was no answer)."""
        response = await self._send_once(kind, method, path, form, headers, expect, record)
        for _ in range(retries):
            if response is not None and response.status != 503:
                break
            await asyncio.sleep(retry_pause)
            response = await self._send_once(kind, method, path, form, headers, expect, record)
        return response

    async def _send_once(self, kind, method, path, form, headers, expect, record) -> Response | None:
        self.budget.take()
        body = b""
        extra = list(headers)
        if method == "POST":
            body = urlencode(form or {}, doseq=True).encode()
            extra += [
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", self.origin),
                ("Referer", f"{self.origin}{path}"),
            ]
            if "csrftoken" in self.cookies:
                extra.append(("X-CSRFToken", self.cookies["csrftoken"]))
        started = time.perf_counter()
        try:
            response = await self.connection.request(method, path, self._headers(extra), body)
        except HTTPError as error:
            if record:
                self.recorder.add(kind, 0, (time.perf_counter() - started) * 1000, ok=False, detail=str(error))
            return None
        self._keep(response.cookies)
        if record:
            ok = response.status in expect
            detail = "" if ok else _describe(response)
            self.recorder.add(kind, response.status, response.ms, ok=ok, detail=detail)
        return response

    async def close(self) -> None:
        await self.connection.close()


def _describe(response: Response) -> str:
    """A short view of an unexpected answer: where it redirects, else the page's title or first words."""
    if "location" in response.headers:
        return f"→ {response.headers['location']}"
    if response.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(response.body)
        except ValueError:
            body = {}
        if isinstance(body, dict) and ("code" in body or "detail" in body):
            return f"json {body.get('code', '')}: {body.get('detail', '')}"[:160]
    text = response.text()
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    snippet = title.group(1) if title else text[:120]
    return " ".join(snippet.split())[:160]


def csrf_token(response: Response | None) -> str:
    found = CSRF_FIELD.search(response.body) if response else None
    return found.group(1).decode() if found else ""


async def open_loop(
    rate: float,
    count: int,
    journey: Callable[[int], Awaitable[None]],
    *,
    budget: Budget,
    max_in_flight: int = 400,
) -> dict:
    """Start journey(0), journey(1)… at `rate` per second (users arrive whether or not the server keeps up), at most
    `count` of them and never more than `max_in_flight` at once (then arrivals wait: that is counted as `delayed`).
    Stops starting journeys when the budget is spent; waits for those under way (each stops at its budget too)."""
    tasks, delayed, launched, started = set(), 0, 0, time.monotonic()
    gate = asyncio.Semaphore(max_in_flight)

    async def run(index: int) -> None:
        try:
            await journey(index)
        except OverBudget:
            pass
        finally:
            gate.release()

    for index in range(count):
        due = started + index / rate
        wait = due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        if budget.left <= 0 or budget.used >= budget.requests:
            break
        if gate.locked():
            delayed += 1
        await gate.acquire()
        task = asyncio.create_task(run(index))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        launched += 1
    if tasks:
        await asyncio.wait(tasks, timeout=max(1.0, budget.left + 60))
    return {"launched": launched, "delayed": delayed, "seconds": time.monotonic() - started}


async def closed_loop(users: int, journey: Callable[[int, int], Awaitable[None]], *, budget: Budget) -> None:
    """`users` virtual users, each running journey(user, round) back to back until the budget is spent."""

    async def user(number: int) -> None:
        turn = 0
        try:
            while budget.left > 0:
                await journey(number, turn)
                turn += 1
        except OverBudget:
            pass

    await asyncio.gather(*(user(n) for n in range(users)))


# The client's own cost --------------------------------------------------------------------------------------


async def _asyncio_gets(port: int, path: str, requests: int, concurrency: int) -> int:
    left, errors = [requests], [0]

    async def user() -> None:
        connection = Connection(port)
        while left[0] > 0:
            left[0] -= 1
            try:
                response = await connection.request("GET", path, [("X-Forwarded-Proto", "https")])
                if response.status != 200:
                    errors[0] += 1
            except HTTPError:
                errors[0] += 1
        await connection.close()

    await asyncio.gather(*(user() for _ in range(concurrency)))
    return errors[0]


def _thread_gets(port: int, path: str, requests: int, concurrency: int) -> int:
    check_host(LOOPBACK)
    left = [requests]
    lock = threading.Lock()
    errors = [0]

    def user() -> None:
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        while True:
            with lock:
                if left[0] <= 0:
                    break
                left[0] -= 1
            try:
                connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                connection.close()
        connection.close()

    threads = [threading.Thread(target=user) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors[0]


def compare_clients(port: int, path: str, *, requests: int = 2000, concurrency: int = 8) -> dict[str, dict]:
    """The generator's CPU per request (process time: all its threads) and the rate reached, for this asyncio
    client and for threads + http.client, each sending `requests` GETs of `path` with `concurrency` users."""
    results = {}
    for name, run in (
        ("asyncio", lambda: asyncio.run(_asyncio_gets(port, path, requests, concurrency))),
        ("threads", lambda: _thread_gets(port, path, requests, concurrency)),
    ):
        cpu, wall = time.process_time(), time.perf_counter()
        errors = run()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        results[name] = {"cpu_ms_per_request": cpu * 1000 / requests, "per_second": requests / wall, "errors": errors}
    return results
