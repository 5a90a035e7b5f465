"""Runs every benchmark in bench/ and prints one line per figure: `name: value unit`.

Each script builds its own data under var/bench/ (never the development database). When PostgreSQL is
available (initdb on PATH or under /usr/lib/postgresql), a throw-away server is started on 127.0.0.1 and
its URL is passed as BENCH_POSTGRES_URL so the scripts measure both databases."""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, pg_temp_start, pg_temp_stop  # noqa: E402

SCRIPTS = [
    "import_staff.py",
    "staff_list.py",
    "appraisal_confirm.py",
    "appraisal_progress.py",
    "plan_demand.py",
    "delivery.py",
    "dashboards.py",
    "export_people.py",
    "xlsx_writers.py",
    "scaleout.py",
    "faults_import.py",
]


def start_postgres() -> tuple[str, str] | None:
    if os.environ.get("BENCH_NO_POSTGRES"):
        return None
    try:
        return pg_temp_start()
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"# PostgreSQL not started ({error}); SQLite only", file=sys.stderr)
        return None


def main() -> int:
    pg = start_postgres()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    if pg:
        env["BENCH_POSTGRES_URL"] = pg[1]
    status = 0
    try:
        for script in SCRIPTS:
            result = subprocess.run([sys.executable, str(ROOT / "bench" / script)], env=env, cwd=ROOT)
            status = status or result.returncode
    finally:
        if pg:
            pg_temp_stop(pg[0])
    return status


if __name__ == "__main__":
    sys.exit(main())
