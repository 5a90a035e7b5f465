import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core import mail
from django.urls import reverse

from bdtx.testing import PASSWORD

LOGIN = reverse("accounts:login")
CHANGE = reverse("accounts:password-change")
ROOT = Path(__file__).resolve().parents[3]


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_sign_in_by_username(client, cast):
    response = sign_in(client, "principal_a")
    assert response.status_code == 302 and response.url == reverse("home")


def test_sign_in_by_email_in_any_case(client, cast):
    assert sign_in(client, "Officer@SO.edu.vn").status_code == 302


def test_a_wrong_password_gets_a_clear_message(client, cast):
    response = sign_in(client, "principal_a", "wrong")
    assert response.status_code == 200
    assert "Sai tên đăng nhập/e-mail hoặc mật khẩu" in response.content.decode()


def test_too_many_failures_lock_the_account_even_for_the_right_password(client, cast):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "principal_a", "wrong")
    response = sign_in(client, "principal_a")
    assert response.status_code == 200
    assert "Đăng nhập sai quá nhiều lần. Hãy chờ 15 phút" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_principal_resets_a_teachers_password_which_must_then_be_changed(client, cast):
    client.force_login(cast.principal_a)
    response = client.post(reverse("accounts:reset-password", args=[cast.teacher_a.pk]))
    password = response.context["password"]
    assert password in response.content.decode()
    client.logout()

    assert sign_in(client, "teacher_a", PASSWORD).status_code == 200  # the old password is gone
    assert sign_in(client, "teacher_a", password).status_code == 302
    response = client.get(reverse("staff:list"))
    assert response.status_code == 302 and response.url == CHANGE
    page = client.get(CHANGE)
    assert "Bạn đã đăng nhập bằng mật khẩu tạm thời. Hãy đặt mật khẩu của riêng bạn" in page.content.decode()

    response = client.post(
        CHANGE, {"old_password": password, "new_password1": "Giáo-viên-2026!", "new_password2": "Giáo-viên-2026!"}
    )
    assert response.status_code == 302
    assert client.get(reverse("staff:detail", args=[cast.member_a.pk])).status_code == 200
    client.logout()
    assert sign_in(client, "teacher_a", password).status_code == 200  # the temporary password worked once
    assert sign_in(client, "teacher_a", "Giáo-viên-2026!").status_code == 302


def test_an_outsider_cannot_reset_another_schools_teacher(client, cast):
    client.force_login(cast.principal_b)
    assert client.post(reverse("accounts:reset-password", args=[cast.teacher_a.pk])).status_code == 404


def test_the_password_change_form_explains_a_mismatch(client, cast):
    client.force_login(cast.teacher_a)
    response = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": "Giáo-viên-2026!", "new_password2": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]


def test_the_email_reset_sends_a_link_that_sets_a_new_password(client, cast, settings):
    settings.EMAIL_CONFIGURED = True
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    response = client.post(reverse("accounts:password-reset"), {"email": "hoa@ta.edu.vn"})
    assert response.url == reverse("accounts:password-reset-sent")
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Mới-2026-xyz", "new_password2": "Mới-2026-xyz"}
    )
    assert response.status_code == 302
    assert sign_in(client, "teacher_a", "Mới-2026-xyz").status_code == 302


def test_the_email_reset_is_hidden_without_a_mail_server(client, db, settings):
    settings.EMAIL_CONFIGURED = False
    assert client.get(reverse("accounts:password-reset")).status_code == 404


def test_the_deploy_check_passes_in_production_settings(tmp_path):
    env = {
        **os.environ,
        "BDTX_PRODUCTION": "1",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-1234567890abcdef",
        "ALLOWED_HOSTS": "bdtx.example.vn",
        "BDTX_VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by conftest for the browser tests, never in production
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
