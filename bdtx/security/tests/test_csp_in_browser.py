"""The Content Security Policy in a real browser (Debian's Chromium through Playwright): the pages work under it and
the browser reports no violation: signing in, htmx search on the staff list, the "tick all" box of the plans to
approve, and the API's Swagger UI."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from bdtx.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_violations(page) -> list[str]:
    """Every message the browser prints about a refused script, style or other resource."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return seen


def sign_in(page, username, next_path):
    page.goto(f"{page.base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_pages_work_under_the_policy_without_a_single_violation(page, cast, approved_plan):
    from bdtx.plans.models import PersonalPlan, PlanStatus

    violations = watch_violations(page)
    # One plan waiting for the principal's decision, so that the "tick all" box is there.
    PersonalPlan.objects.filter(pk=approved_plan.pk).update(status=PlanStatus.SUBMITTED)

    sign_in(page, "principal_a", "/staff/")
    expect(page.locator("h1")).to_be_visible()
    page.fill("#id_q", "hoa")
    expect(page.locator("main")).to_contain_text("Nguyễn Thị Hoà")

    page.goto(page.base_url + reverse("plans:approvals", args=[cast.tree.school_a.pk]) + "?year=2027")
    tick_all = page.locator("input[data-select-all=plan]")
    expect(tick_all).to_be_visible()  # shown by bdtx/select-all.js: the script ran
    tick_all.check()
    expect(page.locator("input[name=plan]").first).to_be_checked()

    page.goto(f"{page.base_url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("bdtx API")
    page.shot("security-swagger-ui")
    assert violations == []
