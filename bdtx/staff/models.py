from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bdtx.lib.text import fold, name_sort_key, split_name, tidy_name
from bdtx.ops.models import FileJob
from bdtx.organisations.models import levels_label


class Gender(models.TextChoices):
    MALE = "nam", _("Male")
    FEMALE = "nu", _("Female")


class StaffGroup(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    MANAGER = "manager", _("School manager")
    EMPLOYEE = "employee", _("Employee")


class Qualification(models.TextChoices):
    """Trình độ đào tạo: the highest degree held."""

    BELOW = "duoi_trung_cap", _("Below intermediate")
    INTERMEDIATE = "trung_cap", _("Intermediate (trung cấp)")
    COLLEGE = "cao_dang", _("College (cao đẳng)")
    BACHELOR = "dai_hoc", _("Bachelor (đại học)")
    MASTER = "thac_si", _("Master (thạc sĩ)")
    DOCTOR = "tien_si", _("Doctor (tiến sĩ)")


class Status(models.TextChoices):
    WORKING = "working", _("Working")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    RETIRED = "retired", _("Retired")
    LEFT = "left", _("Left")


class StaffMemberQuerySet(models.QuerySet["StaffMember"]):
    def visible_to(self, user) -> "StaffMemberQuerySet":
        """People in the subtrees the user manages, and the user's own record."""
        from bdtx.accounts.permissions import staff_scope

        return self.filter(staff_scope(user))

    def within(self, unit) -> "StaffMemberQuerySet":
        """People of the unit and of every unit below it (an id subquery, so counts need no join)."""
        from bdtx.organisations.models import Unit

        return self.filter(unit_id__in=Unit.objects.within(unit).values("pk"))

    def search(self, query: str) -> "StaffMemberQuerySet":
        """Every word of the query, without diacritics, in the name, code, CCCD or e-mail."""
        qs = self
        for word in fold(query).split():
            qs = qs.filter(search_text__contains=word)
        return qs

    def with_level(self, level: str) -> "StaffMemberQuerySet":
        return self.filter(levels__contains=level)


class StaffMember(models.Model):
    """Cán bộ, giáo viên, nhân viên: one person in the registry, kept across transfers."""

    code = models.CharField(_("staff code (mã định danh)"), max_length=30, unique=True)
    full_name = models.CharField(_("full name"), max_length=120)
    family_name = models.CharField(_("family name"), max_length=40, editable=False)
    middle_name = models.CharField(_("middle name"), max_length=80, blank=True, editable=False)
    given_name = models.CharField(_("given name"), max_length=40, editable=False)
    sort_key = models.CharField(max_length=400, editable=False, db_index=True)
    search_text = models.CharField(max_length=400, editable=False)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=3, choices=Gender.choices, blank=True)
    citizen_id = models.CharField(_("citizen ID (CCCD)"), max_length=12, null=True, blank=True, unique=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=40, blank=True)
    unit = models.ForeignKey(
        "organisations.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="staff"
    )
    position = models.CharField(_("position"), max_length=80, blank=True)
    group = models.CharField(_("staff group"), max_length=10, choices=StaffGroup.choices, default=StaffGroup.TEACHER)
    levels = models.CharField(_("levels taught"), max_length=60, blank=True)
    subjects = models.CharField(_("subjects taught"), max_length=200, blank=True)
    qualification = models.CharField(_("qualification"), max_length=20, choices=Qualification.choices, blank=True)
    professional_title = models.CharField(_("professional title (hạng)"), max_length=60, blank=True)
    is_core = models.BooleanField(_("core teacher (cốt cán)"), default=False)
    phone = models.CharField(_("phone"), max_length=15, blank=True)
    email = models.EmailField(_("email"), blank=True)
    joined_on = models.DateField(_("date joined the sector"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.WORKING)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_member",
    )
    # Raised by every save; a form or API client that read an older version is refused (no silent overwrite).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StaffMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["sort_key", "pk"]
        indexes = [
            models.Index(fields=["unit", "sort_key"], name="staff_unit_sort"),
            models.Index(fields=["status", "sort_key"], name="staff_status_sort"),
            # Covers the list filters, so counting a filtered list reads this index instead of the whole table.
            models.Index(fields=["status", "group", "levels", "unit", "search_text"], name="staff_list_filters"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(citizen_id__isnull=True) | Q(citizen_id__regex=r"^[0-9]{12}$"),
                name="staff_citizen_id_12_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"

    def save(self, *args, **kwargs):
        self.derive()
        super().save(*args, **kwargs)

    def derive(self) -> None:
        """Fill the name parts, the Vietnamese sort key and the search text from the stored fields."""
        self.full_name = tidy_name(self.full_name)
        self.family_name, self.middle_name, self.given_name = split_name(self.full_name)
        self.sort_key = name_sort_key(self.family_name, self.middle_name, self.given_name)[:400]
        self.search_text = " ".join(
            part
            for part in (fold(self.full_name), self.code.lower(), self.citizen_id or "", self.email.lower())
            if part
        )[:400]
        self.citizen_id = self.citizen_id or None

    @property
    def levels_display(self) -> str:
        return levels_label(self.levels)


class Assignment(models.Model):
    """A dated stay of a person at a unit: the transfer history."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="+")
    position = models.CharField(max_length=80, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(start_date__lte=models.F("end_date")),
                name="assignment_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} @ {self.unit_id} from {self.start_date}"


class ChangeSource(models.TextChoices):
    FORM = "form", _("Form")
    IMPORT = "import", _("Spreadsheet import")
    API = "api", _("API")
    COMMAND = "command", _("Command")


class StaffChange(models.Model):
    """The audit trail: who changed which fields of a staff record, when, before and after."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        TRANSFERRED = "transferred", _("Transferred")

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=12, choices=Action.choices)
    source = models.CharField(max_length=10, choices=ChangeSource.choices)
    # {"field": [before, after]} with values as text, as they were shown.
    changes = models.JSONField(default=dict)
    reference = models.CharField(max_length=60, blank=True, help_text="e.g. import:42")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.staff_id} ({self.at:%d/%m/%Y %H:%M})"


class ExportJobQuerySet(models.QuerySet["ExportJob"]):
    def visible_to(self, user) -> "ExportJobQuerySet":
        """An export holds personal data: only the person who asked for it may see and download it."""
        return self.filter(requested_by_id=user.pk) if getattr(user, "is_authenticated", False) else self.none()


class ExportJob(FileJob):
    """A staff list too long to write during the request: built in the background, downloaded when ready."""

    # The list's filters as the staff list URL carries them, applied again in the user's scope by the worker.
    params = models.JSONField(default=dict, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta(FileJob.Meta):
        pass

    def __str__(self) -> str:
        return f"export {self.pk} ({self.get_status_display()})"
