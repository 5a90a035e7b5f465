from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import permissions, services
from .forms import SignInForm


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def password_change(request):
    """Change one's password; required right after a reset by a principal or officer."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form, "forced": request.user.must_change_password})


@login_required
@require_POST
def reset_user_password(request, pk: int):
    """A principal or officer gives a user in their scope a temporary password, shown once."""
    user = get_object_or_404(permissions.users_in_scope(request.user), pk=pk)
    password = services.reset_password(user, by=request.user)
    return render(request, "accounts/password_reset_done_temp.html", {"account": user, "password": password})


def email_reset_enabled(view):
    def wrapped(request, *args, **kwargs):
        from django.conf import settings

        if not settings.EMAIL_CONFIGURED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


password_reset = email_reset_enabled(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset_form.html",
        email_template_name="accounts/password_reset_email.txt",
        subject_template_name="accounts/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password-reset-sent"),
    )
)
password_reset_sent = email_reset_enabled(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html")
)
password_reset_confirm = email_reset_enabled(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html", success_url=reverse_lazy("accounts:login")
    )
)
