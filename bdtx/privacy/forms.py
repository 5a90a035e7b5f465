import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bdtx.lib import cells
from bdtx.lib.cells import Invalid

from .models import AccessLog

DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}


class AccessLogFilterForm(forms.Form):
    """The access log's filters (a GET form: the URL is the state, and the Excel export uses the same one)."""

    user = forms.CharField(
        label=_("Who"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("username or name"), "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds"))] + AccessLog.Kind.choices, required=False)
    date_from = forms.CharField(label=_("From"), required=False, widget=forms.TextInput(attrs=DATE_ATTRS))
    date_to = forms.CharField(label=_("Until"), required=False, widget=forms.TextInput(attrs=DATE_ATTRS))

    def _date(self, name: str) -> dt.date | None:
        try:
            return cells.date(self.cleaned_data.get(name), allow_future=True)
        except Invalid as error:
            raise forms.ValidationError(str(error)) from None

    def clean_date_from(self):
        return self._date("date_from")

    def clean_date_to(self):
        return self._date("date_to")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error(
                "date_to",
                _("The end date %(end)s is before the start date %(start)s. Swap them or change one.")
                % {"end": end.strftime("%d/%m/%Y"), "start": start.strftime("%d/%m/%Y")},
            )
        return data

    def apply(self, entries):
        """Narrow AccessLog rows by the valid filters (an invalid one is shown, not applied)."""
        self.is_valid()
        data = self.cleaned_data
        if who := (data.get("user") or "").strip():
            entries = entries.filter(Q(username__icontains=who) | Q(user__full_name__icontains=who))
        if kind := data.get("kind"):
            entries = entries.filter(kind=kind)
        # Whole local days, as bounds on the indexed time column.
        if start := data.get("date_from"):
            entries = entries.filter(at__gte=_midnight(start))
        if end := data.get("date_to"):
            entries = entries.filter(at__lt=_midnight(end + dt.timedelta(days=1)))
        return entries

    def params(self) -> dict:
        return {key: value for key, value in self.data.items() if value and key != "page"}


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
