from pathlib import Path

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from bdtx.lib import spreadsheet
from bdtx.organisations.models import Unit

from .models import ImportJob


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file lists"), choices=ImportJob.Kind.choices, widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("Excel (.xlsx) or CSV (UTF-8). Use the template so the column names match."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods,.csv"}),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit for rows without a unit code"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("Staff only: people whose Mã đơn vị is blank are put in this unit."),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in spreadsheet.SPREADSHEET_EXTENSIONS:
            raise forms.ValidationError(
                _("“%(name)s” is not a spreadsheet. Upload an Excel (.xlsx) or CSV file.") % {"name": upload.name}
            )
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty. Fill in the template and upload it again."))
        head = upload.read(4096)
        upload.seek(0)
        try:
            kind = spreadsheet.kind_of(head, upload.name)
        except spreadsheet.UnusableFile as error:
            raise forms.ValidationError(str(error)) from None
        if suffix == ".csv" and kind != "csv" or suffix != ".csv" and kind == "csv":
            raise forms.ValidationError(
                _(
                    "The content of “%(name)s” does not match its extension. Save it again from Excel as .xlsx "
                    "(or as CSV UTF-8) and upload it."
                )
                % {"name": upload.name}
            )
        return upload
