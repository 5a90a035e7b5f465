"""What the plans API reads and writes: programmes with the year's split, modules, unit and personal plans with
their balance, budgets, and the bodies of the personal-plan writes (checked here, then handed to
bdtx.plans.services)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bdtx.catalog.models import ModuleMaterial, TrainingModule
from bdtx.plans.models import BudgetLine, PersonalPlan, PersonalPlanItem, PlanTopic, UnitPlan
from bdtx.rules.models import Programme, ProgrammeContent

from .serializers_appraisals import PersonSerializer

STATUS_HELP = "draft | submitted | approved | returned"
PERIODS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "integer"},
    "example": {"01": 30, "02": 50, "03": 40, "total": 120},
}


# Programmes ---------------------------------------------------------------------------------------------


class ProgrammeContentSerializer(serializers.ModelSerializer):
    code = serializers.CharField(help_text="01 (set by the Ministry), 02 (set by the Sở) or 03 (modules chosen)")
    adjustable = serializers.BooleanField(help_text="The province may move periods between adjustable contents")
    by_modules = serializers.BooleanField(help_text="Filled with modules the person chooses from the catalogue")

    class Meta:
        model = ProgrammeContent
        fields = ["code", "name", "owner", "periods", "adjustable", "by_modules"]


class ProgrammeSerializer(serializers.ModelSerializer):
    applies_to = serializers.DictField(help_text='Who follows it: {"groups": [...], "levels": [...]}')
    unconfirmed = serializers.ListField(
        child=serializers.CharField(), help_text="What the sources could not confirm, one point per line"
    )

    class Meta:
        model = Programme
        fields = [
            "code",
            "name",
            "document",
            "applies_to",
            "total_periods",
            "valid_from",
            "valid_until",
            "unconfirmed",
            "file_version",
        ]


class YearSplitSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="School year by its first calendar year (2026: 2026-2027)")
    school_year = serializers.CharField()
    periods = serializers.DictField(
        child=serializers.IntegerField(), help_text="Periods required per content in that year, after the split"
    )
    total = serializers.IntegerField()
    set_by_unit = serializers.CharField(
        allow_null=True, help_text="Code of the unit (the Sở) that set the split; null: the programme's own periods"
    )
    note = serializers.CharField(help_text="The decision or note given with the split")


class ProgrammeDetailSerializer(ProgrammeSerializer):
    source = serializers.DictField(help_text="Where the data comes from")
    contents = ProgrammeContentSerializer(many=True, read_only=True)
    year = serializers.SerializerMethodField(help_text="The year's split for your province (`year` parameter)")

    class Meta(ProgrammeSerializer.Meta):
        fields = [*ProgrammeSerializer.Meta.fields, "source", "contents", "year"]

    @extend_schema_field(YearSplitSerializer)
    def get_year(self, programme):
        return self.context["year_split"]


# Modules ------------------------------------------------------------------------------------------------


class CriterionRefSerializer(serializers.Serializer):
    standard = serializers.CharField(source="standard.code", help_text="Code of the standard, e.g. tt20-2018")
    number = serializers.IntegerField()
    title = serializers.CharField()


class ModuleSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="programme.code", help_text="Code of the programme, e.g. tt17-2019")
    periods = serializers.IntegerField(allow_null=True, help_text="null until the Sở sets them in the catalogue")
    target = serializers.DictField(help_text='{"groups": [...], "levels": [...]}; empty: everyone of the programme')
    criteria = CriterionRefSerializer(many=True, read_only=True)
    criteria_inferred = serializers.BooleanField(help_text="True when the link to the criteria is inferred")
    owner = serializers.CharField(
        source="owner.code", allow_null=True, default=None, help_text="Unit that added it; null: a national module"
    )

    class Meta:
        model = TrainingModule
        fields = [
            "id",
            "code",
            "title",
            "title_confirmed",
            "programme",
            "content",
            "periods",
            "target",
            "criteria",
            "criteria_inferred",
            "active",
            "owner",
            "source",
        ]


class MaterialSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(help_text="Where to download the file; null for a link")

    class Meta:
        model = ModuleMaterial
        fields = ["id", "title", "url", "file_name", "content_type", "size", "download"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download(self, material):
        if not material.file:
            return None
        return reverse("catalog:material-file", kwargs={"pk": material.pk})


class ModuleDetailSerializer(ModuleSerializer):
    materials = MaterialSerializer(many=True, read_only=True)

    class Meta(ModuleSerializer.Meta):
        fields = [*ModuleSerializer.Meta.fields, "objectives", "materials"]


# Unit plans ---------------------------------------------------------------------------------------------


class TopicSerializer(serializers.ModelSerializer):
    levels = serializers.SerializerMethodField(help_text="Level codes the topic is for; empty: everyone")

    class Meta:
        model = PlanTopic
        fields = ["id", "content", "title", "periods", "levels"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_levels(self, topic):
        return [code for code in topic.levels.split(",") if code]


class ModuleRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingModule
        fields = ["id", "code", "title", "periods"]


class UnitPlanSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    school_year = serializers.CharField(help_text="e.g. 2026-2027")
    parent = serializers.IntegerField(source="parent_id", allow_null=True, help_text="Id of the plan above")
    status = serializers.CharField(help_text=STATUS_HELP)
    status_label = serializers.CharField(source="get_status_display")

    class Meta:
        model = UnitPlan
        fields = [
            "id",
            "unit",
            "unit_code",
            "unit_name",
            "year",
            "school_year",
            "parent",
            "title",
            "status",
            "status_label",
            "personal_plan_deadline",
            "submitted_at",
            "decided_at",
            "version",
            "updated_at",
        ]


class UnitPlanDetailSerializer(UnitPlanSerializer):
    topics = TopicSerializer(many=True, read_only=True, help_text="Topics of contents 01 and 02 this plan sets")
    modules = ModuleRefSerializer(many=True, read_only=True, help_text="Modules offered for content 03")

    class Meta(UnitPlanSerializer.Meta):
        fields = [
            *UnitPlanSerializer.Meta.fields,
            "objectives",
            "organisation",
            "outcomes",
            "targets",
            "return_comment",
            "topics",
            "modules",
        ]


# Personal plans -----------------------------------------------------------------------------------------


class PersonalPlanSerializer(serializers.ModelSerializer):
    staff = PersonSerializer()
    unit_code = serializers.CharField(source="unit.code")
    school_year = serializers.CharField(help_text="e.g. 2026-2027")
    programme = serializers.CharField(source="programme.code", help_text="Code of the programme it follows")
    status = serializers.CharField(help_text=STATUS_HELP)
    status_label = serializers.CharField(source="get_status_display")
    planned_periods = serializers.IntegerField(help_text="Periods planned in all contents")

    class Meta:
        model = PersonalPlan
        fields = [
            "id",
            "staff",
            "unit",
            "unit_code",
            "year",
            "school_year",
            "programme",
            "unit_plan",
            "status",
            "status_label",
            "planned_periods",
            "submitted_at",
            "decided_at",
            "return_comment",
            "version",
            "updated_at",
        ]


class ItemSerializer(serializers.ModelSerializer):
    topic = serializers.CharField(source="topic.title", allow_null=True, default=None, help_text="For 01/02")
    module = serializers.CharField(source="module.code", allow_null=True, default=None, help_text="For 03")
    module_title = serializers.CharField(source="module.title", allow_null=True, default=None)

    class Meta:
        model = PersonalPlanItem
        fields = ["id", "content", "topic", "module", "module_title", "periods"]


class BalanceSerializer(serializers.Serializer):
    required = serializers.DictField(child=serializers.IntegerField(), help_text="Per content and `total`")
    planned = serializers.DictField(child=serializers.IntegerField(), help_text="Per content and `total`")


class PersonalPlanDetailSerializer(PersonalPlanSerializer):
    items = ItemSerializer(many=True, read_only=True)
    balance = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField(
        help_text="What keeps the plan from meeting the year's periods, in the caller's language; empty: it does"
    )
    deadline = serializers.DateField(source="unit_plan.personal_plan_deadline", allow_null=True, default=None)
    can_edit = serializers.SerializerMethodField(help_text="The caller may choose modules and submit")
    can_decide = serializers.SerializerMethodField(help_text="The caller may approve or return it now")

    class Meta(PersonalPlanSerializer.Meta):
        fields = [
            *PersonalPlanSerializer.Meta.fields,
            "deadline",
            "items",
            "balance",
            "problems",
            "can_edit",
            "can_decide",
        ]

    @extend_schema_field(BalanceSerializer)
    def get_balance(self, plan):
        return self.context["balance"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_problems(self, plan):
        return self.context["problems"]

    @extend_schema_field(serializers.BooleanField())
    def get_can_edit(self, plan):
        return self.context["can_edit"]

    @extend_schema_field(serializers.BooleanField())
    def get_can_decide(self, plan):
        return self.context["can_decide"]


class ModuleChoiceSerializer(serializers.Serializer):
    modules = serializers.ListField(
        child=serializers.CharField(max_length=40),
        allow_empty=True,
        help_text='Codes of the modules chosen for content 03 (replacing the earlier choice), e.g. ["GVPT 04"]',
    )
    version = serializers.IntegerField(
        min_value=1,
        help_text="The version you read: a stale one is refused with 409",
        error_messages={"invalid": _("The version must be a whole number, as read from this plan.")},
    )


class SubmitSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The version you read: a stale one is refused with 409",
        error_messages={"invalid": _("The version must be a whole number, as read from this plan.")},
    )


class DecisionSerializer(SubmitSerializer):
    approve = serializers.BooleanField(help_text="true: approve; false: return it with a comment")
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="Required when returning: what to change"
    )


class PlanConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="stale (read it again) | locked (not in a state that allows this)")


class RefusalSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What is wrong and what to do, in the caller's language")
    problems = serializers.ListField(child=serializers.CharField(), required=False)


# Budgets ------------------------------------------------------------------------------------------------


class BudgetLineSerializer(serializers.ModelSerializer):
    category_label = serializers.CharField(source="get_category_display")
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False)
    rate = serializers.IntegerField(help_text="đồng")
    amount = serializers.IntegerField(help_text="quantity × rate, in đồng")
    rate_card = serializers.CharField(
        source="rate_card.label", allow_null=True, default=None, help_text="The province's rate it follows"
    )
    max_rate = serializers.IntegerField(source="rate_card.max_rate", allow_null=True, default=None)

    class Meta:
        model = BudgetLine
        fields = [
            "id",
            "category",
            "category_label",
            "description",
            "quantity",
            "unit_label",
            "rate",
            "amount",
            "rate_card",
            "max_rate",
            "course_ref",
        ]


class CategoryTotalSerializer(serializers.Serializer):
    category = serializers.CharField()
    label = serializers.CharField()
    lines = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="đồng")


class BudgetSerializer(serializers.Serializer):
    plan = serializers.IntegerField(help_text="Id of the unit plan")
    unit_code = serializers.CharField()
    school_year = serializers.CharField()
    lines = BudgetLineSerializer(many=True)
    by_category = CategoryTotalSerializer(many=True, help_text="Totals in the order of the TT 36/2018 categories")
    total = serializers.IntegerField(help_text="đồng")
