"""Every URL × every role, generated from the URL configuration (issue 7, point 5).

For each role (anonymous, teacher, school_admin, local_officer, province_officer, system_admin, trainer) on the
records of school A that bdtx/tests/test_scope_everywhere.py builds:
- a URL without parameters answers GET with 200/204/302/403/404/405 (the API also 400 for a missing filter),
  never an error; an anonymous visitor is sent to the sign-in page (the API: 401/403), except on PUBLIC pages;
- a URL that names a record answers GET and an empty POST without a server error, whatever the role;
- every HTML page carries the Content-Security-Policy and holds no inline script, on*= handler, javascript: link
  or inline style (the policy would refuse them: docs/security.md).
The outsider (school B's principal) on those records is tested, every method, in test_scope_everywhere.py."""

import logging
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from bdtx.accounts.models import Role
from bdtx.rules.models import Programme
from bdtx.testing import make_user
from bdtx.tests.test_scope_everywhere import PUBLIC, all_records, record_for, url_names

ROLES = ["anonymous", "teacher", "school_admin", "local_officer", "province_officer", "system_admin", "trainer"]
GET_ANSWERS = {200, 204, 302, 403, 404, 405}
# The API may also answer 400 to a GET that lacks a required filter, saying which (e.g. ?plan= on budgets).
API_GET_ANSWERS = GET_ANSWERS | {400}
# Signs the visitor out (a POST that works for anyone, tested in accounts/): left out.
SIGN_OUT = "accounts:logout"
SCRIPT_WITHOUT_SRC = re.compile(
    r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*\btype\s*=\s*[\"']application/(?:ld\+)?json)[^>]*>", re.I
)
HANDLER = re.compile(r"<[a-z][^<>]*?\son[a-z]+\s*=", re.I)
JS_LINK = re.compile(r"\b(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.I)
STYLE = re.compile(r"<style\b|<[a-z][^<>]*?\sstyle\s*=", re.I)


def inline_code(html: str) -> list[str]:
    found = []
    for label, pattern in (("script", SCRIPT_WITHOUT_SRC), ("handler", HANDLER), ("javascript:", JS_LINK)):
        found += [f"{label}: {match.group(0)[:80]}" for match in pattern.finditer(html)]
    found += [f"style: {match.group(0)[:80]}" for match in STYLE.finditer(html)]
    return found


def test_the_inline_code_finder_sees_what_the_policy_refuses():
    assert inline_code('<script src="/static/a.js" defer></script><script type="application/json" id="x">') == []
    assert inline_code('<p class="on">one=1</p><input data-select-all="plan">') == []
    assert len(inline_code('<script>alert(1)</script><a href="javascript:go()">x</a>')) == 2
    assert len(inline_code('<input type=checkbox onclick="go()"><p style="color:red">')) == 2


def page_problems(name: str, where: str, response) -> list[str]:
    if "Content-Security-Policy" not in response:
        return [f"{where}: no Content-Security-Policy"]
    if name == "api:docs":  # Swagger UI: its own policy (test_security_headers.py)
        return []
    found = inline_code(response.content.decode())
    hint = "move it to a file under bdtx/static/bdtx/ (scripts) or a class in bdtx.css (styles)"
    return [f"{where}: {item} ({hint})" for item in found]


def user_for(role: str, cast):
    return {
        "anonymous": None,
        "teacher": cast.teacher_a,
        "school_admin": cast.principal_a,
        "local_officer": cast.local,
        "province_officer": cast.officer,
        "system_admin": make_user("admin_so", role=Role.SYSTEM_ADMIN, unit=cast.tree.province),
        "trainer": make_user("trainer_so", role=Role.TRAINER, unit=cast.tree.province),
    }[role]


def other_kwargs(records: dict) -> dict[str, dict]:
    """The URLs whose parameters are not a record's pk."""
    from bdtx.delivery.checkin import current_token
    from bdtx.delivery.models import ClassSession

    session = ClassSession.objects.get(pk=records["delivery:checkin"])
    programme = Programme.objects.order_by("code").first().code
    return {
        "accounts:password-reset-confirm": {"uidb64": "MQ", "token": "set-password"},
        "imports:template": {"kind": "staff"},
        "delivery:checkin-scan": {"pk": session.pk, "token": current_token(session)},
        "verify": {"code": "KHONGCO123"},
        "standards:detail": {"code": "tt20-2018"},
        "standards:validity-edit": {"code": "tt20-2018"},
        "standards:criterion-edit": {"code": "tt20-2018", "number": 1},
        "programmes:detail": {"code": programme},
        "api:standard-detail": {"code": "tt20-2018"},
        "api:programme-detail": {"code": programme},
    }


def anonymous_is_turned_away(name: str, response) -> bool:
    if name.startswith("api:"):
        return response.status_code in (401, 403, 405)
    if response.status_code == 405:
        return True
    return response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def send(client, method: str, url: str, user):
    """One request, in a savepoint: on PostgreSQL a failed request would abort the test's transaction. A role
    sent to the sign-in page is signed in again and asks once more (a POST before may have reset its password)."""
    for again in (False, True):
        savepoint = transaction.savepoint_create()
        response = getattr(client, method)(url)
        if response.status_code >= 500:
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)
        signed_out = response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
        if user is None or not signed_out or again:
            return response
        client.force_login(user)
    return response


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_every_role_without_a_server_error(role, cast, settings):
    settings.API_THROTTLE_RATES = {"anon": None, "user": None}
    settings.EMAIL_CONFIGURED = True  # the e-mail reset pages exist
    records = all_records(cast)
    extra = other_kwargs(records)
    user = user_for(role, cast)
    client = Client(raise_request_exception=False)
    problems: list[str] = []
    if user is not None:
        client.force_login(user)
    logging.disable(logging.ERROR)  # the server errors are listed below, not printed
    try:
        for name, converters in url_names():
            if name == SIGN_OUT:
                continue
            if not converters:
                url = reverse(name)
            elif set(converters) == {"pk"}:
                url = reverse(name, kwargs={"pk": record_for(name, records)})
            else:
                assert name in extra, f"{name}: give its parameters in other_kwargs()"
                url = reverse(name, kwargs=extra[name])
            methods = ("get",) if not converters else ("get", "post")
            for method in methods:
                response = send(client, method, url, user)
                where = f"{role} {method.upper()} {url} ({name}) → {response.status_code}"
                answers = API_GET_ANSWERS if name.startswith("api:") else GET_ANSWERS
                if response.status_code >= 500:
                    problems.append(where)
                elif user is None and name not in PUBLIC:
                    if not anonymous_is_turned_away(name, response):
                        problems.append(f"{where}: an anonymous visitor must be sent to sign in")
                elif method == "get" and not converters and response.status_code not in answers:
                    problems.append(where)
                if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                    problems += page_problems(name, where, response)
    finally:
        logging.disable(logging.NOTSET)
    assert problems == [], "\n".join(problems)
