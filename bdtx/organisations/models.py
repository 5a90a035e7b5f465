from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Cấp học: the levels of education a unit runs or a person teaches."""

    PRESCHOOL = "mam_non", _("Preschool")
    PRIMARY = "tieu_hoc", _("Primary")
    LOWER_SECONDARY = "thcs", _("Lower secondary")
    UPPER_SECONDARY = "thpt", _("Upper secondary")
    CONTINUING = "gdtx", _("Continuing education")


def levels_label(codes: str) -> str:
    labels = dict(Level.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes.split(",") if code)


class UnitKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry of Education and Training")
    DEPARTMENT = "department", _("Provincial Department of Education (Sở GDĐT)")
    DISTRICT_OFFICE = "district_office", _("District Office of Education (Phòng GDĐT)")
    COMMUNE = "commune", _("Commune/ward People's Committee (UBND xã/phường)")
    SCHOOL = "school", _("School")
    CONTINUING_CENTRE = "continuing_centre", _("Continuing education centre (Trung tâm GDTX)")
    OTHER = "other", _("Other unit")


class UnitQuerySet(models.QuerySet["Unit"]):
    def within(self, unit: "Unit") -> "UnitQuerySet":
        """The unit and everything below it."""
        return self.filter(path__startswith=unit.path)

    def within_any(self, units) -> "UnitQuerySet":
        condition = Q(pk__in=[])
        for unit in units:
            condition |= Q(path__startswith=unit.path)
        return self.filter(condition)

    def visible_to(self, user) -> "UnitQuerySet":
        from bdtx.accounts.permissions import units_in_scope

        return units_in_scope(user) & self


class Unit(models.Model):
    """A node of the organisation tree: Ministry → Sở → Phòng GDĐT or UBND xã/phường → school.

    `path` is the chain of primary keys from the root ("/1/7/42/"), so a subtree is one indexed
    prefix query; services.move_unit keeps it (and the move history) right."""

    code = models.CharField(_("unit code"), max_length=40, unique=True)
    name = models.CharField(_("unit name"), max_length=255)
    kind = models.CharField(_("unit kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.SCHOOL)
    levels = models.CharField(_("levels"), max_length=60, blank=True, help_text=_("Comma-separated level codes"))
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    admin_code = models.CharField(
        _("administrative code"), max_length=10, blank=True, help_text=_("Code of the province or commune/ward")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def level_list(self) -> list[str]:
        return [code for code in self.levels.split(",") if code]

    @property
    def levels_display(self) -> str:
        return levels_label(self.levels)

    def ancestor_ids(self) -> list[int]:
        return [int(pk) for pk in self.path.strip("/").split("/") if pk]

    def ancestors(self) -> list["Unit"]:
        """From the root down to this unit's parent, in one query."""
        ids = self.ancestor_ids()[:-1]
        by_id = Unit.objects.in_bulk(ids)
        return [by_id[pk] for pk in ids if pk in by_id]

    def is_within(self, other: "Unit") -> bool:
        return self.path.startswith(other.path)


class UnitMove(models.Model):
    """A unit changed its parent (for example when the Phòng GDĐT of 2020 gave way to communes in 2025)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="moves")
    old_parent = models.ForeignKey(Unit, null=True, on_delete=models.SET_NULL, related_name="+")
    new_parent = models.ForeignKey(Unit, null=True, on_delete=models.SET_NULL, related_name="+")
    moved_at = models.DateTimeField(auto_now_add=True)
    moved_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-moved_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.unit}: {self.old_parent} → {self.new_parent}"
