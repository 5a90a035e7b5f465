import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def upload_path(job: "ImportJob", filename: str) -> str:
    # A random name under MEDIA_ROOT/imports/: never guessable, never served except through a scoped view.
    return f"imports/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:6]}"


def marked_path(job: "ImportJob", filename: str) -> str:
    return f"imports/marked/{uuid.uuid4().hex}.xlsx"


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def visible_to(self, user) -> "ImportJobQuerySet":
        """A job is seen by the person who uploaded it, and by system administrators."""
        from bdtx.accounts.permissions import can_manage_staff, is_system_admin

        if not getattr(user, "is_authenticated", False) or not can_manage_staff(user):
            return self.none()
        if is_system_admin(user):
            return self
        return self.filter(uploaded_by=user)


class ImportJob(models.Model):
    """One uploaded spreadsheet: checked in the background, previewed, then applied all at once."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Staff")
        UNITS = "units", _("Units")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        APPLYING = "applying", _("Applying")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=upload_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        "organisations.Unit",
        verbose_name=_("default unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    # [{"row": int, "column": str, "message": str}], as the commands print them.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    marked = models.FileField(upload_to=marked_path, blank=True, max_length=200)
    failure = models.TextField(_("reason for failure"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="import_by_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def busy(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.CHECKING, self.Status.APPLYING}

    @property
    def can_apply(self) -> bool:
        return self.status == self.Status.CHECKED and not self.error_count and self.created + self.updated > 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
