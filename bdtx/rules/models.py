"""Professional standards (chuẩn nghề nghiệp) as versioned rule data.

A Standard is one circular's standard (e.g. TT 20/2018 for general-education teachers), loaded from a
rule file in bdtx/rules/data/ by `load_standards` and correctable by a system administrator. Records
made under a standard keep pointing at it, so a new circular is a new Standard, not an edit."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .classification import classify


class Rating(models.TextChoices):
    """The four levels of a criterion and of the overall rating (codes of CONTRACTS.md)."""

    CHUA_DAT = "chua_dat", _("Not met (Chưa đạt)")
    DAT = "dat", _("Met (Đạt)")
    KHA = "kha", _("Good (Khá)")
    TOT = "tot", _("Excellent (Tốt)")


class Subject(models.TextChoices):
    """Whom a standard rates."""

    TEACHER = "teacher", _("Teachers")
    PRINCIPAL = "principal", _("Principals and vice principals")


class StandardQuerySet(models.QuerySet["Standard"]):
    def valid_on(self, day) -> "StandardQuerySet":
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day),
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day),
        )


class Standard(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("e.g. tt20-2018"))
    name = models.CharField(_("name"), max_length=255)
    document = models.CharField(_("legal document"), max_length=255)
    subject = models.CharField(_("rates"), max_length=10, choices=Subject.choices)
    # Which people it rates: {"groups": [...], "levels": [...], "position_keywords": [...]}; see rules.standards.
    applies_to = models.JSONField(_("applies to"), default=dict)
    criteria_count = models.PositiveSmallIntegerField(_("number of criteria"))
    # The overall classification rule, as in the rule file (see classification.classify).
    classification = models.JSONField(_("classification rule"), default=dict)
    # Self-assessment every `self_years` years; evaluation by the head / level above every `evaluation_years`.
    self_years = models.PositiveSmallIntegerField(default=1)
    evaluation_years = models.PositiveSmallIntegerField(default=2)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    source = models.JSONField(_("sources"), default=dict, blank=True)
    # What the sources could not confirm, one line each, shown wherever the standard is shown.
    unconfirmed = models.JSONField(_("unconfirmed points"), default=list, blank=True)
    file_name = models.CharField(max_length=100, blank=True)
    file_version = models.PositiveIntegerField(default=1)
    edited_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    edited_at = models.DateTimeField(null=True, blank=True)
    # Raised by every write (a correction in the app or a rule file); a form that read an older one is refused.
    # Not the rule file's `file_version`.
    version = models.PositiveIntegerField(default=1)

    objects = StandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("professional standard")
        verbose_name_plural = _("professional standards")
        ordering = ["subject", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def core_criteria(self) -> list[int]:
        return [int(n) for n in self.classification.get("core_criteria", [])]

    def classify(self, levels: dict[int, str]) -> str:
        """The overall rating code for {criterion number: level code}; RuleError when incomplete."""
        return classify(self.classification, levels, self.criteria_count)


class Area(models.Model):
    """Tiêu chuẩn: a group of criteria (e.g. "Phát triển chuyên môn, nghiệp vụ")."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="areas")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    article = models.CharField(_("article"), max_length=40, blank=True)
    confirmed = models.BooleanField(_("confirmed by the sources"), default=True)

    class Meta:
        ordering = ["standard", "number"]
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="area_number_once")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Criterion(models.Model):
    """Tiêu chí: one criterion, rated Chưa đạt / Đạt / Khá / Tốt."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="criteria")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="criteria")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(_("title"), max_length=255)
    # {"dat": "...", "kha": "...", "tot": "..."}: what each level requires, as the circular words it.
    descriptors = models.JSONField(_("level descriptors"), default=dict, blank=True)
    is_core = models.BooleanField(_("core criterion"), default=False)
    confirmed = models.BooleanField(_("confirmed by the sources"), default=True)
    note = models.TextField(_("note"), blank=True)
    # Raised by every write (a correction in the app or a rule file); a form that read an older one is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["standard", "number"]
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="criterion_number_once")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Programme(models.Model):
    """Chương trình BDTX: one circular's yearly programme for a target group (e.g. TT 17/2019 for
    general-education teachers): its contents 01/02/03 with their periods, loaded from a rule file."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("e.g. tt17-2019"))
    name = models.CharField(_("name"), max_length=255)
    document = models.CharField(_("legal document"), max_length=255)
    # Who follows it: {"groups": [...], "levels": [...]} as for standards (rules.standards.matches).
    applies_to = models.JSONField(_("applies to"), default=dict)
    total_periods = models.PositiveSmallIntegerField(_("periods per school year"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    source = models.JSONField(_("sources"), default=dict, blank=True)
    unconfirmed = models.JSONField(_("unconfirmed points"), default=list, blank=True)
    file_name = models.CharField(max_length=100, blank=True)
    file_version = models.PositiveIntegerField(default=1)

    objects = StandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("BDTX programme")
        verbose_name_plural = _("BDTX programmes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ProgrammeContent(models.Model):
    """Nội dung bồi dưỡng 01 (set by the Ministry), 02 (set by the Sở) or 03 (modules the person chooses)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="contents")
    code = models.CharField(_("code"), max_length=4)
    name = models.CharField(_("name"), max_length=400)
    owner = models.CharField(_("who sets it"), max_length=200, blank=True)
    periods = models.PositiveSmallIntegerField(_("periods"))
    # The province may move periods between adjustable contents (01 and 02), never into or out of 03.
    adjustable = models.BooleanField(_("adjustable by the province"), default=False)
    # Content 03: the person chooses modules of the catalogue to fill its periods.
    by_modules = models.BooleanField(_("filled with chosen modules"), default=False)

    class Meta:
        ordering = ["programme", "code"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="content_code_once")]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class ProgrammeYear(models.Model):
    """The province's choice for a school year: which programme applies and, within what the programme
    allows, how the adjustable periods are split (e.g. 01: 30, 02: 50)."""

    unit = models.ForeignKey("organisations.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("school year"))
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="years")
    # {"01": 30, "02": 50, "03": 40}; contents not listed keep the programme's periods.
    periods = models.JSONField(_("periods by content"), default=dict, blank=True)
    note = models.CharField(_("decision or note"), max_length=255, blank=True)
    set_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(auto_now=True)
    # Raised by every save; a form that read an older version is refused (no silent overwrite).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("programme of the year")
        verbose_name_plural = _("programmes of the year")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "programme"], name="programme_year_once"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.year}"
