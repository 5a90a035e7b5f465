from django.db import connection
from django.urls import reverse


def test_healthz_answers_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_does_not(client, db, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is down")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_the_start_page_asks_for_a_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_an_officer_sees_the_figures_of_their_scope(client, cast):
    client.force_login(cast.local)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["staff_count"] == 1  # school A only, not school B under the Sở


def test_a_teacher_goes_straight_to_their_own_record(client, cast):
    client.force_login(cast.teacher_a)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("staff:detail", args=[cast.member_a.pk])
