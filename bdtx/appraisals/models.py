"""The yearly appraisal against the professional standard: cycles, self-assessment with evidence,
colleagues' opinions, evaluation by the head (or the level above for principals), training needs."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bdtx.rules.models import Rating


class AppraisalCycleQuerySet(models.QuerySet["AppraisalCycle"]):
    def visible_to(self, user) -> "AppraisalCycleQuerySet":
        """Cycles that reach the user: opened at a unit above, at or below one of their units."""
        from bdtx.appraisals.permissions import cycles_in_scope

        return cycles_in_scope(user) & self


class AppraisalCycle(models.Model):
    """Đợt đánh giá: one school year's appraisal, opened by an officer for their subtree."""

    unit = models.ForeignKey("organisations.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    # The school year by its first calendar year: 2025 is "2025-2026".
    year = models.PositiveSmallIntegerField(_("school year"))
    title = models.CharField(_("title"), max_length=200)
    self_assessment_from = models.DateField(_("self-assessment opens"))
    self_assessment_until = models.DateField(_("self-assessment deadline"))
    opinions_until = models.DateField(_("colleagues' opinions deadline"))
    evaluation_until = models.DateField(_("evaluation deadline"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Raised by every change of the dates; a form that read an older version is refused (no silent overwrite).
    version = models.PositiveIntegerField(default=1)

    objects = AppraisalCycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraisal cycle")
        verbose_name_plural = _("appraisal cycles")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="cycle_once_per_unit_year"),
            models.CheckConstraint(
                condition=Q(self_assessment_from__lte=models.F("self_assessment_until"))
                & Q(self_assessment_until__lte=models.F("opinions_until"))
                & Q(opinions_until__lte=models.F("evaluation_until")),
                name="cycle_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def school_year(self) -> str:
        return f"{self.year}-{self.year + 1}"


class EvaluationPolicy(models.Model):
    """A unit's decision to evaluate its teachers every year instead of every two (TT 20 Điều 11 khoản 3)."""

    unit = models.OneToOneField("organisations.Unit", on_delete=models.CASCADE, related_name="evaluation_policy")
    yearly = models.BooleanField(_("evaluate every year"), default=False)
    note = models.CharField(_("decision or reason"), max_length=255, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)
    # Raised by every save; a form that read an older version is refused (no silent overwrite).
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.unit}: {'yearly' if self.yearly else 'two-yearly'}"


class StandardChoice(models.Model):
    """A person rated by another standard than their group, level and position give (e.g. a teacher of a
    multi-level school who teaches only its preschool classes)."""

    staff = models.OneToOneField("staff.StaffMember", on_delete=models.CASCADE, related_name="standard_choice")
    standard = models.ForeignKey(
        "rules.Standard", verbose_name=_("standard"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=255)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.staff_id} → {self.standard_id}"


class SubjectGroup(models.Model):
    """Tổ chuyên môn: a group of teachers of a school who give opinions on each other."""

    unit = models.ForeignKey("organisations.Unit", verbose_name=_("school"), on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    leader = models.ForeignKey(
        "staff.StaffMember",
        verbose_name=_("group leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_groups",
    )
    members = models.ManyToManyField("staff.StaffMember", verbose_name=_("members"), related_name="subject_groups")
    # Raised by every save (name, leader or members); a form that read an older version is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("subject group")
        verbose_name_plural = _("subject groups")
        ordering = ["unit", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="group_name_once_per_unit")]

    def __str__(self) -> str:
        return self.name


class AppraisalQuerySet(models.QuerySet["Appraisal"]):
    def visible_to(self, user) -> "AppraisalQuerySet":
        """Appraisals of the people the user manages (through the staff scope) and their own."""
        from bdtx.accounts.permissions import staff_scope

        return self.filter(staff__in=_staff_ids(user, staff_scope(user)))


def _staff_ids(user, scope: Q):
    from bdtx.staff.models import StaffMember

    return StaffMember.objects.filter(scope).values("pk")


class Appraisal(models.Model):
    """One person's appraisal in one cycle: self-assessment, then the evaluation, under one standard."""

    class SelfStatus(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class EvaluationStatus(models.TextChoices):
        NONE = "none", _("Not evaluated")
        DRAFT = "draft", _("Evaluation in progress")
        CONFIRMED = "confirmed", _("Confirmed")

    cycle = models.ForeignKey(AppraisalCycle, on_delete=models.PROTECT, related_name="appraisals")
    staff = models.ForeignKey("staff.StaffMember", on_delete=models.PROTECT, related_name="appraisals")
    # The standard it was made under and the person's unit when it started (progress is counted by it).
    standard = models.ForeignKey("rules.Standard", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="+")
    # {"3": "kha", ...}: criterion number (as text, JSON keys) → level code; notes per criterion beside it.
    self_levels = models.JSONField(default=dict, blank=True)
    self_notes = models.JSONField(default=dict, blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    development_plan = models.TextField(_("development plan"), blank=True)
    # Needs the person declares: criterion numbers and free text.
    declared_criteria = models.JSONField(default=list, blank=True)
    declared_needs = models.TextField(_("training needs"), blank=True)
    self_status = models.CharField(max_length=10, choices=SelfStatus.choices, default=SelfStatus.DRAFT)
    self_rating = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    self_submitted_at = models.DateTimeField(null=True, blank=True)
    final_levels = models.JSONField(default=dict, blank=True)
    final_comments = models.JSONField(default=dict, blank=True)
    evaluation_comment = models.TextField(_("evaluator's comment"), blank=True)
    evaluation_status = models.CharField(max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.NONE)
    final_rating = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Raised by every save; an autosave or form that read an older version is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppraisalQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        ordering = ["cycle", "staff__sort_key", "pk"]
        constraints = [models.UniqueConstraint(fields=["cycle", "staff"], name="appraisal_once_per_cycle")]
        indexes = [
            # Covers the progress counts (started, submitted, confirmed per unit) without reading the rows.
            models.Index(fields=["cycle", "unit", "self_status", "evaluation_status"], name="appraisal_progress"),
            models.Index(fields=["cycle", "unit", "final_rating"], name="appraisal_ratings"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} / {self.cycle_id}"

    @property
    def submitted(self) -> bool:
        return self.self_status == self.SelfStatus.SUBMITTED

    @property
    def confirmed(self) -> bool:
        return self.evaluation_status == self.EvaluationStatus.CONFIRMED

    def levels(self, which: str = "final") -> dict[int, str]:
        """{criterion number: level code} of the self-assessment ("self") or the evaluation ("final")."""
        raw = self.self_levels if which == "self" else self.final_levels
        return {int(number): code for number, code in raw.items() if code}


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Under MEDIA_ROOT, which is never served directly: the view checks scope, then streams the file.
    return f"evidence/{instance.appraisal.cycle_id}/{instance.appraisal_id}/{filename}"


class Evidence(models.Model):
    """Minh chứng: a text, a link or a file that backs the level given to a criterion."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="evidence")
    # None: evidence for the whole self-assessment rather than one criterion.
    criterion_number = models.PositiveSmallIntegerField(_("criterion"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["criterion_number", "pk"]

    def __str__(self) -> str:
        return self.title


class Opinion(models.Model):
    """Form 02: a colleague's opinion of a member of their subject group (or a staff member's
    opinion of their principal): an overall level and comments."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="opinions")
    author = models.ForeignKey("staff.StaffMember", on_delete=models.CASCADE, related_name="opinions_given")
    rating = models.CharField(_("level"), max_length=10, choices=Rating.choices)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("points to improve"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("colleague's opinion")
        verbose_name_plural = _("colleagues' opinions")
        ordering = ["appraisal", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "author"], name="opinion_once_per_author"),
        ]

    def __str__(self) -> str:
        return f"{self.author_id} → {self.appraisal_id}: {self.rating}"


class AppraisalEvent(models.Model):
    """The audit trail of an appraisal: who submitted, evaluated, confirmed or reopened it, and why."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Self-assessment submitted")
        EVALUATED = "evaluated", _("Evaluation saved")
        CONFIRMED = "confirmed", _("Evaluation confirmed")
        REOPENED = "reopened", _("Evaluation reopened")
        EVIDENCE_ADDED = "evidence_added", _("Evidence added")
        EVIDENCE_REMOVED = "evidence_removed", _("Evidence removed")

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    reason = models.TextField(blank=True)
    # {"levels": {...}, "rating": "...", "flags": [...]}: what the action set or acknowledged.
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.appraisal_id}"


class TrainingNeedQuerySet(models.QuerySet["TrainingNeed"]):
    def visible_to(self, user) -> "TrainingNeedQuerySet":
        from bdtx.accounts.permissions import staff_scope

        return self.filter(staff__in=_staff_ids(user, staff_scope(user)))


class TrainingNeed(models.Model):
    """Nhu cầu bồi dưỡng: a criterion to train on (rated lowest, or declared), per person and school year."""

    class Source(models.TextChoices):
        RATING = "rating", _("Rated lowest")
        DECLARED = "declared", _("Declared by the person")

    staff = models.ForeignKey("staff.StaffMember", on_delete=models.CASCADE, related_name="training_needs")
    unit = models.ForeignKey("organisations.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("school year"))
    appraisal = models.ForeignKey(Appraisal, null=True, blank=True, on_delete=models.CASCADE, related_name="needs")
    criterion = models.ForeignKey("rules.Criterion", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrainingNeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("training need")
        verbose_name_plural = _("training needs")
        ordering = ["year", "staff", "criterion__number"]
        indexes = [models.Index(fields=["year", "unit", "criterion"], name="need_by_unit_criterion")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.year}: {self.criterion_id or self.text[:30]}"
