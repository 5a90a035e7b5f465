"""What the dashboards API reads and writes: every section of a unit's dashboard (the same figures as the page, from
bdtx.dashboards.figures) and the targets with their status at a unit (created through bdtx.dashboards.services)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bdtx.dashboards.models import Metric, Target, TargetMetric
from bdtx.dashboards.targets import STATUS_LABELS
from bdtx.organisations.models import Level

STATUS_HELP = "on_track | at_risk | missed | no_data (docs/dashboards.md)"
PERCENT = {"allow_null": True, "help_text": "Percent, one decimal; null when there is nobody to count"}


class DashboardUnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()


class DashboardLineSerializer(serializers.Serializer):
    """A row of a section: a child unit (drill down with its id), the people directly at the unit, or a level."""

    label = serializers.CharField()
    unit = DashboardUnitRefSerializer(
        allow_null=True, help_text="The unit of the row; null for a level or a staff group"
    )
    key = serializers.CharField(help_text="The level codes or staff group of a level row; empty for a unit row")
    direct = serializers.BooleanField(help_text="The people directly at the viewed unit, not in any child unit")


class DashboardCompletionSerializer(DashboardLineSerializer):
    people = serializers.IntegerField(help_text="Working teachers and managers expected to have a result")
    completed = serializers.IntegerField()
    not_completed = serializers.IntegerField()
    no_result = serializers.IntegerField()
    percent = serializers.FloatField(**PERCENT)


class DashboardRatingSerializer(DashboardLineSerializer):
    tot = serializers.IntegerField()
    kha = serializers.IntegerField()
    dat = serializers.IntegerField()
    chua_dat = serializers.IntegerField()
    not_rated = serializers.IntegerField()
    rated = serializers.IntegerField()
    kha_or_better = serializers.FloatField(**PERCENT)


class DashboardQualificationSerializer(DashboardLineSerializer):
    people = serializers.IntegerField()
    meets = serializers.IntegerField(help_text="Meet the standard of Luật Giáo dục 2019 Điều 72")
    below = serializers.IntegerField()
    not_recorded = serializers.IntegerField(help_text="No degree recorded")
    meets_share = serializers.FloatField(**PERCENT)
    degrees = serializers.DictField(
        source="counts", child=serializers.IntegerField(), help_text='Degree code → people ("": not recorded)'
    )


class DashboardUpgradeSerializer(DashboardLineSerializer):
    must = serializers.IntegerField(help_text="Must upgrade under Nghị định 71/2020 Điều 2")
    exempt = serializers.IntegerField()
    hired_after = serializers.IntegerField(help_text="Below the standard, joined after 01/07/2020")
    not_covered = serializers.IntegerField(help_text="Below the standard of a level the decree does not cover")
    unknown = serializers.IntegerField(help_text="Birth date or gender missing")


class DashboardForecastSerializer(DashboardLineSerializer):
    by_year = serializers.SerializerMethodField(help_text="School year (first calendar year) → people retiring")
    past = serializers.IntegerField(help_text="Past their retirement date before the first year, still at work")

    def get_by_year(self, line) -> dict[str, int]:
        return {str(year): line.n(str(year)) for year in line.years}


class DashboardCoreSerializer(DashboardLineSerializer):
    people = serializers.IntegerField()
    core = serializers.IntegerField()
    core_completed = serializers.IntegerField()
    coverage = serializers.FloatField(allow_null=True, help_text="Core teachers per 100 people")
    completed_share = serializers.FloatField(**PERCENT)


class DashboardBudgetSerializer(DashboardLineSerializer):
    approved = serializers.IntegerField(help_text="Đồng, in approved plans")
    pending = serializers.IntegerField(help_text="Đồng, in plans not approved yet")
    plans_approved = serializers.IntegerField()
    plans_pending = serializers.IntegerField()


def section(line_serializer, *, with_levels: bool = True, name: str):
    fields = {
        "total": line_serializer(help_text="The viewed unit as a whole"),
        "children": line_serializer(many=True, source="units", help_text="One row per child unit"),
    }
    if with_levels:
        fields["levels"] = line_serializer(many=True, help_text="The viewed unit by level of education")
    return type(name, (serializers.Serializer,), fields)


class DashboardCategorySerializer(serializers.Serializer):
    label = serializers.CharField()
    approved = serializers.IntegerField()
    pending = serializers.IntegerField()


class DashboardCriterionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()


class DashboardHeatCellSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The criterion")
    people = serializers.IntegerField(help_text="At Đạt or Chưa đạt on it")
    not_met = serializers.IntegerField(help_text="Of which Chưa đạt")
    share = serializers.FloatField(**PERCENT)


class DashboardHeatLineSerializer(serializers.Serializer):
    label = serializers.CharField()
    unit = DashboardUnitRefSerializer(allow_null=True)
    evaluated = serializers.IntegerField()
    cells = DashboardHeatCellSerializer(many=True)


class DashboardHeatSerializer(serializers.Serializer):
    standard = serializers.CharField(help_text="The standard shown (?standard=); the most evaluated by default")
    standards = serializers.SerializerMethodField()
    criteria = DashboardCriterionSerializer(many=True)
    lines = DashboardHeatLineSerializer(many=True, help_text="The viewed unit first, then each child with evaluations")

    def get_standards(self, heat) -> list[dict]:
        return [{"code": code, "name": name, "evaluated": n} for code, name, n in heat.standards]


class DashboardMeasuredSerializer(serializers.Serializer):
    part = serializers.IntegerField(help_text="People counted")
    whole = serializers.IntegerField(help_text="People measured")
    value = serializers.FloatField(**PERCENT)
    status = serializers.CharField(help_text=STATUS_HELP)
    status_label = serializers.CharField()


class TargetSerializer(serializers.ModelSerializer):
    """A target; `measured` is its value and status at the unit asked for (?unit=, default your highest unit)."""

    scope = DashboardUnitRefSerializer(source="unit", read_only=True, allow_null=True, help_text="Null: every unit")
    unit = serializers.IntegerField(write_only=True, help_text="Id of the scope unit: one you are an officer of")
    metric = serializers.ChoiceField(choices=TargetMetric.choices)
    group = serializers.ChoiceField(choices=["", "teacher", "manager"], required=False, default="")
    level = serializers.ChoiceField(choices=Level.choices, allow_blank=True, required=False, default="")
    threshold = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=0, max_value=100, coerce_to_string=False
    )
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    year = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=2000, max_value=2100)
    measured = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [
            "id", "code", "title", "metric", "scope", "unit", "group", "level", "threshold", "deadline", "year",
            "document", "note", "builtin", "measured",
        ]  # fmt: skip
        read_only_fields = ["code", "builtin"]

    def get_measured(self, target) -> DashboardMeasuredSerializer:
        measured = self.context.get("measured", {}).get(target.pk)
        return DashboardMeasuredSerializer(measured).data if measured is not None else None


class DashboardSerializer(serializers.Serializer):
    unit = DashboardUnitRefSerializer()
    year = serializers.IntegerField()
    school_year = serializers.CharField()
    as_of = serializers.DateTimeField(allow_null=True, help_text="When the oldest figure shown was counted")
    up_to_date = serializers.BooleanField(help_text="False: the data changed since; a count runs in the background")
    updating = serializers.BooleanField()
    old = serializers.ListField(
        child=serializers.ChoiceField(choices=Metric.values), help_text="Sections being counted again"
    )
    children = DashboardUnitRefSerializer(many=True)
    completion = section(DashboardCompletionSerializer, name="DashboardCompletionSection")()
    ratings = section(DashboardRatingSerializer, name="DashboardRatingSection")()
    qualifications = section(DashboardQualificationSerializer, name="DashboardQualificationSection")()
    upgrade = section(DashboardUpgradeSerializer, name="DashboardUpgradeSection")()
    retirement = section(DashboardForecastSerializer, name="DashboardRetirementSection")()
    needs = DashboardHeatSerializer(source="heat")
    budget = section(DashboardBudgetSerializer, with_levels=False, name="DashboardBudgetSection")()
    budget_categories = DashboardCategorySerializer(many=True)
    core = section(DashboardCoreSerializer, name="DashboardCoreSection")()
    targets = serializers.SerializerMethodField(help_text="Measured at the unit, as /api/v1/targets/ lists them")

    @extend_schema_field(TargetSerializer(many=True))
    def get_targets(self, data) -> list[dict]:
        return data.targets


def status_labels() -> dict[str, str]:
    return {code: str(label) for code, label in STATUS_LABELS.items()}
