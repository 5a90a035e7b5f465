"""Security headers, cookies, CSRF, rate limits and the sign-in lockout (issue 7, point 5; docs/security.md).

`manage.py check --deploy` under the production environment is tested in bdtx/ops/tests/test_serve.py and
bdtx/accounts/tests/test_signin.py; here the headers and cookies a browser actually receives."""

import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bdtx.accounts.models import SignInFailure
from bdtx.imports.models import ImportJob
from bdtx.plans.services import create_unit_plan
from bdtx.testing import PASSWORD

LOGIN = reverse("accounts:login")
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in header.split(";")) if part}


def test_pages_carry_the_content_security_policy_with_no_inline_script_allowed(client, cast):
    client.force_login(cast.principal_a)
    for url in (LOGIN, reverse("home"), reverse("staff:list")):
        response = client.get(url, follow=True)
        policy = directives(response["Content-Security-Policy"])
        for name, value in POLICY.items():
            assert policy[name] == value, f"{url}: {name} is {policy.get(name)!r}"
        assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]


def test_the_browser_is_told_to_sniff_nothing_frame_nothing_and_use_no_camera(client, db):
    response = client.get(LOGIN)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions


def test_a_pdf_shown_in_the_browser_has_no_policy_that_would_break_chromes_viewer(client, cast):
    create_unit_plan(unit=cast.tree.province, year=2027, by=cast.officer)
    plan = create_unit_plan(unit=cast.tree.school_a, year=2027, by=cast.principal_a)
    client.force_login(cast.principal_a)
    response = client.get(reverse("plans:unit-plan-pdf", args=[plan.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "Content-Security-Policy" not in response
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"


def test_the_api_answers_json_without_a_page_policy(client, cast):
    client.force_login(cast.officer)
    response = client.get(reverse("api:unit-list"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "Content-Security-Policy" not in response
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_swagger_ui_runs_its_script_from_a_file_and_only_its_styles_are_relaxed(client, db):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["frame-ancestors"] == "'none'"
    body = response.content.decode()
    assert "<script>" not in body and "?script=" in body
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def production_values(monkeypatch) -> dict:
    """bdtx/settings.py read again with a production environment."""
    monkeypatch.setenv("BDTX_PRODUCTION", "1")
    monkeypatch.setenv("SECRET_KEY", "k3Yq-8vN_2rTj7LmWx4PzA9sDfGh1JkL0qWeRtYuIoPaSdFgHjKlZxCvBnM")
    monkeypatch.delenv("DEBUG", raising=False)
    return runpy.run_path(str(Path(django_settings.BASE_DIR) / "bdtx" / "settings.py"))


def test_in_production_the_session_and_csrf_cookies_are_secure_httponly_and_same_site(
    client, cast, settings, monkeypatch
):
    values = production_values(monkeypatch)
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE"):
        setattr(settings, name, values[name])
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_SSL_REDIRECT"]
    csrf = client.get(LOGIN, secure=True).cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    response = client.post(LOGIN, {"username": "principal_a", "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def views(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_page_outside_the_api_skips_the_csrf_check():
    # DRF's views are marked exempt because DRF checks CSRF itself for session sign-ins (tested below).
    exempt = [route for route, view in views() if getattr(view, "csrf_exempt", False) and not route.startswith("api/")]
    assert exempt == []


def test_a_form_posted_without_its_csrf_token_is_refused(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.principal_a)
    response = browser.post(reverse("staff:create"), {"full_name": "Lê Văn Tám"})
    assert response.status_code == 403


def test_the_api_refuses_a_session_write_without_the_csrf_token(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.principal_a)
    response = browser.post(reverse("api:unit-list"), {"code": "X"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.fixture
def low_rates(settings):
    settings.API_THROTTLE_RATES = {"anon": "3/min", "user": "5/min"}


def test_an_anonymous_caller_over_the_limit_gets_429_in_vietnamese_with_retry_after(client, db, low_rates):
    # Anonymous callers reach only the public API views (the schema and its docs); elsewhere they get 401 first.
    url = reverse("api:schema")
    answers = [client.get(url, HTTP_ACCEPT="application/json").status_code for _ in range(3)]
    assert 429 not in answers
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    assert response.json()["detail"] == f"Bạn gửi quá nhiều yêu cầu. Hãy chờ {wait} giây rồi thử lại."
    page = client.get(reverse("api:docs"))  # the Swagger UI, for people: a page in Vietnamese
    assert page.status_code == 429
    assert "Bạn gửi quá nhiều yêu cầu" in page.content.decode()


def test_an_invented_forwarded_for_address_does_not_escape_the_limit(client, db, low_rates):
    url = reverse("api:docs")
    statuses = [client.get(url, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}", REMOTE_ADDR="198.51.100.7") for n in range(4)]
    assert statuses[-1].status_code == 429


def test_each_signed_in_user_has_a_limit_of_their_own(client, cast, low_rates):
    client.force_login(cast.officer)
    url = reverse("api:unit-list")
    assert [client.get(url).status_code for _ in range(5)] == [200] * 5
    assert client.get(url).status_code == 429
    client.force_login(cast.local)
    assert client.get(url).status_code == 200


def test_an_empty_rate_turns_that_limit_off(client, cast, settings):
    settings.API_THROTTLE_RATES = {"anon": "1/min", "user": None}
    client.force_login(cast.officer)
    assert all(client.get(reverse("api:unit-list")).status_code == 200 for _ in range(5))


def test_failures_from_one_address_lock_every_username_tried_from_it_but_not_other_addresses(client, cast, settings):
    for n in range(settings.LOGIN_FAILURE_LIMIT * 4):
        client.post(LOGIN, {"username": f"doan-{n}", "password": "sai"}, REMOTE_ADDR="198.51.100.9")
    assert SignInFailure.objects.count() == settings.LOGIN_FAILURE_LIMIT * 4
    locked = client.post(LOGIN, {"username": "principal_a", "password": PASSWORD}, REMOTE_ADDR="198.51.100.9")
    assert locked.status_code == 200
    assert "Đăng nhập sai quá nhiều lần. Hãy chờ 15 phút" in locked.content.decode()
    elsewhere = client.post(LOGIN, {"username": "principal_a", "password": PASSWORD}, REMOTE_ADDR="198.51.100.10")
    assert elsewhere.status_code == 302


def test_a_form_upload_over_the_limit_is_refused_before_it_is_read(client, cast, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    client.force_login(cast.principal_a)
    big = _file("Mã định danh,Họ và tên\n".encode() + b"x" * 1024 * 1024, "ds.csv")
    response = client.post(reverse("imports:new"), {"kind": "staff", "file": big})
    assert response.status_code == 413
    assert "tối đa 1 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def _file(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
