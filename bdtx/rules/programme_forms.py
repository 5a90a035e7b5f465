"""Forms of the BDTX programmes: the upload of a programme rule file, and the Sở's split of a year's periods."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import programmefiles, rulefiles
from .models import Programme
from .rulefiles import RuleFileError


class ProgrammeFileForm(forms.Form):
    file = forms.FileField(
        label=_("Programme rule file (.yaml)"),
        help_text=_("The same format as the files in bdtx/rules/data/programmes/ (see docs/programmes.md)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > rulefiles.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB. A rule file is a few kB."))
        try:
            self.programme_file = programmefiles.parse(upload.read(), upload.name)
        except RuleFileError as error:
            raise forms.ValidationError(error.problems) from None
        return upload


class ProgrammeYearForm(forms.Form):
    """One programme's periods for a school year: a number for each adjustable content, and a note (the
    decision that set them). Contents that are not adjustable are shown, not asked."""

    note = forms.CharField(
        label=_("Decision or note"),
        max_length=255,
        required=False,
        help_text=_("e.g. the number and date of the Sở's plan that sets this split"),
    )
    # The version of the year's choice the form was loaded with (0: none yet): a save over someone else's is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, programme: Programme, periods: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        for content in programme.contents.all():
            if not content.adjustable:
                continue
            self.fields[f"content_{content.code}"] = forms.IntegerField(
                label=_("Content %(code)s (periods)") % {"code": content.code},
                min_value=0,
                max_value=programmefiles.MAX_PERIODS,
                initial=periods.get(content.code, content.periods),
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 5}),
                error_messages={
                    "required": _("Type the periods of content %(code)s (a whole number).") % {"code": content.code},
                    "invalid": _("Type the periods of content %(code)s as a whole number.") % {"code": content.code},
                },
            )
        self.order_fields([name for name in self.fields if name not in ("note", "version")] + ["note", "version"])

    def periods(self) -> dict[str, int]:
        return {
            name.removeprefix("content_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("content_")
        }
