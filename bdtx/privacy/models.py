"""The access log: who saw a full personal record or took staff data out of bdtx, when, and from where."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """One disclosure of personal data: a full record viewed (page or API), a list exported, one's own data
    downloaded. Written by services.log_access (one INSERT); read by system administrators only."""

    class Kind(models.TextChoices):
        VIEW = "view", _("Viewed a full record")
        LIST = "list", _("Listed full records (API)")
        EXPORT = "export", _("Exported")
        OWN_DATA = "own_data", _("Downloaded their own data")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too: the row still says who it was after the account is removed.
    username = models.CharField(_("username"), max_length=150)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # What was reached: a URL name ("staff:detail", "api:staff-list", "staff:export").
    what = models.CharField(_("what"), max_length=60)
    staff = models.ForeignKey("staff.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # "Nguyễn Thị Hoà (GV-A-001)": the record as it was named when seen.
    subject = models.CharField(_("record"), max_length=200, blank=True)
    # The filters of an export or a list, as its URL carried them.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    # False when every citizen ID, birth date and phone in it was masked.
    full_data = models.BooleanField(_("full personal data"), default=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "at"], name="access_by_user"),
            models.Index(fields=["kind", "at"], name="access_by_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.kind} {self.what} ({self.at:%d/%m/%Y %H:%M})"
