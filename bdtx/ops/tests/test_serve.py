"""`manage.py serve` (make serve): it refuses unsafe settings, the production settings pass `check --deploy`,
and the supervisor starts its programs, starts again one that dies, and stops them all on SIGTERM or Ctrl-C."""

import os
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from bdtx.ops.management.commands.serve import ServeConfig

PRODUCTION_ENV = {
    "BDTX_PRODUCTION": "1",
    "SECRET_KEY": "k3Yq-8vN_2rTj7LmWx4PzA9sDfGh1JkL0qWeRtYuIoPaSdFgHjKlZxCvBnM",
    "ALLOWED_HOSTS": "bdtx.sogddt.example.gov.vn",
    "CSRF_TRUSTED_ORIGINS": "https://bdtx.sogddt.example.gov.vn",
}
# What the test settings (conftest) replace, and what cannot change once Django runs: kept as they are.
KEEP = {"DATABASES", "INSTALLED_APPS", "TASKS", "STORAGES", "PASSWORD_HASHERS", "MEDIA_ROOT", "LOGGING"}


@pytest.fixture
def production_settings(settings, monkeypatch):
    """bdtx/settings.py read again with the production environment, applied over the test settings."""
    for name in ("DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "BEHIND_HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    values = runpy.run_path(str(Path(django_settings.BASE_DIR) / "bdtx" / "settings.py"))
    for name, value in values.items():
        if name.isupper() and name not in KEEP:
            setattr(settings, name, value)
    # conftest allows async-unsafe calls (Playwright's event loop runs in this thread once a browser test ran); a
    # deployment must not, and `serve` refuses it (async.E001): only the test harness's own setting is silenced here.
    settings.SILENCED_SYSTEM_CHECKS = [*settings.SILENCED_SYSTEM_CHECKS, "async.E001"]
    return settings


def refusal() -> CommandError:
    with pytest.raises(CommandError) as caught:
        call_command("serve", "--check")
    return caught.value


@pytest.mark.django_db  # the checks ask the database what it supports
def test_serve_refuses_to_start_with_debug_on(production_settings):
    production_settings.DEBUG = True
    error = refusal()
    assert error.returncode == 2
    assert "bdtx không khởi động để phục vụ người dùng với cấu hình này" in str(error)
    assert "DEBUG đang bật" in str(error)


@pytest.mark.django_db  # the checks ask the database what it supports
def test_serve_refuses_the_development_secret_key_and_names_every_problem(settings):
    settings.DEBUG = False
    settings.PRODUCTION = False
    settings.SECRET_KEY = settings.DEVELOPMENT_SECRET_KEY
    error = str(refusal())
    assert "SECRET_KEY chưa được đặt hoặc đang là khoá dùng khi phát triển" in error
    assert "secrets.token_urlsafe(50)" in error
    assert "Chưa đặt BDTX_PRODUCTION" in error


@pytest.mark.django_db  # the checks ask the database what it supports
def test_the_production_settings_pass_check_deploy_without_a_warning(production_settings):
    assert production_settings.SESSION_COOKIE_SECURE and production_settings.SECURE_HSTS_SECONDS
    call_command("check", deploy=True, fail_level="WARNING")


@pytest.mark.django_db  # the checks ask the database what it supports
def test_check_deploy_fails_on_the_development_key(production_settings):
    production_settings.SECRET_KEY = production_settings.DEVELOPMENT_SECRET_KEY
    with pytest.raises(CommandError, match="bdtx.ops.E001"):
        call_command("check", deploy=True)


@pytest.mark.django_db  # the checks ask the database what it supports
def test_serve_check_accepts_the_production_settings(production_settings, capsys):
    call_command("serve", "--check")
    assert "Cấu hình đã sẵn sàng để vận hành chính thức." in capsys.readouterr().out


def test_probes_over_plain_http_are_answered_not_redirected(production_settings, client, db):
    assert production_settings.SECURE_SSL_REDIRECT
    assert client.get("/healthz", HTTP_HOST="bdtx.sogddt.example.gov.vn").status_code == 200
    assert client.get("/readyz", HTTP_HOST="bdtx.sogddt.example.gov.vn").status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="bdtx.sogddt.example.gov.vn").status_code == 301


def test_the_service_is_sized_from_the_environment():
    config = ServeConfig.from_environment(
        {"WEB_PROCESSES": "4", "WEB_THREADS": "2", "TASK_WORKERS": "2", "PORT": "8100", "TASK_QUEUES": "default"}
    )
    web, *workers = config.programs()
    assert web.name == "web"
    assert web.command[web.command.index("--workers") + 1] == "4"
    assert web.command[web.command.index("--threads") + 1] == "2"
    assert web.command[web.command.index("--bind") + 1] == "127.0.0.1:8100"
    assert [worker.name for worker in workers] == ["tasks-1", "tasks-2"]
    assert workers[0].command[2:] == ["run_worker", "--queue-name", "default", "--interval", "1", "--no-reload"]
    (web,) = ServeConfig.from_environment({"BIND": "0.0.0.0:80", "TASK_WORKERS": "0"}).programs()
    assert web.command[web.command.index("--bind") + 1] == "0.0.0.0:80"


def test_a_machine_can_run_only_task_workers():
    programs = ServeConfig.from_environment({"WEB_PROCESSES": "0", "TASK_WORKERS": "3"}).programs()
    assert [program.name for program in programs] == ["tasks-1", "tasks-2", "tasks-3"]


def test_bad_sizes_are_refused_with_the_variable_named():
    with pytest.raises(CommandError, match="WEB_PROCESSES phải là số nguyên không nhỏ hơn 0, không phải “nhiều”"):
        ServeConfig.from_environment({"WEB_PROCESSES": "nhiều"})
    with pytest.raises(CommandError, match="không có gì để chạy"):
        ServeConfig.from_environment({"WEB_PROCESSES": "0", "TASK_WORKERS": "0"})


# The supervisor with real processes: each program writes its pid, then sleeps (or exits when told to).
PROGRAM = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(float(sys.argv[2]))"
SUPERVISOR = """
import sys
from bdtx.ops.serving import Program, supervise
program = {program!r}
sys.exit(supervise(
    [Program("a", [sys.executable, "-c", program, {a!r}, {a_sleep!r}]),
     Program("b", [sys.executable, "-c", program, {b!r}, "60"])],
    stop_timeout=5, restart_delay=0.1, poll=0.05))
"""


def start_supervisor(tmp_path, *, a_sleep: str = "60") -> tuple[subprocess.Popen, list[Path]]:
    pid_files = [tmp_path / "a.pid", tmp_path / "b.pid"]
    code = SUPERVISOR.format(program=PROGRAM, a=str(pid_files[0]), b=str(pid_files[1]), a_sleep=a_sleep)
    supervisor = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not all(path.exists() and path.read_text() for path in pid_files):
        assert time.monotonic() < deadline, "the programs did not start"
        time.sleep(0.05)
    return supervisor, [int(path.read_text()) for path in pid_files]


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_stops_every_program_and_exits_0(tmp_path):
    supervisor, pids = start_supervisor(tmp_path)
    supervisor.send_signal(signal.SIGTERM)
    output, _ = supervisor.communicate(timeout=20)
    assert supervisor.returncode == 0
    assert "stopping {'signal': 'SIGTERM'}" in output
    assert not any(is_running(pid) for pid in pids)


def test_ctrl_c_stops_every_program_too(tmp_path):
    supervisor, pids = start_supervisor(tmp_path)
    supervisor.send_signal(signal.SIGINT)
    output, _ = supervisor.communicate(timeout=20)
    assert supervisor.returncode == 0
    assert "SIGINT" in output
    assert not any(is_running(pid) for pid in pids)


def test_a_program_that_dies_is_started_again_while_the_others_carry_on(tmp_path):
    supervisor, (first_a, b) = start_supervisor(tmp_path, a_sleep="0.2")
    deadline = time.monotonic() + 20
    while (tmp_path / "a.pid").read_text() in ("", str(first_a)):
        assert time.monotonic() < deadline, "a was not started again"
        time.sleep(0.05)
    second_a = int((tmp_path / "a.pid").read_text())
    assert is_running(b)
    supervisor.send_signal(signal.SIGTERM)
    output, _ = supervisor.communicate(timeout=20)
    assert supervisor.returncode == 0
    assert "exited {'name': 'a', 'status': 0, 'delay': 0.1}" in output
    assert not any(is_running(pid) for pid in (second_a, b))
