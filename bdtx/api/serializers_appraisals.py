"""What the appraisal API reads and writes: standards, cycles, appraisals, training needs, and the bodies of the
self-assessment and evaluation writes (checked here, then handed to bdtx.appraisals.services)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bdtx.appraisals.models import Appraisal, AppraisalCycle, TrainingNeed
from bdtx.lib.text import clean, fold
from bdtx.rules.classification import RANK
from bdtx.rules.models import Criterion, Standard

LEVEL_CODES = list(RANK)


def level_code(value: object) -> str | None:
    """A level code from a code or a Vietnamese label ("tot", "Tốt", "chưa đạt"); "" for blank; None if unknown."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return None
    code = fold(value).replace(" ", "_")
    return code if code in RANK or code == "" else None


def criterion_number(key: object, count: int) -> int | None:
    text = clean(key)
    if not text.isdigit() or not 1 <= int(text) <= count:
        return None
    return int(text)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string", "enum": LEVEL_CODES, "nullable": True},
        "example": {"1": "tot", "2": "kha", "3": "dat"},
        "description": "Criterion number → level (chua_dat, dat, kha, tot). A Vietnamese label (“Khá”) is accepted "
        'too; null or "" clears a criterion.',
    }
)
class LevelsField(serializers.Field):
    """{criterion number: level} for the appraisal's standard (in the serializer's context as `standard`)."""

    def to_internal_value(self, data):
        count = self.context["standard"].criteria_count
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                _('Send the levels as an object of criterion number → level, e.g. {"1": "tot", "2": "kha"}.')
            )
        levels: dict[str, str] = {}
        errors = []
        for key, value in data.items():
            number = criterion_number(key, count)
            if number is None:
                errors.append(
                    _("“%(key)s” is not a criterion of this standard: use a number from 1 to %(count)d.")
                    % {"key": key, "count": count}
                )
                continue
            code = level_code(value)
            if code is None:
                errors.append(
                    _("Criterion %(number)d: “%(value)s” is not a level; use chua_dat, dat, kha or tot.")
                    % {"number": number, "value": value}
                )
                continue
            levels[str(number)] = code
        if errors:
            raise serializers.ValidationError(errors)
        return levels

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string", "nullable": True},
        "example": {"3": "Dự giờ 4 tiết, 2 tiết đạt loại giỏi"},
        "description": 'Criterion number → text; null or "" clears it.',
    }
)
class NotesField(serializers.Field):
    def to_internal_value(self, data):
        count = self.context["standard"].criteria_count
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Send the notes as an object of criterion number → text."))
        notes: dict[str, str] = {}
        for key, value in data.items():
            number = criterion_number(key, count)
            if number is None:
                raise serializers.ValidationError(
                    _("“%(key)s” is not a criterion of this standard: use a number from 1 to %(count)d.")
                    % {"key": key, "count": count}
                )
            if value is not None and not isinstance(value, str):
                raise serializers.ValidationError(
                    _("Criterion %(number)d: the note must be text.") % {"number": number}
                )
            notes[str(number)] = (value or "").strip()
        return notes

    def to_representation(self, value):
        return value


# Reading ------------------------------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    area = serializers.IntegerField(source="area.number", allow_null=True, default=None)
    area_title = serializers.CharField(source="area.title", allow_null=True, default=None)
    descriptors = serializers.DictField(
        child=serializers.CharField(), help_text="What each level requires: {dat, kha, tot}"
    )
    confirmed = serializers.BooleanField(help_text="False when the sources could not confirm the wording")

    class Meta:
        model = Criterion
        fields = ["number", "title", "area", "area_title", "descriptors", "is_core", "confirmed", "note"]


class StandardSerializer(serializers.ModelSerializer):
    core_criteria = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    unconfirmed = serializers.ListField(
        child=serializers.CharField(), help_text="What the sources could not confirm, one point per line"
    )
    classification = serializers.DictField(help_text="The overall rating rule, as in the rule file")

    class Meta:
        model = Standard
        fields = [
            "code",
            "name",
            "document",
            "subject",
            "criteria_count",
            "core_criteria",
            "classification",
            "self_years",
            "evaluation_years",
            "valid_from",
            "valid_until",
            "unconfirmed",
            "file_version",
        ]


class StandardDetailSerializer(StandardSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)
    source = serializers.DictField(help_text="Where the data comes from")

    class Meta(StandardSerializer.Meta):
        fields = [*StandardSerializer.Meta.fields, "source", "criteria"]


class CycleSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    school_year = serializers.CharField(help_text="e.g. 2025-2026")

    class Meta:
        model = AppraisalCycle
        fields = [
            "id",
            "unit",
            "unit_code",
            "unit_name",
            "year",
            "school_year",
            "title",
            "self_assessment_from",
            "self_assessment_until",
            "opinions_until",
            "evaluation_until",
            "created_at",
        ]


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text="Mã định danh")
    full_name = serializers.CharField()


RATING_HELP = 'chua_dat | dat | kha | tot, or "" while not rated'


class AppraisalSerializer(serializers.ModelSerializer):
    staff = PersonSerializer()
    unit_code = serializers.CharField(source="unit.code")
    standard = serializers.CharField(source="standard.code", help_text="Code of the standard, e.g. tt20-2018")
    school_year = serializers.CharField(source="cycle.school_year")
    self_levels = LevelsField(read_only=True)
    final_levels = LevelsField(read_only=True)
    self_rating = serializers.CharField(help_text=RATING_HELP)
    self_rating_label = serializers.CharField(source="get_self_rating_display")
    final_rating = serializers.CharField(help_text=RATING_HELP + "; computed by the standard's rule")
    final_rating_label = serializers.CharField(source="get_final_rating_display")

    class Meta:
        model = Appraisal
        fields = [
            "id",
            "cycle",
            "school_year",
            "staff",
            "unit",
            "unit_code",
            "standard",
            "self_levels",
            "self_rating",
            "self_rating_label",
            "self_status",
            "self_submitted_at",
            "final_levels",
            "final_rating",
            "final_rating_label",
            "evaluation_status",
            "confirmed_at",
            "version",
            "created_at",
            "updated_at",
        ]


class AppraisalDetailSerializer(AppraisalSerializer):
    self_notes = NotesField(read_only=True)
    final_comments = NotesField(read_only=True)
    declared_criteria = serializers.ListField(child=serializers.IntegerField())

    class Meta(AppraisalSerializer.Meta):
        fields = [
            *AppraisalSerializer.Meta.fields,
            "self_notes",
            "strengths",
            "weaknesses",
            "development_plan",
            "declared_criteria",
            "declared_needs",
            "final_comments",
            "evaluation_comment",
        ]


class FlagSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="not_submitted | no_evidence | all_tot | same_pattern | gap")
    message = serializers.CharField(help_text="What to look at, in the caller's language")


class EvaluationResultSerializer(AppraisalDetailSerializer):
    flags = serializers.SerializerMethodField(
        help_text="On a draft: what would stop confirmation; on a confirmation: the flags acknowledged"
    )

    class Meta(AppraisalDetailSerializer.Meta):
        fields = [*AppraisalDetailSerializer.Meta.fields, "flags"]

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, appraisal):
        return [{"code": flag.code, "message": flag.message} for flag in self.context.get("flags", [])]


class TrainingNeedSerializer(serializers.ModelSerializer):
    staff = PersonSerializer()
    unit_code = serializers.CharField(source="unit.code")
    standard = serializers.CharField(source="standard_code", allow_null=True, help_text="Code of the standard")
    criterion = serializers.IntegerField(source="criterion.number", allow_null=True, default=None)
    criterion_title = serializers.CharField(source="criterion.title", allow_null=True, default=None)
    level = serializers.CharField(help_text='The level that made it a need (source rating), else ""')
    source = serializers.CharField(help_text="rating (rated lowest) | declared (by the person)")

    class Meta:
        model = TrainingNeed
        fields = [
            "id",
            "year",
            "staff",
            "unit",
            "unit_code",
            "appraisal",
            "standard",
            "criterion",
            "criterion_title",
            "level",
            "source",
            "text",
        ]


# Writing ------------------------------------------------------------------------------------------------


def version_field(*, required: bool = True) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=required,
        min_value=1,
        help_text="The version you read: a stale one is refused with 409",
        error_messages={"invalid": _("The version must be a whole number, as read from this appraisal.")},
    )


class SelfAssessmentSerializer(serializers.Serializer):
    """A PATCH: what is not sent is kept; `levels` and `notes` change only the criteria sent."""

    version = version_field()
    levels = LevelsField(required=False)
    notes = NotesField(required=False)
    strengths = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    weaknesses = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    development_plan = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    declared_criteria = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Criterion numbers the person wants training on"
    )
    declared_needs = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def validate_declared_criteria(self, value):
        count = self.context["standard"].criteria_count
        wrong = sorted({n for n in value if not 1 <= n <= count})
        if wrong:
            raise serializers.ValidationError(
                _("The standard has no criterion %(numbers)s: use numbers from 1 to %(count)d.")
                % {"numbers": ", ".join(map(str, wrong)), "count": count}
            )
        return value


class EvaluationSerializer(serializers.Serializer):
    levels = LevelsField(
        required=False,
        help_text="Changes to the levels: the evaluation starts from the saved draft, else the self-assessment",
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    comments = NotesField(required=False, help_text="Comments per criterion")
    confirm = serializers.BooleanField(default=False, help_text="Confirm and lock (false: keep a draft)")
    acknowledge_flags = serializers.BooleanField(
        default=False, help_text="Confirm even though flags were raised (they are kept in the audit trail)"
    )
    version = version_field(required=False)


class FlagsConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="needs_acknowledgement")
    flags = FlagSerializer(many=True)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="stale | locked")
