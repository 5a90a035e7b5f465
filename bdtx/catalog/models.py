"""The module catalogue (mô đun bồi dưỡng) people choose from for content 03 of their BDTX plan."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TrainingModuleQuerySet(models.QuerySet["TrainingModule"]):
    def active(self) -> "TrainingModuleQuerySet":
        return self.filter(active=True)

    def visible_to(self, user) -> "TrainingModuleQuerySet":
        """National modules, and those a Sở (or a unit) above or at the user's units added; for those who
        manage units, also those added below them."""
        from bdtx.accounts.permissions import managed_units, roles_of

        if getattr(user, "is_superuser", False):
            return self
        unit_ids = {pk for role in roles_of(user) for pk in role.unit.ancestor_ids()}
        own = getattr(user, "staff_member", None) if getattr(user, "is_authenticated", False) else None
        if own is not None:
            unit_ids.update(own.unit.ancestor_ids())
        condition = Q(owner__isnull=True) | Q(owner_id__in=unit_ids)
        for unit in managed_units(user):
            condition |= Q(owner__path__startswith=unit.path)
        return self.filter(condition)


class TrainingModule(models.Model):
    """Mô đun: e.g. "GVPT 04", with its periods, target groups and the criteria of the standards it trains."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    title_confirmed = models.BooleanField(_("title confirmed by the sources"), default=True)
    programme = models.ForeignKey(
        "rules.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="modules"
    )
    content = models.CharField(_("content"), max_length=4, default="03")
    # None until the Sở sets them: the circulars do not say how many periods each module takes.
    periods = models.PositiveSmallIntegerField(_("periods"), null=True, blank=True)
    # {"groups": [...], "levels": [...]}, like the programmes' and standards' applies_to.
    target = models.JSONField(_("target groups"), default=dict, blank=True)
    criteria = models.ManyToManyField(
        "rules.Criterion", verbose_name=_("criteria it trains"), blank=True, related_name="modules"
    )
    criteria_inferred = models.BooleanField(_("criteria link inferred, not confirmed"), default=False)
    objectives = models.TextField(_("objectives"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    # None: a national module (loaded from the rule data); else the unit (the Sở) that added it.
    owner = models.ForeignKey(
        "organisations.Unit",
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=400, blank=True)
    # Fields a person changed in the app (e.g. ["periods", "active"]): load_modules leaves them as they are.
    edited_fields = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrainingModuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


def material_path(instance: "ModuleMaterial", filename: str) -> str:
    return f"modules/{instance.module_id}/{filename}"


class ModuleMaterial(models.Model):
    """Học liệu: a file or a link of a module."""

    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to=material_path, max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["module", "pk"]

    def __str__(self) -> str:
        return self.title
