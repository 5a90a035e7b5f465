"""Each person's yearly BDTX result (TT 19/2019 Điều 11), its recognition by the competent unit, and the
certificates that prove it, verifiable by anyone at /verify/<code>."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ResultOutcome(models.TextChoices):
    COMPLETED = "hoan_thanh", _("Completed the BDTX plan")
    NOT_COMPLETED = "khong_hoan_thanh", _("Did not complete the BDTX plan")


class YearResultQuerySet(models.QuerySet["YearResult"]):
    def visible_to(self, user) -> "YearResultQuerySet":
        from bdtx.accounts.permissions import staff_scope
        from bdtx.staff.models import StaffMember

        return self.filter(staff__in=StaffMember.objects.filter(staff_scope(user)).values("pk"))


class YearResult(models.Model):
    """Kết quả BDTX of one person in one school year, derived by the rule; locked once recognised."""

    staff = models.ForeignKey("staff.StaffMember", on_delete=models.PROTECT, related_name="bdtx_results")
    year = models.PositiveSmallIntegerField(_("school year"))
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey("plans.PersonalPlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("result"), max_length=20, choices=ResultOutcome.choices)
    reasons = models.JSONField(default=list, blank=True)  # [[message key, values], …] (rules.completion)
    lines = models.JSONField(default=list, blank=True)  # the periods ledger, one per planned content or module
    periods_planned = models.PositiveSmallIntegerField(default=0)
    periods_earned = models.PositiveSmallIntegerField(default=0)
    rule = models.CharField(max_length=40, blank=True)  # "tt19-2019 v1": the rule data it was derived by
    computed_at = models.DateTimeField(null=True, blank=True)
    recognised = models.BooleanField(_("recognised"), default=False)
    recognised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recognised_at = models.DateTimeField(null=True, blank=True)
    # A correction by hand (audited in ResultEvent): recomputing leaves the outcome as corrected.
    corrected = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    objects = YearResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("yearly result")
        verbose_name_plural = _("yearly results")
        ordering = ["-year", "staff__sort_key", "pk"]
        constraints = [models.UniqueConstraint(fields=["staff", "year"], name="result_once_per_year")]
        indexes = [models.Index(fields=["year", "unit", "outcome", "recognised"], name="result_progress")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.year}"

    @property
    def school_year(self) -> str:
        return f"{self.year}-{self.year + 1}"


class ResultEvent(models.Model):
    """Who recognised, corrected or reopened a result, when, why, and what it was before and after."""

    class Action(models.TextChoices):
        RECOGNISE = "recognise", _("Recognised")
        CORRECT = "correct", _("Corrected")
        REOPEN = "reopen", _("Reopened")

    result = models.ForeignKey(YearResult, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["result", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.result_id} {self.action}"


def new_code() -> str:
    """The certificate's public code: 16 characters, unguessable, safe in a URL and in a QR code."""
    return secrets.token_urlsafe(12)


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def visible_to(self, user) -> "CertificateQuerySet":
        from bdtx.accounts.permissions import staff_scope
        from bdtx.staff.models import StaffMember

        return self.filter(staff__in=StaffMember.objects.filter(staff_scope(user)).values("pk"))


class Certificate(models.Model):
    """Giấy chứng nhận hoàn thành BDTX. Its text is frozen in `data` when issued; a reissue revokes the old one
    and points back to it."""

    class Status(models.TextChoices):
        VALID = "valid", pgettext_lazy("certificate", "Valid")
        REVOKED = "revoked", pgettext_lazy("certificate", "Revoked")

    issuer = models.ForeignKey(
        "organisations.Unit", verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("school year"))
    number = models.PositiveIntegerField(_("register number"))  # unique per issuing unit and year
    staff = models.ForeignKey("staff.StaffMember", on_delete=models.PROTECT, related_name="certificates")
    result = models.ForeignKey(YearResult, on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(max_length=24, unique=True, default=new_code, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.VALID)
    # What the certificate says, as issued: {"name", "birth_date", "unit", "year_label", "outcome", "lines": […],
    # "periods", "place", "date", "signer_title", "signer_name", "issuer", "issuer_parent"}.
    data = models.JSONField(default=dict)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_on = models.DateField(_("date"))
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-year", "issuer", "number"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year", "number"], name="certificate_number_once"),
            models.UniqueConstraint(
                fields=["result"], condition=models.Q(status="valid"), name="one_valid_certificate_per_result"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}/{self.year}"

    @property
    def register_number(self) -> str:
        """As printed: "0042/2026-2027"."""
        return f"{self.number:04d}/{self.year}-{self.year + 1}"


def batch_path(instance: "CertificateBatch", filename: str) -> str:
    return f"certificates/{instance.pk}/{filename}"


class CertificateBatch(models.Model):
    """Issuing the certificates of a class, a school or a province as a background job, packed in one ZIP.
    Re-running a batch issues only what is missing (a certificate is never issued twice for a result)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    issuer = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    # What it covers: the people of a unit's subtree, or the learners of a class.
    unit = models.ForeignKey("organisations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    training_class = models.ForeignKey(
        "delivery.TrainingClass", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("place"), max_length=100)
    issued_on = models.DateField(_("date"))
    signer_title = models.CharField(_("signer's title"), max_length=150)
    signer_name = models.CharField(_("signer's name"), max_length=150, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)  # new certificates (the rest already existed)
    archive = models.FileField(upload_to=batch_path, blank=True, max_length=200)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.issuer_id} {self.year} {self.status}"


class RecomputeJob(models.Model):
    """Deriving again the results of a large subtree in the background, with its progress. Recomputing is
    idempotent (what is unchanged is left alone), so a job whose worker died is simply run again."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    unit = models.ForeignKey("organisations.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.status}"

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
