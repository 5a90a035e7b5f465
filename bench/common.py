"""What the benchmarks share: a consistent copy of another bench's SQLite database, a PostgreSQL database of
their own on the throw-away server that `make bench` starts (copied from another bench's database as a template
when it is there), percentiles, and the `name: value unit` lines. Imported before Django is set up."""

import os
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a database (its WAL folded in by SQLite's backup API)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def postgres_rerun(script: str, variable: str, name: str, template: str) -> int:
    """Run `script` again against a database `<server db>_<name>` on the BENCH_POSTGRES_URL server, created from
    `<server db>_<template>` when that exists (else empty: the script seeds it), its URL in `variable`."""
    import psycopg

    base = os.environ["BENCH_POSTGRES_URL"]
    parts = urlsplit(base)
    main = parts.path.lstrip("/")
    database, source = f"{main}_{name}", f"{main}_{template}"
    with psycopg.connect(base, autocommit=True) as pg:
        if not pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            if pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [source]).fetchone():
                pg.execute(f'CREATE DATABASE "{database}" TEMPLATE "{source}"')
            else:
                pg.execute(f'CREATE DATABASE "{database}"')
    env = {**os.environ, variable: urlunsplit(parts._replace(path=f"/{database}"))}
    return subprocess.run([sys.executable, script], env=env, check=False).returncode


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def line(name: str, value: float, unit: str, digits: int = 1) -> None:
    print(f"{name}: {value:.{digits}f} {unit}", flush=True)


def spread(name: str, times_ms: list[float]) -> tuple[float, float]:
    """Print p50 and p95 of timings in ms; return them."""
    p50, p95 = statistics.median(times_ms), percentile(times_ms, 0.95)
    line(f"{name}_p50", p50, "ms")
    line(f"{name}_p95", p95, "ms")
    return p50, p95
