"""Dashboards: figures kept per unit and school year (tallies), the record of when they were counted and from
which state of the data (so that a page can tell whether they still hold), the job that counts them again, and
the targets the figures are measured against (docs/dashboards.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bdtx.ops.models import FileJob
from bdtx.organisations.models import Level
from bdtx.staff.models import StaffGroup


class Metric(models.TextChoices):
    """The kept figures (bdtx/dashboards/metrics.py says what each counts and from where)."""

    COMPLETION = "completion", _("BDTX completion")
    RATINGS = "ratings", _("Standard ratings")
    QUALIFICATIONS = "qualifications", _("Qualifications")
    UPGRADE = "upgrade", _("Qualification upgrade (Nghị định 71/2020)")
    RETIREMENT = "retirement", _("Retirement forecast")
    NEEDS = "needs", _("Training needs by criterion")
    BUDGET = "budget", _("Budgets")
    CORE = "core", _("Core teachers")


class Tally(models.Model):
    """One kept count: people (or đồng, for budgets) of a unit's whole subtree in a school year, for one metric and
    one combination of staff group, level, bucket (e.g. the outcome or the rating) and detail (e.g. a subject or a
    criterion). Rewritten as a whole per metric and year by bdtx.dashboards.aggregates.refresh()."""

    year = models.PositiveSmallIntegerField()
    # No database constraint or index of its own: the rows are rewritten in bulk, and those of a unit removed since
    # are simply not read (and gone at the next count, since removing a unit changes the data stamp).
    unit = models.ForeignKey(
        "organisations.Unit", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    metric = models.CharField(max_length=16, choices=Metric.choices)
    group = models.CharField(max_length=10, blank=True)
    level = models.CharField(max_length=60, blank=True)
    bucket = models.CharField(max_length=40, blank=True)
    detail = models.CharField(max_length=120, blank=True)
    count = models.BigIntegerField(default=0)

    class Meta:
        # A page reads its unit's rows and its children's: one range of this index per unit.
        indexes = [models.Index(fields=["year", "unit", "metric"], name="tally_year_unit_metric")]

    def __str__(self) -> str:
        return f"{self.year} {self.unit_id} {self.metric} {self.group}/{self.level}/{self.bucket}/{self.detail}"


class TallyState(models.Model):
    """When a metric's tallies of a school year were counted, and the data stamp of their sources at that moment
    (bdtx.dashboards.freshness): a page compares it with the stamp now to know whether the figures still hold."""

    year = models.PositiveSmallIntegerField()
    metric = models.CharField(max_length=16, choices=Metric.choices)
    stamp = models.JSONField(default=dict)
    counted_at = models.DateTimeField()
    seconds = models.FloatField(default=0)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "metric"], name="tally_state_once")]

    def __str__(self) -> str:
        return f"{self.year} {self.metric} @ {self.counted_at:%d/%m/%Y %H:%M}"


class RefreshJob(models.Model):
    """Counting the tallies of a school year again in the background (django.tasks), with its progress. It runs under
    a job lease (bdtx/ops/jobs.py, kind "dashboard-refresh"): a job whose worker died is queued again by the reaper
    and counts what is still old (counting is idempotent, one transaction per metric)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    year = models.PositiveSmallIntegerField()
    metrics = models.JSONField(default=list, blank=True)  # the metric codes to count; empty: those found stale
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["year", "status"], name="refresh_job_year_status")]
        constraints = [
            # One count of a year at a time: a second page finding the figures old joins the first one's job.
            models.UniqueConstraint(
                fields=["year"], condition=Q(status__in=["queued", "running"]), name="one_busy_refresh_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.status}"

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0


class PeopleExportQuerySet(models.QuerySet["PeopleExport"]):
    def visible_to(self, user) -> "PeopleExportQuerySet":
        """A list of people is personal data: only the person who asked for it, and only while its unit is still in
        their scope (a role taken away since closes the file to them)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        from bdtx.accounts.permissions import manageable_units

        return self.filter(requested_by_id=user.pk, unit__in=manageable_units(user))


class PeopleExport(FileJob):
    """The people behind a figure (bdtx.dashboards.people) too many to write during the request: written in the
    background under a job lease (kind "people-export"), downloaded when ready."""

    unit = models.ForeignKey("organisations.Unit", on_delete=models.CASCADE, related_name="+")
    which = models.CharField(max_length=20)  # bdtx.dashboards.people.LISTS
    year = models.PositiveSmallIntegerField()
    retiring_in = models.CharField(max_length=10, blank=True)  # for the retiring: a school year, or "past"

    objects = PeopleExportQuerySet.as_manager()

    class Meta(FileJob.Meta):
        pass

    def __str__(self) -> str:
        return f"people export {self.pk} ({self.get_status_display()})"

    @property
    def filters(self) -> dict:
        """The list's filters, as the access log records them."""
        filters = {"unit": self.unit_id, "list": self.which, "year": self.year}
        if self.retiring_in:
            filters["in"] = self.retiring_in
        return filters


class TargetMetric(models.TextChoices):
    """What share of people a target measures (bdtx.dashboards.targets.value_of says how each is counted)."""

    COMPLETION = "completion", _("Completed the year's BDTX plan")
    MEETS_STANDARD = "meets_standard", _("Trained to the standard of Luật Giáo dục 2019 Điều 72")
    KHA_OR_BETTER = "kha_or_better", _("Rated Khá or Tốt on the professional standard")
    CORE_COMPLETED = "core_completed", _("Core teachers who completed the year's BDTX plan")
    UPGRADE_CLEARED = "upgrade_cleared", _("Meet the standard or need no upgrade (Nghị định 71/2020)")


TARGET_GROUPS = [(StaffGroup.TEACHER.value, _("Teachers")), (StaffGroup.MANAGER.value, _("Managers"))]


class TargetQuerySet(models.QuerySet["Target"]):
    def visible_to(self, user) -> "TargetQuerySet":
        """Built-in targets (no scope) and those set at a unit the user manages, above it or below it."""
        from .permissions import targets_in_scope

        return self.filter(targets_in_scope(user))

    def for_year(self, year: int) -> "TargetQuerySet":
        """Targets measured in this school year: those of every year and those set for it."""
        return self.filter(Q(year__isnull=True) | Q(year=year))


class Target(models.Model):
    """A target: at least `threshold` % of a group of people (staff group, level) in the scope unit's subtree (every
    unit when no scope) reach something (the metric) by the deadline. Built-in ones come from the files of
    bdtx/dashboards/data/targets/ (`manage.py load_targets`); officers add their own."""

    code = models.CharField(max_length=60, unique=True, null=True, blank=True, editable=False)
    title = models.CharField(_("title"), max_length=255)
    metric = models.CharField(_("what it measures"), max_length=20, choices=TargetMetric.choices)
    unit = models.ForeignKey(
        "organisations.Unit",
        verbose_name=_("scope unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The target applies to this unit and the units below it; none: every unit."),
    )
    group = models.CharField(_("staff group"), max_length=10, blank=True, choices=TARGET_GROUPS)
    level = models.CharField(_("level"), max_length=20, blank=True, choices=Level.choices)
    threshold = models.DecimalField(_("threshold (%)"), max_digits=5, decimal_places=1)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("school year"), null=True, blank=True)
    document = models.CharField(_("source document"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    builtin = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["-builtin", models.F("deadline").asc(nulls_first=True), "metric", "level", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=0) & Q(threshold__lte=100), name="target_threshold_is_a_share"
            ),
        ]

    def __str__(self) -> str:
        return self.title
