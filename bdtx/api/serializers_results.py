"""What the results API reads and writes: yearly results (with their reasons in words and the periods ledger),
their history, and the body of a batch recognition (checked here, then handed to bdtx.results.services)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bdtx.results import reports
from bdtx.results.models import ResultEvent, YearResult

from .serializers_appraisals import PersonSerializer

OUTCOME_HELP = "hoan_thanh (Hoàn thành kế hoạch BDTX) | khong_hoan_thanh (Không hoàn thành kế hoạch BDTX)"


class ResultSerializer(serializers.ModelSerializer):
    staff = PersonSerializer()
    unit_code = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    school_year = serializers.CharField(help_text="e.g. 2026-2027")
    outcome = serializers.CharField(help_text=OUTCOME_HELP)
    outcome_label = serializers.SerializerMethodField(help_text="The outcome as the rule words it")
    recognised = serializers.BooleanField(help_text="Recognised by the competent unit: locked")
    corrected = serializers.BooleanField(help_text="Set by hand (see the history): recomputing leaves it")

    class Meta:
        model = YearResult
        fields = [
            "id",
            "staff",
            "unit_code",
            "unit_name",
            "year",
            "school_year",
            "outcome",
            "outcome_label",
            "periods_planned",
            "periods_earned",
            "recognised",
            "recognised_at",
            "corrected",
            "version",
        ]

    def get_outcome_label(self, result) -> str:
        return reports.outcome_label(result.outcome)


class ReasonSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="no_plan | module_missing | module_pending | module_failed | content_short")
    values = serializers.DictField(help_text='e.g. {"module": "GVPT 05"} or {"content": "01", "earned": 20, …}')
    text = serializers.CharField(help_text="The reason as a sentence, in the language asked for")


class LineSerializer(serializers.Serializer):
    content = serializers.CharField(help_text="01, 02 or 03")
    module = serializers.CharField(help_text="The module's code for 03; empty for 01 and 02")
    title = serializers.CharField()
    planned = serializers.IntegerField(help_text="Periods planned")
    earned = serializers.IntegerField(help_text="Periods completed (passed classes)")
    done = serializers.BooleanField()
    classes = serializers.ListField(child=serializers.CharField(), help_text="Codes of the classes that count")


class EventSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()
    outcome_before = serializers.SerializerMethodField()
    outcome_after = serializers.SerializerMethodField()

    class Meta:
        model = ResultEvent
        fields = ["action", "at", "by", "reason", "outcome_before", "outcome_after"]

    def get_by(self, event) -> str:
        return event.by.get_username() if event.by else ""

    def get_outcome_before(self, event) -> str:
        return event.before.get("outcome", "")

    def get_outcome_after(self, event) -> str:
        return event.after.get("outcome", "")


class ResultDetailSerializer(ResultSerializer):
    reasons = serializers.SerializerMethodField(help_text="What is missing; empty when completed")
    lines = LineSerializer(many=True, help_text="The periods ledger, one line per planned content or module")
    rule = serializers.CharField(help_text="The rule data it was derived by, e.g. tt19-2019 v1")
    recognised_by = serializers.SerializerMethodField()
    events = EventSerializer(many=True, help_text="Recognised, corrected, reopened: who, when, why")

    class Meta(ResultSerializer.Meta):
        fields = [*ResultSerializer.Meta.fields, "reasons", "lines", "rule", "computed_at", "recognised_by", "events"]

    @extend_schema_field(ReasonSerializer(many=True))
    def get_reasons(self, result) -> list:
        texts = reports.reasons_text(result)
        return [
            {"key": key, "values": values, "text": text}
            for (key, values), text in zip(result.reasons, texts, strict=True)
        ]

    def get_recognised_by(self, result) -> str:
        return result.recognised_by.get_username() if result.recognised_by else ""


class RecogniseSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=5000,
        help_text="Ids of the results to recognise (up to 5,000)",
        error_messages={"min_length": _("List the ids of the results to recognise in “ids”.")},
    )


class RecognisedSerializer(serializers.Serializer):
    recognised = serializers.IntegerField(help_text="How many were recognised now")
    already = serializers.ListField(child=serializers.IntegerField(), help_text="Ids recognised before")
