"""serve [--check]: run bdtx in production, the one command behind `make serve` (docs/deploy.md).

Refuses to start with DEBUG on, the development SECRET_KEY or without BDTX_PRODUCTION; runs the deployment
checks; applies migrations, loads the rule data, compiles the translations and collects the static files (one
machine at a time on PostgreSQL, under an advisory lock); then runs gunicorn and the task workers, starting
again any that exits, until Ctrl-C or SIGTERM stops them all. Every log line goes to standard output.
"""

import contextlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.utils.translation import gettext as _

from bdtx.ops.checks import production_refusals
from bdtx.ops.serving import Program, supervise

# Any fixed number: the PostgreSQL advisory lock that lets one machine at a time migrate.
PREPARE_LOCK = 74002026
RULE_LOADERS = ("load_standards", "load_programmes", "load_modules", "load_targets")


@dataclass(frozen=True)
class ServeConfig:
    web_processes: int
    web_threads: int
    web_timeout: int
    task_workers: int
    task_queues: str
    bind: str
    forwarded_allow_ips: str
    stop_timeout: int

    @classmethod
    def from_environment(cls, environ=os.environ) -> "ServeConfig":
        def number(name: str, default: int, minimum: int = 0) -> int:
            value = environ.get(name, "").strip()
            if not value:
                return default
            if not value.isdigit() or int(value) < minimum:
                raise CommandError(
                    _("%(name)s must be a whole number of at least %(minimum)d, not “%(value)s”.")
                    % {"name": name, "minimum": minimum, "value": value},
                    returncode=2,
                )
            return int(value)

        port = number("PORT", 8000, 1)
        config = cls(
            web_processes=number("WEB_PROCESSES", 2 * (os.cpu_count() or 1) + 1),
            web_threads=number("WEB_THREADS", 1, 1),
            web_timeout=number("WEB_TIMEOUT", 60, 1),
            task_workers=number("TASK_WORKERS", 1),
            task_queues=environ.get("TASK_QUEUES", "").strip() or "*",
            bind=environ.get("BIND", "").strip() or f"127.0.0.1:{port}",
            forwarded_allow_ips=environ.get("FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1",
            stop_timeout=number("STOP_TIMEOUT", 60),
        )
        if not config.web_processes and not config.task_workers:
            raise CommandError(
                _("WEB_PROCESSES and TASK_WORKERS are both 0: there is nothing to run. Set at least one above 0."),
                returncode=2,
            )
        return config

    def programs(self) -> list[Program]:
        python, manage = sys.executable, str(Path(settings.BASE_DIR) / "manage.py")
        programs = []
        if self.web_processes:
            web = [python, "-m", "gunicorn", "bdtx.wsgi:application", "--chdir", str(settings.BASE_DIR)]
            web += ["--workers", str(self.web_processes), "--threads", str(self.web_threads)]
            web += ["--bind", self.bind, "--timeout", str(self.web_timeout), "--graceful-timeout", "30"]
            web += ["--forwarded-allow-ips", self.forwarded_allow_ips, "--no-control-socket"]
            web += ["--access-logfile", "-", "--error-logfile", "-"]
            programs.append(Program("web", web))
        for number in range(1, self.task_workers + 1):
            worker = [python, manage, "run_worker", "--queue-name", self.task_queues, "--interval", "1", "--no-reload"]
            programs.append(Program(f"tasks-{number}", worker))
        return programs


class Command(BaseCommand):
    help = (
        "Run bdtx in production: checks, migrations, static files, then gunicorn (WEB_PROCESSES, WEB_THREADS, "
        "BIND or PORT) and TASK_WORKERS task workers until Ctrl-C or SIGTERM. Exit status 2 when it refuses to start."
    )
    requires_system_checks = []  # the deployment checks run in handle(), after the refusals

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="check the settings and stop; start nothing")

    def handle(self, *args, check: bool = False, **options):
        problems = production_refusals()
        if problems:
            raise CommandError(
                "\n".join([_("bdtx will not serve users with these settings:")] + [f"  - {p}" for p in problems]),
                returncode=2,
            )
        config = ServeConfig.from_environment()
        call_command("check", deploy=True, stdout=self.stdout, stderr=self.stderr)
        if check:
            self.stdout.write(_("The settings are ready for production."))
            return
        self.prepare()
        connections.close_all()  # the programs open their own connections
        supervise(config.programs(), stop_timeout=config.stop_timeout, log=self.log)

    def prepare(self) -> None:
        with self.one_machine_at_a_time():
            call_command("migrate", interactive=False, verbosity=1, stdout=self.stdout)
            # The database cache table (CACHE_TABLE: rate-limit counts shared by every process); idempotent.
            call_command("createcachetable", verbosity=0, stdout=self.stdout)
            for loader in RULE_LOADERS:
                try:
                    call_command(loader, verbosity=0, stdout=self.stdout, stderr=self.stderr)
                except CommandError as error:  # the site works with the rule data it already has
                    self.stderr.write(
                        _("Warning: %(command)s did not load: %(error)s The site starts with the rule data it has.")
                        % {"command": loader, "error": error}
                    )
        if shutil.which("msgfmt"):
            call_command("compilemessages", ignore_patterns=[".venv", "var"], verbosity=0, stdout=self.stdout)
        elif not (Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.mo").exists():
            self.stderr.write(_("Warning: msgfmt is missing, so pages show in English. Install gettext."))
        call_command("collectstatic", interactive=False, verbosity=0, stdout=self.stdout)

    @contextlib.contextmanager
    def one_machine_at_a_time(self):
        """On PostgreSQL, machines starting together take turns to migrate; SQLite has one machine."""
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [PREPARE_LOCK])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [PREPARE_LOCK])

    def log(self, event: str, **details) -> None:
        messages = {
            "started": _("serve: %(name)s started (process %(pid)s)."),
            "exited": _(
                "serve: %(name)s stopped by itself (exit status %(status)s); starting it again in %(delay)g s."
            ),
            "stopping": _("serve: %(signal)s received; stopping (a second Ctrl-C stops at once)."),
            "killed": _("serve: %(name)s did not stop in time; killed."),
            "stopped": _("serve: everything has stopped."),
        }
        self.stdout.write(messages[event] % details)
        self.stdout.flush()
