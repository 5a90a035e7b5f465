"""The forms of the results pages: the unit list's filters (a GET form: the URL is the state, and the batch
recognition and the export read the same one), the school-year switch, correcting and reopening a result."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bdtx.lib.schoolyear import current_school_year, school_year_label
from bdtx.organisations.models import Level

from .models import ResultOutcome

FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_choices(years) -> list[tuple[int, str]]:
    return [(year, school_year_label(year)) for year in sorted(set(years), reverse=True)]


class YearForm(forms.Form):
    """?year= among the school years offered (those with results, and the current one); any year 2000–2100 typed
    in the address is accepted too."""

    year = forms.TypedChoiceField(label=_("School year"), coerce=int)

    def __init__(self, data=None, *, years=(), **kwargs):
        data = data.copy() if data is not None else {}
        years = set(years) | {current_school_year()}
        value = str(data.get("year") or "").strip()
        if value.isdigit() and FIRST_YEAR <= int(value) <= LAST_YEAR:
            years.add(int(value))
        elif not value:
            data["year"] = str(max(year for year in years if year <= current_school_year()))
        super().__init__(data, **kwargs)
        self.fields["year"].choices = year_choices(years)
        self.fields["year"].error_messages["invalid_choice"] = _(
            "“%(value)s” is not a school year: choose one from the list (e.g. 2026 for 2026-2027)."
        )

    @property
    def chosen_year(self) -> int:
        self.is_valid()  # fills cleaned_data with the fields that are valid
        return self.cleaned_data.get("year") or current_school_year()


RECOGNISED_CHOICES = [("", _("Recognised or not")), ("yes", _("Recognised")), ("no", _("Not recognised yet"))]


class ResultFilterForm(YearForm):
    """The filters of a unit's results: school year, outcome, recognised, level, and words of the name or code
    (without diacritics)."""

    outcome = forms.ChoiceField(
        label=_("Result"), choices=[("", _("All results")), *ResultOutcome.choices], required=False
    )
    recognised = forms.ChoiceField(label=_("Recognition"), choices=RECOGNISED_CHOICES, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=[("", _("All levels")), *Level.choices], required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("name or staff code"), "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("outcome", "recognised", "level"):
            field = self.fields[name]
            field.error_messages["invalid_choice"] = _(
                "“%%(value)s” is not a choice of “%(field)s”: choose one from the list."
            ) % {"field": field.label}

    def apply(self, results):
        """Narrow a YearResult queryset by the valid filters (an invalid one is shown, not applied)."""
        self.is_valid()
        data = self.cleaned_data
        results = results.filter(year=self.chosen_year)
        if outcome := data.get("outcome"):
            results = results.filter(outcome=outcome)
        if recognised := data.get("recognised"):
            results = results.filter(recognised=recognised == "yes")
        if level := data.get("level"):
            results = results.filter(staff__levels__contains=level)
        if q := (data.get("q") or "").strip():
            from bdtx.lib.text import fold

            for word in fold(q).split():
                results = results.filter(staff__search_text__contains=word)
        return results

    def params(self) -> dict:
        """The filters as given (for the pager, the batch form and the way back), nothing else."""
        return {key: self.data[key] for key in self.fields if self.data.get(key)}


class CorrectForm(forms.Form):
    """Điều chỉnh kết quả: the outcome set by hand, with the reason (kept in the result's history)."""

    outcome = forms.ChoiceField(label=_("Result"), choices=ResultOutcome.choices)
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the result is corrected (field “Reason for the correction”).")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReopenForm(forms.Form):
    """Mở lại kết quả: unlock a recognised or corrected result so that it follows the rule again."""

    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the result is reopened (field “Reason for reopening”).")},
    )
