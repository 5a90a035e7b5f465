from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles of CONTRACTS.md. Each is held at a unit and reaches that unit's subtree."""

    SYSTEM_ADMIN = "system_admin", _("System administrator")
    PROVINCE_OFFICER = "province_officer", _("Department officer")
    LOCAL_OFFICER = "local_officer", _("Commune/district officer")
    SCHOOL_ADMIN = "school_admin", _("Principal / school administrator")
    TEACHER = "teacher", _("Teacher / manager")
    TRAINER = "trainer", _("Trainer")


# Roles that manage the people of their subtree (see the staff registry, edit, import, reset passwords).
MANAGING_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.PROVINCE_OFFICER, Role.LOCAL_OFFICER, Role.SCHOOL_ADMIN})


class User(AbstractUser):
    """An account. Signs in by username or e-mail; may be linked to one staff record."""

    email = models.EmailField(_("email address"), blank=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    must_change_password = models.BooleanField(_("must change password at next sign-in"), default=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"), condition=~Q(email=""), name="user_email_unique_ci"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def active(self):
        return self.filter(unit__active=True)


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey("organisations.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="role_once_per_unit")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.unit}"


class SignInFailure(models.Model):
    """One failed sign-in; recent ones lock the username (and the address) for a while."""

    username = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} @ {self.at:%d/%m/%Y %H:%M}"
