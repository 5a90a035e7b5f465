from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import services


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request else None


class SignInForm(AuthenticationForm):
    """Username or e-mail; locked for a while after repeated failures."""

    username = forms.CharField(
        label=_("Username or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        "invalid_login": _("Wrong username/e-mail or password. The password is case-sensitive."),
        "inactive": _("This account is disabled. Ask your school or the Department to enable it."),
        "locked": _(
            "Too many failed sign-ins. Wait %(minutes)d minutes, or ask your principal to reset your password."
        ),
    }

    def clean(self):
        from django.conf import settings

        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        if username and services.is_locked_out(username, ip):
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": settings.LOGIN_LOCKOUT_MINUTES}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                services.record_failure(username, ip)
            raise
        services.clear_failures(username)
        return cleaned
