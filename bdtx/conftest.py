"""The test cast, on a two-school tree (STYLE.md):

    Sở GDĐT (province) ─┬─ UBND phường A (commune) ── Trường A (school A)
                        └─ Trường B (school B, upper secondary, directly under the Sở)

- officer: province officer at the Sở; local: commune officer at phường A;
- principal_a: school A's principal; teacher_a: a teacher at school A with a staff record;
- principal_b: school B's principal, the outsider for everything in school A.
"""

import datetime as dt
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from bdtx.accounts.models import Role
from bdtx.organisations.models import UnitKind
from bdtx.testing import make_staff, make_unit, make_user

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs beside the live server


@pytest.fixture(autouse=True)
def _fast_hashing(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: API rate-limit counts (and cached report figures) outlive a test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def tree(db):
    province = make_unit("SO", "Sở Giáo dục và Đào tạo Lai Châu", kind=UnitKind.DEPARTMENT)
    commune = make_unit("PA", "UBND phường Tân Phong", parent=province, kind=UnitKind.COMMUNE)
    school_a = make_unit("TA", "Trường Tiểu học Tân Phong", parent=commune, levels="tieu_hoc")
    school_b = make_unit("TB", "Trường THPT Chuyên Lê Quý Đôn", parent=province, levels="thpt")
    return SimpleNamespace(province=province, commune=commune, school_a=school_a, school_b=school_b)


@pytest.fixture
def cast(tree):
    officer = make_user("officer", role=Role.PROVINCE_OFFICER, unit=tree.province, email="officer@so.edu.vn")
    local = make_user("local", role=Role.LOCAL_OFFICER, unit=tree.commune)
    principal_a = make_user("principal_a", role=Role.SCHOOL_ADMIN, unit=tree.school_a)
    teacher_a = make_user("teacher_a", role=Role.TEACHER, unit=tree.school_a, email="hoa@ta.edu.vn")
    principal_b = make_user("principal_b", role=Role.SCHOOL_ADMIN, unit=tree.school_b)
    member_a = make_staff(tree.school_a, "Nguyễn Thị Hoà", code="GV-A-001", user=teacher_a, citizen_id="012185000123")
    member_b = make_staff(tree.school_b, "Trần Văn Đức", code="GV-B-001", gender="nam", citizen_id="012085000456")
    return SimpleNamespace(
        tree=tree,
        officer=officer,
        local=local,
        principal_a=principal_a,
        teacher_a=teacher_a,
        principal_b=principal_b,
        member_a=member_a,
        member_b=member_b,
    )


@pytest.fixture(scope="session")
def bundled_rule_files():
    """The bundled rule files, read and checked once per test session."""
    from bdtx.rules import rulefiles

    return [rulefiles.read(path) for path in rulefiles.bundled_files()]


@pytest.fixture
def standards(db, bundled_rule_files):
    """The four 2018 professional standards, loaded as `load_standards` (run by `make setup`) loads them; by code."""
    from bdtx.rules.models import Standard
    from bdtx.rules.services import load_rule_files

    load_rule_files(bundled_rule_files)
    return {standard.code: standard for standard in Standard.objects.all()}


@pytest.fixture(scope="session")
def bundled_programme_files():
    """The bundled programme and module files, read and checked once per test session."""
    from bdtx.catalog import modulefiles
    from bdtx.rules import programmefiles

    return (
        [programmefiles.read(path) for path in programmefiles.bundled_files()],
        [modulefiles.read(path) for path in modulefiles.bundled_files()],
    )


@pytest.fixture
def programmes(standards, bundled_programme_files):
    """The 2019 BDTX programmes and the module catalogue, loaded as `load_programmes` and `load_modules` (run by
    `make setup`) load them; programmes by code."""
    from bdtx.catalog.services import load_module_files
    from bdtx.rules.models import Programme
    from bdtx.rules.programmes import load_programme_files

    programme_files, module_files = bundled_programme_files
    load_programme_files(programme_files)
    load_module_files(module_files)
    return {programme.code: programme for programme in Programme.objects.prefetch_related("contents")}


@pytest.fixture
def approved_plan(cast, programmes):
    """member_a's approved plan for 2027-2028 under the Sở's and school A's plans: 01 (40 periods), 02 (40) and
    the modules GVPT 04–07 (10 periods each) for 03."""
    from bdtx.catalog.models import TrainingModule
    from bdtx.plans import services
    from bdtx.plans.models import PlanTopic

    TrainingModule.objects.filter(code__startswith="GVPT").update(periods=10)
    so_plan = services.create_unit_plan(unit=cast.tree.province, year=2027, by=cast.officer)
    PlanTopic.objects.create(plan=so_plan, content="01", title="Chương trình GDPT 2018: dạy học lớp 5", periods=40)
    PlanTopic.objects.create(plan=so_plan, content="02", title="Giáo dục địa phương tỉnh Lai Châu", periods=40)
    so_plan.modules.set(TrainingModule.objects.filter(code__startswith="GVPT"))
    services.create_unit_plan(unit=cast.tree.school_a, year=2027, by=cast.principal_a)
    plan = services.start_personal_plan(cast.member_a, 2027)
    chosen = TrainingModule.objects.filter(code__in=["GVPT 04", "GVPT 05", "GVPT 06", "GVPT 07"])
    services.set_modules(plan, chosen, by=cast.teacher_a)
    services.submit_personal_plan(plan, by=cast.teacher_a, today=dt.date(2027, 5, 1))
    services.decide_personal_plans([plan], by=cast.principal_a, approve=True)
    plan.refresh_from_db()
    return plan


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download), headless, offline-friendly."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make system` (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-sized or desktop page; screenshots go to var/screenshots/."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.shot = lambda name: page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def sign_in(username: str, next_path: str) -> None:
        """Sign out whoever was signed in, then sign in through the form and land on `next_path`."""
        from bdtx.testing import PASSWORD

        page.context.clear_cookies()
        page.goto(f"{page.base_url}/accounts/login/?next={next_path}")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")

    page.sign_in = sign_in
    yield page
    context.close()
