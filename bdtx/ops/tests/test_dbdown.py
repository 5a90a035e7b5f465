"""When the database cannot be reached (PostgreSQL restarting), a request gets a clean 503 in Vietnamese (JSON for
the API), not a 500; once the database answers again, the same client is served without any restart.

The failure is real: the test's database connection is set aside and the next one goes where no database is (a
closed port on PostgreSQL, a file in a missing folder on SQLite), so the driver itself raises OperationalError;
afterwards the connection (and the test's transaction in it) is put back."""

import contextlib
import socket

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from rest_framework.authtoken.models import Token


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the probe is: nothing listens there


@contextlib.contextmanager
def database_unreachable(tmp_path):
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not django.db.connection's proxy
    saved_settings = dict(connection.settings_dict)
    saved_state = dict(connection.__dict__)  # the open connection and the test's transaction
    if connection.vendor == "postgresql":
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    else:
        connection.settings_dict["NAME"] = str(tmp_path / "missing" / "bdtx.sqlite3")
    connection.connection = None
    try:
        yield
    finally:
        connection.settings_dict.clear()
        connection.settings_dict.update(saved_settings)
        connection.__dict__.clear()
        connection.__dict__.update(saved_state)


@pytest.fixture
def teacher_client(cast):
    # The test client re-raises what a view raised; a browser only ever sees the response.
    client = Client(raise_request_exception=False)
    client.force_login(cast.teacher_a)
    return client


def test_a_page_asked_while_the_database_is_down_gets_a_clean_503_in_vietnamese(teacher_client, tmp_path):
    with database_unreachable(tmp_path):
        response = teacher_client.get("/appraisals/mine/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response  # the security headers still apply
    page = response.content.decode()
    assert "Hệ thống bdtx tạm thời gián đoạn" in page
    assert "Thao tác vừa rồi của bạn có thể chưa được lưu" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_a_form_posted_while_the_database_is_down_gets_the_503_too(teacher_client, tmp_path):
    with database_unreachable(tmp_path):
        response = teacher_client.post("/appraisals/1/self/", {"action": "submit"})
    assert response.status_code == 503
    assert "Hệ thống bdtx tạm thời gián đoạn" in response.content.decode()


def test_the_api_answers_503_json_while_the_database_is_down(cast, tmp_path):
    token = Token.objects.create(user=cast.officer)
    client = Client(raise_request_exception=False, headers={"Authorization": f"Token {token.key}"})
    with database_unreachable(tmp_path):
        response = client.get("/api/v1/staff/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "database_unavailable"
    assert response.json()["detail"].startswith("Dịch vụ tạm thời gián đoạn: không kết nối được cơ sở dữ liệu.")


def test_the_same_client_is_served_again_once_the_database_answers(teacher_client, cast, tmp_path):
    with database_unreachable(tmp_path):
        assert teacher_client.get(f"/staff/{cast.member_a.pk}/").status_code == 503
    response = teacher_client.get(f"/staff/{cast.member_a.pk}/")
    assert response.status_code == 200
    assert "Nguyễn Thị Hoà" in response.content.decode()


def test_healthz_still_answers_its_own_json_while_the_database_is_down(client, db, tmp_path):
    with database_unreachable(tmp_path):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_other_errors_are_not_hidden_behind_the_503(teacher_client, cast):
    """A page that does not exist is still a 404; only the database's errors become 503."""
    response = teacher_client.get("/appraisals/999999/")
    assert response.status_code == 404


@contextlib.contextmanager
def database_read_only():
    """The database refuses every write from here on, as a read-only disk or a PostgreSQL in read-only mode would:
    SQLite's query_only pragma, PostgreSQL's transaction_read_only (the test's transaction rolls back after)."""
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL transaction_read_only = on")
        else:
            cursor.execute("PRAGMA query_only = 1")
    try:
        yield
    finally:
        if connection.vendor != "postgresql":
            # SQLite's transaction survives a refused statement, but Django marks the test's atomic block broken.
            connection.needs_rollback = False
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA query_only = 0")


def test_a_save_the_database_refuses_as_read_only_says_nothing_was_written_and_why(teacher_client, cast, standards):
    from bdtx.appraisals import services
    from bdtx.testing import make_cycle

    appraisal = services.start_appraisal(make_cycle(cast.tree.commune, by=cast.local), cast.member_a)
    with database_read_only():
        response = teacher_client.post(
            f"/appraisals/{appraisal.pk}/self/", {"level-1": "kha", "version": appraisal.version}
        )
    assert response.status_code == 503
    page = response.content.decode()
    assert "Chưa ghi gì" in page and "chỉ đọc" in page
    assert "Traceback" not in page and "khởi động lại" not in page
