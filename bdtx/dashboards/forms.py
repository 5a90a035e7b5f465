"""The forms of the dashboards: the school-year switch (shared with the results pages) and an officer's target."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bdtx.appraisals.models import AppraisalCycle
from bdtx.lib.schoolyear import school_year_label
from bdtx.organisations.models import Level
from bdtx.plans.models import UnitPlan
from bdtx.results.forms import YearForm
from bdtx.results.models import YearResult
from bdtx.staff.models import StaffGroup

from .models import Target, TargetMetric


def data_years() -> list[int]:
    """The school years with results, appraisal cycles or unit plans (four small queries: the first and last year
    of results are two steps down their index; asked together, SQLite would read the whole table)."""
    results = YearResult.objects.values_list("year", flat=True)
    first, last = results.order_by("year").first(), results.order_by("-year").first()
    years = set(range(first, last + 1)) if first is not None else set()
    years |= set(AppraisalCycle.objects.order_by().values_list("year", flat=True).distinct())
    years |= set(UnitPlan.objects.order_by().values_list("year", flat=True).distinct())
    return sorted(years)


def year_form(data) -> YearForm:
    return YearForm(data, years=data_years())


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, unit) -> str:
        return f"{'— ' * max(unit.depth, 0)}{unit.name} ({unit.code})"


class TargetForm(forms.ModelForm):
    """An officer's own target; the service checks the scope again."""

    metric = forms.ChoiceField(label=_("What it measures"), choices=TargetMetric.choices)
    group = forms.ChoiceField(
        label=_("Staff group"),
        required=False,
        choices=[
            ("", _("Teachers and managers")),
            (StaffGroup.TEACHER, _("Teachers")),
            (StaffGroup.MANAGER, _("Managers")),
        ],
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices])
    threshold = forms.DecimalField(
        label=_("Threshold (%)"),
        min_value=0,
        max_value=100,
        decimal_places=1,
        localize=True,
        help_text=_("The share of the people that must reach it, from 0 to 100, e.g. 93,5."),
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        help_text=_("dd/mm/yyyy. Leave it empty for the end of every school year (31/07)."),
        widget=forms.DateInput(attrs={"placeholder": "31/12/2027", "inputmode": "numeric"}),
    )
    year = forms.TypedChoiceField(
        label=_("School year"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Only this school year; leave it empty for every year."),
    )

    class Meta:
        model = Target
        fields = ["title", "metric", "unit", "group", "level", "threshold", "deadline", "year", "document", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, units, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoice(
            units.order_by("path"),
            label=_("Scope unit"),
            help_text=_("The target applies to this unit and the units below it."),
        )
        self.fields["year"].choices = [("", _("Every school year"))] + [(y, school_year_label(y)) for y in years]
        self.fields["document"].help_text = _(
            "Where the target comes from, e.g. “Kế hoạch số 12/KH-SGDĐT ngày 05/09/2026”."
        )
        self.fields["title"].error_messages["required"] = _("Give the target a title.")
        self.fields["threshold"].error_messages["max_value"] = _("The threshold is a share from 0 to 100.")
        self.fields["threshold"].error_messages["min_value"] = _("The threshold is a share from 0 to 100.")
        self.fields["deadline"].error_messages["invalid"] = _("Write the deadline as dd/mm/yyyy, e.g. 31/12/2027.")
