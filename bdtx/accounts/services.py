"""Writes about accounts: roles, temporary passwords, sign-in failures."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import RoleAssignment, SignInFailure, User

# No look-alike characters (0/O, 1/l/I) in passwords read out over the phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@transaction.atomic
def grant_role(user: User, role: str, unit, *, by: User | None = None) -> RoleAssignment:
    """Give `role` at `unit` (idempotent)."""
    assignment, _ = RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit, defaults={"granted_by": by})
    return assignment


def temporary_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


@transaction.atomic
def reset_password(user: User, *, by: User) -> str:
    """Set a temporary password that must be changed at the next sign-in; returns it once, to show."""
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    SignInFailure.objects.filter(username__iexact=user.username).delete()
    return password


def record_failure(username: str, ip: str | None) -> None:
    SignInFailure.objects.create(username=username.strip().lower()[:254], ip_address=ip)


def is_locked_out(username: str, ip: str | None) -> bool:
    """Too many recent failures for this username, or from this address (a wider limit)."""
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    recent = SignInFailure.objects.filter(at__gte=since)
    if recent.filter(username=username.strip().lower()).count() >= settings.LOGIN_FAILURE_LIMIT:
        return True
    return bool(ip) and recent.filter(ip_address=ip).count() >= settings.LOGIN_FAILURE_LIMIT * 4


def clear_failures(username: str) -> None:
    SignInFailure.objects.filter(username=username.strip().lower()).delete()


class AccountExistsError(ValueError):
    pass


@transaction.atomic
def create_account_for(member, *, by: User | None) -> tuple[User, str]:
    """An account for a staff member without one: username = their code in lower case, role teacher at
    their unit, a temporary password (returned once, to show) that must be changed at the first sign-in."""
    from .models import Role

    if member.user_id:
        raise AccountExistsError(_("This person already has an account."))
    username = member.code.lower()
    if User.objects.filter(username__iexact=username).exists():
        raise AccountExistsError(
            _("The username “%(username)s” is already taken by another account. Ask the Department to link it.")
            % {"username": username}
        )
    email = member.email if member.email and not User.objects.filter(email__iexact=member.email).exists() else ""
    password = temporary_password()
    user = User.objects.create_user(username=username, email=email, password=password, full_name=member.full_name)
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    grant_role(user, Role.TEACHER, member.unit, by=by)
    type(member).objects.filter(pk=member.pk).update(user=user)
    member.user = user
    return user, password
