"""Attendance of a session as the API shows and takes it: one row per enrolled learner, and the whole sheet put
back as [{enrolment, present, excused, was}] (`was`: the mark as read, so that a newer one is never overwritten)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bdtx.delivery.attendance import MARKS, mark_of
from bdtx.delivery.models import AttendanceMethod, Enrolment


def record_of(enrolment: Enrolment):
    """The learner's attendance at the session (prefetched as `this_session`), or None when not recorded."""
    rows = getattr(enrolment, "this_session", [])
    return rows[0] if rows else None


class AttendanceRowSerializer(serializers.ModelSerializer):
    enrolment = serializers.IntegerField(source="pk", read_only=True)
    staff_code = serializers.CharField(source="staff.code", read_only=True)
    full_name = serializers.CharField(source="staff.full_name", read_only=True)
    unit_code = serializers.CharField(source="staff.unit.code", read_only=True)
    unit_name = serializers.CharField(source="staff.unit.name", read_only=True)
    mark = serializers.SerializerMethodField(help_text="present | absent | excused; null: not recorded yet")
    present = serializers.SerializerMethodField()
    excused = serializers.SerializerMethodField()
    method = serializers.SerializerMethodField(help_text="How it was recorded: " + ", ".join(AttendanceMethod.values))
    recorded_at = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = [
            "enrolment", "staff", "staff_code", "full_name", "unit_code", "unit_name", "mark", "present", "excused",
            "method", "recorded_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=MARKS, allow_null=True))
    def get_mark(self, enrolment: Enrolment) -> str | None:
        row = record_of(enrolment)
        return mark_of(row.present, row.excused) if row else None

    def get_present(self, enrolment: Enrolment) -> bool | None:
        row = record_of(enrolment)
        return row.present if row else None

    def get_excused(self, enrolment: Enrolment) -> bool | None:
        row = record_of(enrolment)
        return row.excused if row else None

    @extend_schema_field(serializers.ChoiceField(choices=AttendanceMethod.values, allow_null=True))
    def get_method(self, enrolment: Enrolment) -> str | None:
        row = record_of(enrolment)
        return row.method if row else None

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_recorded_at(self, enrolment: Enrolment):
        row = record_of(enrolment)
        return serializers.DateTimeField().to_representation(row.recorded_at) if row else None


class AttendanceEntrySerializer(serializers.Serializer):
    enrolment = serializers.IntegerField(min_value=1, help_text="The enrolment's id (see the list)")
    present = serializers.BooleanField()
    excused = serializers.BooleanField(default=False, help_text="An excused absence (only when not present)")
    was = serializers.ChoiceField(
        choices=MARKS,
        allow_null=True,
        help_text="The mark as you read it (GET), null if none: a learner whose mark someone else changed since is "
        "refused (409) unless you send the same mark",
    )

    def validate(self, data):
        if data["present"] and data["excused"]:
            raise serializers.ValidationError(
                {"excused": [_("A learner who is present is not excused: set excused to false.")]}
            )
        return data


class SheetSavedSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    attendance_taken = serializers.BooleanField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
