"""What the classes API reads and writes: classes (with sessions and presenters), enrolments, and the body of an
enrolment by hand (checked here, then handed to bdtx.delivery.services.enrol_people)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bdtx.delivery.models import ClassSession, Enrolment, Trainer, TrainingClass
from bdtx.delivery.services import trainer_gaps

from .serializers_appraisals import PersonSerializer


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ClassSerializer(serializers.ModelSerializer):
    organiser = UnitRefSerializer()
    school_year = serializers.CharField(help_text="e.g. 2027-2028")
    modules = serializers.SerializerMethodField(help_text="Codes of the modules taught (content 03)")
    topic = serializers.CharField(source="topic.title", default=None, help_text="Topic of content 01/02, if any")
    mode = serializers.CharField(help_text="tap_trung | tu_xa | ket_hop")
    status = serializers.CharField(help_text="draft | open | running | closed")
    enrolled = serializers.IntegerField(source="enrolled_count", help_text="People enrolled")
    waiting = serializers.IntegerField(source="waiting_count", help_text="People on the waiting list")

    class Meta:
        model = TrainingClass
        fields = [
            "id",
            "code",
            "title",
            "year",
            "school_year",
            "content",
            "modules",
            "topic",
            "organiser",
            "periods",
            "mode",
            "capacity",
            "enrolled",
            "waiting",
            "enrol_opens",
            "enrol_closes",
            "self_enrol",
            "min_attendance_percent",
            "status",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_modules(self, training_class) -> list[str]:
        return [module.code for module in training_class.modules.all()]


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClassSession
        fields = ["id", "date", "starts_at", "ends_at", "place", "online_link", "periods", "attendance_taken"]


class TrainerSerializer(serializers.ModelSerializer):
    meets_requirements = serializers.SerializerMethodField(help_text="Shows all that TT 19/2019 Điều 9 asks")
    missing = serializers.SerializerMethodField(help_text="What the register does not show, in the caller's language")

    class Meta:
        model = Trainer
        fields = [
            "id",
            "full_name",
            "workplace",
            "degree",
            "bdtx_years",
            "it_standard",
            "meets_requirements",
            "missing",
        ]

    def get_meets_requirements(self, trainer) -> bool:
        return not trainer_gaps(trainer)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing(self, trainer) -> list[str]:
        return trainer_gaps(trainer)


class ClassDetailSerializer(ClassSerializer):
    sessions = SessionSerializer(many=True, read_only=True)
    trainers = TrainerSerializer(many=True, read_only=True)

    class Meta(ClassSerializer.Meta):
        fields = [*ClassSerializer.Meta.fields, "description", "sessions", "trainers", "version"]


class ClassRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    year = serializers.IntegerField()


class EnrolmentSerializer(serializers.ModelSerializer):
    training_class = ClassRefSerializer(help_text="The class")
    staff = PersonSerializer()
    unit_code = serializers.CharField(source="staff.unit.code", help_text="The person's unit")
    status = serializers.CharField(help_text="requested | waiting | enrolled | withdrawn | rejected")
    source = serializers.CharField(help_text="plan | hand | self | lms")
    outcome = serializers.CharField(help_text="pending | passed | failed (derived from attendance and scores)")
    reasons = serializers.JSONField(help_text="[[key, values], …] why not passed (yet)")

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "training_class",
            "staff",
            "unit_code",
            "status",
            "source",
            "requested_at",
            "decided_at",
            "outcome",
            "reasons",
            "sessions_attended",
            "final_score",
            "completed_at",
        ]


class EnrolBodySerializer(serializers.Serializer):
    staff = serializers.CharField(help_text="The person to enrol: their id, or their Mã định danh (staff code)")


class EnrolResultSerializer(EnrolmentSerializer):
    clashes = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of other classes the person is in at the same time"
    )

    class Meta(EnrolmentSerializer.Meta):
        fields = [*EnrolmentSerializer.Meta.fields, "clashes"]
