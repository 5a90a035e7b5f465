from django import forms
from django.utils.translation import gettext_lazy as _

from bdtx.rules.models import Standard


class EvidenceForm(forms.Form):
    criterion = forms.TypedChoiceField(label=_("Criterion"), coerce=int, empty_value=None, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    file = forms.FileField(label=_("File"), required=False)

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = [("", _("The whole self-assessment"))] + [
            (c.number, f"{c.number}. {c.title}") for c in criteria
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), min_length=10)


class StandardChoiceForm(forms.Form):
    standard = forms.ModelChoiceField(label=_("Standard"), queryset=Standard.objects.all())
    reason = forms.CharField(label=_("Reason"), max_length=255)
