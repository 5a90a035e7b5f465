"""Forms for a system administrator's corrections to the standards."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bdtx.lib import cells
from bdtx.lib.cells import Invalid

from . import rulefiles
from .models import Criterion, Standard
from .rulefiles import RuleFileError

DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}


class CriterionForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=255,
        widget=forms.TextInput(attrs={"size": 80}),
        error_messages={"required": _("Write the criterion's title as the circular words it.")},
    )
    dat = forms.CharField(
        label=_("Met (Đạt) requires"), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 80})
    )
    kha = forms.CharField(
        label=_("Good (Khá) requires"), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 80})
    )
    tot = forms.CharField(
        label=_("Excellent (Tốt) requires"), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 80})
    )
    confirmed = forms.BooleanField(
        label=_("Confirmed against the official text"),
        required=False,
        help_text=_("Tick only after checking the title and the descriptors against the circular itself."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where the wording comes from, or what is still unknown."),
    )
    # The version the form was loaded with: a save over someone else's change is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def initial_for(criterion: Criterion) -> dict:
        return {
            "version": criterion.version,
            "title": criterion.title,
            "confirmed": criterion.confirmed,
            "note": criterion.note,
            **{level: criterion.descriptors.get(level, "") for level in rulefiles.DESCRIPTOR_LEVELS},
        }

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Write the criterion's title as the circular words it."))
        return title

    @property
    def descriptors(self) -> dict[str, str]:
        return {level: " ".join(self.cleaned_data[level].split()) for level in rulefiles.DESCRIPTOR_LEVELS}


class ValidityForm(forms.Form):
    valid_from = forms.CharField(
        label=_("Valid from"), required=False, widget=forms.TextInput(attrs=DATE_ATTRS), help_text=_("dd/mm/yyyy")
    )
    valid_until = forms.CharField(
        label=_("Valid until"),
        required=False,
        widget=forms.TextInput(attrs=DATE_ATTRS),
        help_text=_("Leave empty while no later circular replaces it; else the day before the new one applies."),
    )
    # The version the form was loaded with: a save over someone else's change is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def initial_for(standard: Standard) -> dict:
        return {
            "version": standard.version,
            **{
                name: value.strftime("%d/%m/%Y") if (value := getattr(standard, name)) else ""
                for name in ("valid_from", "valid_until")
            },
        }

    def _date(self, name: str):
        try:
            return cells.date(self.cleaned_data[name], allow_future=True)
        except Invalid as error:
            raise forms.ValidationError(str(error)) from None

    def clean_valid_from(self):
        return self._date("valid_from")

    def clean_valid_until(self):
        return self._date("valid_until")

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("“Valid until” comes before “Valid from”. Correct one of the dates."))
        return data


class RuleFileForm(forms.Form):
    file = forms.FileField(
        label=_("Rule file (.yaml)"),
        help_text=_("The same format as the files in bdtx/rules/data/standards/ (see docs/standards.md)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > rulefiles.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB. A rule file is a few kB."))
        try:
            self.rule_file = rulefiles.parse(upload.read(), upload.name)
        except RuleFileError as error:
            raise forms.ValidationError(error.problems) from None
        return upload
