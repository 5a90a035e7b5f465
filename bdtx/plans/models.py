"""Yearly BDTX plans at four levels (Sở, commune/Phòng, school, person) and their budgets (TT 19/2019 Điều 8)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")


class UnitPlanQuerySet(models.QuerySet["UnitPlan"]):
    def visible_to(self, user) -> "UnitPlanQuerySet":
        """Plans of the units above, at or below the user's units (a school sees the Sở's plan it follows)."""
        from bdtx.plans.permissions import unit_plans_in_scope

        return unit_plans_in_scope(user) & self


class UnitPlan(models.Model):
    """Kế hoạch BDTX of a unit for a school year, derived from the plan above it."""

    unit = models.ForeignKey("organisations.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("school year"))
    parent = models.ForeignKey(
        "self", verbose_name=_("plan above"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    title = models.CharField(_("title"), max_length=255)
    # The four parts TT 19/2019 Điều 8 asks of every plan.
    objectives = models.TextField(_("objectives"), blank=True)
    organisation = models.TextField(_("forms of organisation"), blank=True)
    outcomes = models.TextField(_("expected outcomes"), blank=True)
    targets = models.TextField(_("targets"), blank=True)
    # Content 03: the modules this plan offers (the Sở's list; below, a subset of the plan above).
    modules = models.ManyToManyField("catalog.TrainingModule", verbose_name=_("modules offered"), blank=True)
    personal_plan_deadline = models.DateField(_("personal plans due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    return_comment = models.TextField(_("comment when returned"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = UnitPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit plan")
        verbose_name_plural = _("unit plans")
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="unit_plan_once_per_year")]

    def __str__(self) -> str:
        return self.title

    @property
    def school_year(self) -> str:
        return f"{self.year}-{self.year + 1}"


class PlanTopic(models.Model):
    """A topic of content 01 or 02 (chuyên đề) with its periods, as the Ministry and the Sở set them."""

    plan = models.ForeignKey(UnitPlan, on_delete=models.CASCADE, related_name="topics")
    content = models.CharField(_("content"), max_length=4)
    title = models.CharField(_("title"), max_length=300)
    periods = models.PositiveSmallIntegerField(_("periods"))
    # Comma-separated level codes the topic is for; blank: everyone.
    levels = models.CharField(_("levels"), max_length=60, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "content", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.content}: {self.title}"


class PersonalPlanQuerySet(models.QuerySet["PersonalPlan"]):
    def visible_to(self, user) -> "PersonalPlanQuerySet":
        """Plans of the people the user manages, and their own."""
        from bdtx.accounts.permissions import staff_scope
        from bdtx.staff.models import StaffMember

        return self.filter(staff__in=StaffMember.objects.filter(staff_scope(user)).values("pk"))


class PersonalPlan(models.Model):
    """Kế hoạch BDTX cá nhân: what one person will study in a school year, approved by their head."""

    staff = models.ForeignKey("staff.StaffMember", on_delete=models.PROTECT, related_name="bdtx_plans")
    year = models.PositiveSmallIntegerField(_("school year"))
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="+")
    unit_plan = models.ForeignKey(
        UnitPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="personal_plans"
    )
    # The programme (rule set) it was made under; the periods required come from it and the province's year.
    programme = models.ForeignKey("rules.Programme", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    return_comment = models.TextField(_("comment when returned"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonalPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal plan")
        verbose_name_plural = _("personal plans")
        ordering = ["-year", "staff__sort_key", "pk"]
        constraints = [models.UniqueConstraint(fields=["staff", "year"], name="personal_plan_once_per_year")]
        indexes = [models.Index(fields=["year", "unit", "status"], name="personal_plan_progress")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.year}"

    @property
    def school_year(self) -> str:
        return f"{self.year}-{self.year + 1}"


class PersonalPlanItem(models.Model):
    """One line of a personal plan: a topic of 01/02, or a module of 03, with its periods."""

    plan = models.ForeignKey(PersonalPlan, on_delete=models.CASCADE, related_name="items")
    content = models.CharField(_("content"), max_length=4)
    topic = models.ForeignKey(PlanTopic, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    module = models.ForeignKey(
        "catalog.TrainingModule", null=True, blank=True, on_delete=models.PROTECT, related_name="plan_items"
    )
    periods = models.PositiveSmallIntegerField(_("periods"))

    class Meta:
        ordering = ["plan", "content", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "module"], name="module_once_per_plan"),
            models.CheckConstraint(
                condition=models.Q(topic__isnull=False) | models.Q(module__isnull=False), name="item_topic_or_module"
            ),
        ]
        indexes = [models.Index(fields=["module", "plan"], name="plan_item_by_module")]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.content} {self.periods}"


class PlanEvent(models.Model):
    """The audit trail of plans: submitted, approved, returned (with the comment), reopened."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for changes")

    unit_plan = models.ForeignKey(UnitPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    personal_plan = models.ForeignKey(
        PersonalPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.unit_plan_id or self.personal_plan_id}"


class CostCategory(models.TextChoices):
    """Spending categories of a refresher course under Thông tư 36/2018/TT-BTC."""

    LECTURERS = "lecturers", _("Lecturers and presenters")
    MATERIALS = "materials", _("Study materials")
    VENUE = "venue", _("Venue and equipment")
    MEALS = "meals", _("Meal support")
    LODGING_TRAVEL = "lodging_travel", _("Lodging and travel support")
    REWARDS = "rewards", _("Rewards for learners")
    MANAGEMENT = "management", _("Course organisation and management")


class CostRate(models.Model):
    """A rate the province (its HĐND resolution) sets for a category, e.g. lecturer pay per session."""

    unit = models.ForeignKey("organisations.Unit", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("category"), max_length=20, choices=CostCategory.choices)
    label = models.CharField(_("label"), max_length=200)
    per = models.CharField(_("per"), max_length=60, help_text=_("e.g. người/buổi, học viên/ngày"))
    max_rate = models.PositiveIntegerField(_("maximum rate (đồng)"))
    source = models.CharField(_("decision"), max_length=255, blank=True)
    # Raised by every save; a form that read an older version is refused (no silent overwrite).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["unit", "category", "label"]

    def __str__(self) -> str:
        return self.label


class BudgetLine(models.Model):
    """A line of a plan's budget: quantity × rate in a TT 36/2018 category."""

    plan = models.ForeignKey(UnitPlan, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("category"), max_length=20, choices=CostCategory.choices)
    description = models.CharField(_("description"), max_length=255)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit_label = models.CharField(_("unit of measure"), max_length=60, blank=True)
    rate = models.PositiveIntegerField(_("rate (đồng)"))
    rate_card = models.ForeignKey(CostRate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The class it pays for, once the delivery issue creates classes (its code, until then free text).
    course_ref = models.CharField(_("class"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Raised by every save; a form that read an older version is refused (no silent overwrite).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["plan", "category", "pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> int:
        return int(round(self.quantity * self.rate))


class PlanReminder(models.Model):
    """A reminder e-mailed to a person whose plan was not yet submitted: at most one a day per person."""

    staff = models.ForeignKey("staff.StaffMember", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    sent_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "year", "sent_on"], name="plan_reminder_once_a_day")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.year} {self.sent_on}"
