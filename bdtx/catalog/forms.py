"""Forms of the module catalogue. The module form reads its values with the same parsers as the Excel import
(catalog.columns), so a value means the same typed in either."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bdtx.lib.cells import Invalid
from bdtx.organisations.models import Level
from bdtx.rules.models import Programme
from bdtx.staff.models import StaffGroup

from . import columns
from .importing import known_criteria
from .models import TrainingModule
from .services import module_stamp

GROUP_CHOICES = [(StaffGroup.TEACHER, _("Teachers")), (StaffGroup.MANAGER, _("School managers"))]


class ModuleForm(forms.Form):
    code = forms.CharField(
        label=_("Module code"),
        max_length=40,
        help_text=_("e.g. GVPT 16 or LC 01"),
        error_messages={"required": _('Type the module code, e.g. "GVPT 01".')},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        widget=forms.TextInput(attrs={"size": 80}),
        error_messages={"required": _("Type the module's title.")},
    )
    title_confirmed = forms.BooleanField(
        label=_("Title confirmed against the official text"), required=False, initial=True
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.order_by("code"),
        error_messages={"required": _("Choose the programme the module belongs to.")},
    )
    content = forms.CharField(label=_("Content"), max_length=4, initial="03", help_text=_("01, 02 or 03"))
    periods = forms.CharField(
        label=_("Periods"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5}),
        help_text=_("Leave empty until the Sở sets them."),
    )
    groups = forms.MultipleChoiceField(
        label=_("For"),
        choices=GROUP_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: whom the programme is for."),
    )
    levels = forms.MultipleChoiceField(
        label=_("Levels"),
        choices=Level.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the programme's levels."),
    )
    criteria = forms.CharField(
        label=_("Criteria it trains"),
        required=False,
        help_text=_(
            "The standard's code, a colon and the criterion numbers, e.g. tt20-2018:4,5 (several: separate with ;)."
        ),
    )
    criteria_inferred = forms.BooleanField(
        label=_("The link to the criteria is inferred, not confirmed"), required=False
    )
    objectives = forms.CharField(label=_("Objectives"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    source = forms.CharField(label=_("Source"), max_length=400, required=False)
    active = forms.BooleanField(label=_("In use (offered in plans)"), required=False, initial=True)
    # What the form showed (services.module_stamp): a save based on an old read is refused.
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, module: TrainingModule | None = None, **kwargs):
        self.module = module
        if module is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(module)
        super().__init__(*args, **kwargs)
        if module is not None and module.owner_id is None:
            # A national module keeps the code of the circular.
            self.fields["code"].disabled = True

    @staticmethod
    def initial_for(module: TrainingModule) -> dict:
        return {
            "code": module.code,
            "title": module.title,
            "title_confirmed": module.title_confirmed,
            "programme": module.programme_id,
            "content": module.content,
            "periods": module.periods or "",
            "groups": module.target.get("groups", []),
            "levels": module.target.get("levels", []),
            "criteria": columns.criteria_text(module.criteria.select_related("standard")),
            "criteria_inferred": module.criteria_inferred,
            "objectives": module.objectives,
            "source": module.source,
            "active": module.active,
            "stamp": module_stamp(module),
        }

    def _parse(self, name, parser, *args):
        try:
            return parser(self.cleaned_data[name], *args)
        except Invalid as error:
            raise forms.ValidationError(str(error)) from None

    def clean_code(self):
        return self._parse("code", columns.module_code)

    def clean_title(self):
        return self._parse("title", columns.title)

    def clean_periods(self):
        return self._parse("periods", columns.periods)

    def clean_criteria(self):
        return self._parse("criteria", columns.criteria, known_criteria())

    def clean(self):
        data = super().clean()
        programme = data.get("programme")
        if programme is not None and "content" in data:
            try:
                data["content"] = columns.content(data["content"], [c.code for c in programme.contents.all()])
            except Invalid as error:
                self.add_error("content", str(error))
        return data

    def values(self) -> dict:
        """The service arguments (catalog.services.create_module / update_module)."""
        data = self.cleaned_data
        programme = data["programme"]
        return {
            "title": data["title"],
            "title_confirmed": data["title_confirmed"],
            "programme": programme,
            "content": data["content"],
            "periods": data["periods"],
            "target": {
                "groups": list(data["groups"]) or list(programme.applies_to.get("groups", [])),
                "levels": list(data["levels"]) or list(programme.applies_to.get("levels", [])),
            },
            "criteria": data["criteria"],
            "criteria_inferred": data["criteria_inferred"],
            "objectives": data["objectives"].strip(),
            "source": " ".join(data["source"].split()),
            "active": data["active"],
        }


class PeriodsForm(forms.Form):
    """Only the periods: the Sở sets them on a national module from its page."""

    periods = forms.CharField(
        label=_("Periods"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5, "aria-label": _("Periods")}),
    )
    # What the page showed (services.module_stamp): a save based on an old read is refused.
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    @classmethod
    def for_module(cls, module):
        return cls(initial={"periods": module.periods or "", "stamp": module_stamp(module)})

    def clean_periods(self):
        try:
            return columns.periods(self.cleaned_data["periods"])
        except Invalid as error:
            raise forms.ValidationError(str(error)) from None


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    file = forms.FileField(label=_("File"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("url") and not data.get("file") and not self.errors:
            raise forms.ValidationError(_("Give a link or attach a file."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        help_text=_(
            "The columns of the export: Mã mô đun, Tên mô đun, Chương trình, Nội dung, Số tiết, Đối tượng, "
            "Cấp học, Tiêu chí, Mục tiêu, Đang dùng."
        ),
    )
    check_only = forms.BooleanField(label=_("Only check, do not save"), required=False)
