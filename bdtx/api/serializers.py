"""What the API reads and writes. Staff values are read by the same parsers as the spreadsheet import
(bdtx.staff.validation), so the two doors can never disagree about what is valid."""

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bdtx.accounts import permissions
from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.lib.text import clean
from bdtx.organisations.models import Level, Unit, UnitKind
from bdtx.organisations.services import unit_stamp
from bdtx.privacy.models import AccessLog
from bdtx.privacy.services import PERSONAL_FIELDS, can_see_personal, log_access, masked
from bdtx.staff.models import StaffGroup, StaffMember, Status
from bdtx.staff.validation import COLUMN_BY_FIELD, COLUMNS, LABELS, LEVELS, validate_row

FIELD_BY_HEADER = {column.header: column.field for column in COLUMNS}
STAFF_REQUIRED = ["code", "full_name", "birth_date"]
# A cross-field problem reported on a field (the key) comes from these fields: shown only when one was sent.
CROSS_FIELD_SOURCES = {
    "citizen_id": {"citizen_id", "birth_date", "gender"},
    "birth_date": {"birth_date", "status"},
    "joined_on": {"joined_on", "birth_date"},
}


def required_message() -> str:
    return _("This field is required.")


class RawField(serializers.Field):
    """Passes the value as sent to the shared parsers, which give the messages people see."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.STR)
class TextField(RawField):
    pass


@extend_schema_field(OpenApiTypes.INT)
class IdField(RawField):
    pass


@extend_schema_field(OpenApiTypes.BOOL)
class FlagField(RawField):
    pass


@extend_schema_field(OpenApiTypes.DATE)
class DateValueField(RawField):
    def to_representation(self, value):
        return value.isoformat() if isinstance(value, dt.date) else value


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": [level.value for level in Level]}})
class LevelsField(RawField):
    """Stored as comma-separated codes; shown as a list. Accepts a list or a comma-separated text,
    with codes or Vietnamese labels ("Tiểu học")."""

    def to_internal_value(self, data):
        if isinstance(data, list | tuple):
            return ",".join(clean(part) for part in data)
        return data

    def to_representation(self, value):
        return [code for code in (value or "").split(",") if code]


def parse_levels(value: object) -> str:
    return cells.choices(value, LEVELS, label_list=LABELS["levels"])


def resolve_unit(user, *, unit_id: object = None, unit_code: object = None) -> Unit:
    """A unit among the user's units by id or code; Invalid with a message otherwise."""
    scope = permissions.units_in_scope(user)
    if not cells.is_blank(unit_id):
        try:
            pk = int(str(unit_id).strip())
        except ValueError:
            message = _("“%(value)s” is not a unit id: send the number from /api/v1/units/.")
            raise Invalid(message % {"value": unit_id}) from None
        unit = scope.filter(pk=pk).first()
        if unit is None:
            message = _("There is no unit with id %(value)s among your units. Check /api/v1/units/.")
            raise Invalid(message % {"value": pk})
        return unit
    code = clean(unit_code)
    unit = scope.filter(code=code).first()
    if unit is None:
        message = _("There is no unit with code “%(value)s” among your units. Check /api/v1/units/.")
        raise Invalid(message % {"value": code})
    return unit


class UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = TextField(help_text="Mã đơn vị (unique)")
    name = TextField(help_text="Tên đơn vị")
    kind = TextField(help_text="One of: " + ", ".join(kind.value for kind in UnitKind))
    levels = LevelsField(help_text="Cấp học")
    parent = IdField(source="parent_id", help_text="Id of the parent unit (or send parent_code)")
    parent_code = TextField(help_text="Code of the parent unit (instead of parent)")
    active = FlagField()
    stamp = TextField(
        help_text="What the unit was when read: send it back with a change (PUT/PATCH). If someone changed the unit "
        "since, the change is refused (409): read it again."
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["parent_code"] = instance.parent.code if instance.parent_id else None
        data["stamp"] = unit_stamp(instance)
        return data

    def validate(self, attrs):
        """Fields sent → clean values for the unit services; `parent` becomes a Unit (or None)."""
        user = self.context["request"].user
        instance: Unit | None = self.instance
        creating = instance is None
        values: dict = {}
        errors: dict[str, list[str]] = {}
        if creating or not self.partial:
            for name in ("code", "name"):
                if cells.is_blank(attrs.get(name)):
                    errors[name] = [required_message()]
        for name, max_length in (("code", 40), ("name", 255)):
            if name in attrs and name not in errors:
                try:
                    values[name] = cells.text(attrs[name], max_length=max_length)
                    if name == "code":
                        values[name] = values[name].replace(" ", "")
                    if not values[name]:
                        errors[name] = [required_message()]
                except Invalid as error:
                    errors[name] = [str(error)]
        if "code" in values and "code" not in errors:
            clash = Unit.objects.filter(code=values["code"])
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["code"] = [
                    _("Another unit already has the code “%(code)s”. Each unit needs its own code.")
                    % {"code": values["code"]}
                ]
        if "kind" in attrs:
            kind = clean(attrs["kind"])
            if kind in UnitKind.values:
                values["kind"] = kind
            elif not kind and creating:
                values["kind"] = UnitKind.SCHOOL
            else:
                errors["kind"] = [
                    _("“%(value)s” is not a unit kind. Use one of: %(choices)s.")
                    % {"value": kind, "choices": ", ".join(UnitKind.values)}
                ]
        if "levels" in attrs:
            try:
                values["levels"] = parse_levels(attrs["levels"])
            except Invalid as error:
                errors["levels"] = [str(error)]
        if "active" in attrs:
            try:
                values["active"] = True if attrs["active"] is None else cells.yes_no(attrs["active"])
            except Invalid as error:
                errors["active"] = [str(error)]
        if "parent_id" in attrs or "parent_code" in attrs:
            parent_id, parent_code = attrs.get("parent_id"), attrs.get("parent_code")
            if cells.is_blank(parent_id) and cells.is_blank(parent_code):
                values["parent"] = None
            else:
                try:
                    values["parent"] = resolve_unit(user, unit_id=parent_id, unit_code=parent_code)
                except Invalid as error:
                    errors["parent"] = [str(error)]
        elif creating:
            values["parent"] = None
        if not cells.is_blank(attrs.get("stamp")):
            values["stamp"] = clean(attrs["stamp"])
        if errors:
            raise serializers.ValidationError(errors)
        return values


@extend_schema_field(
    {"type": "string", "example": "1985-09-05", "description": "YYYY-MM-DD; **/**/YYYY when masked for the caller"}
)
class PersonalDateField(DateValueField):
    """A birth date: a date, or only its year ("**/**/1985") for callers who may not see it in full."""


class StaffListSerializer(serializers.ListSerializer):
    """A page of people. When it shows anyone's personal data in full (other than the caller's own), the page
    is logged once, with its filters and how many people it showed in full (bdtx.privacy)."""

    def to_representation(self, data):
        items = list(data)
        rows = super().to_representation(items)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        shown_in_full = sum(
            1
            for item, row in zip(items, rows, strict=True)
            if not row["personal_data_masked"] and item.user_id != getattr(user, "pk", None)
        )
        if shown_in_full:
            log_access(
                user=user,
                kind=AccessLog.Kind.LIST,
                what="api:staff-list",
                request=request,
                filters={key: request.query_params.get(key) for key in request.query_params},
                rows=shown_in_full,
            )
        return rows


class StaffSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = TextField(help_text="Mã định danh (unique; required)")
    full_name = TextField(help_text="Họ và tên (required)")
    family_name = serializers.CharField(read_only=True)
    middle_name = serializers.CharField(read_only=True)
    given_name = serializers.CharField(read_only=True)
    birth_date = PersonalDateField(
        help_text="Ngày sinh (required): YYYY-MM-DD or dd/mm/yyyy. Read back as YYYY-MM-DD, or **/**/YYYY when masked"
    )
    gender = TextField(help_text="nam | nu (or Nam / Nữ)")
    citizen_id = TextField(
        help_text="Số CCCD: 12 digits, agreeing with the birth date and gender. Read back masked (012*******23) "
        "unless the caller may see it in full"
    )
    ethnicity = TextField()
    unit = IdField(source="unit_id", help_text="Id of the unit (or send unit_code); required to create")
    unit_code = TextField(help_text="Code of the unit (instead of unit)")
    position = TextField()
    group = TextField(help_text="teacher | manager | employee (or Giáo viên / Cán bộ quản lý / Nhân viên)")
    levels = LevelsField(help_text="Cấp học")
    subjects = TextField()
    qualification = TextField(help_text="Trình độ đào tạo: " + ", ".join(COLUMN_BY_FIELD["qualification"].labels))
    professional_title = TextField()
    is_core = FlagField(help_text="Cốt cán")
    phone = TextField(help_text="Read back masked (09******78) unless the caller may see it in full")
    email = TextField()
    joined_on = DateValueField(help_text="Ngày vào ngành")
    status = TextField(help_text="working | transferred_out | retired | left")
    version = IdField(help_text="Send the version you read with an update: a stale one is refused with 409")
    personal_data_masked = serializers.SerializerMethodField(
        help_text="True when the citizen ID, birth date and phone are masked for the caller (Nghị định 13/2023)"
    )

    class Meta:
        list_serializer_class = StaffListSerializer

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_personal_data_masked(self, instance) -> bool:
        request = self.context.get("request")
        return not can_see_personal(getattr(request, "user", None), instance)

    def to_representation(self, instance):
        """The record as the caller may see it: personal fields masked by bdtx.privacy's rule. A full record
        shown to someone other than the person is logged (a page of them, once, by StaffListSerializer)."""
        data = super().to_representation(instance)
        data["unit_code"] = instance.unit.code
        if data["personal_data_masked"]:
            for name in PERSONAL_FIELDS:
                if data[name]:
                    data[name] = masked(name, getattr(instance, name))
        elif self.parent is None:
            request = self.context.get("request")
            if request is not None and instance.user_id != request.user.pk:
                log_access(
                    user=request.user,
                    kind=AccessLog.Kind.VIEW,
                    what="api:staff-detail",
                    request=request,
                    staff=instance,
                )
        return data

    def validate(self, attrs):
        """Fields sent → clean values for create_staff/update_staff, with `unit` as a Unit when sent."""
        user = self.context["request"].user
        instance: StaffMember | None = self.instance
        creating = instance is None
        sent = {name: value for name, value in attrs.items() if name in COLUMN_BY_FIELD and name != "unit_code"}
        # Rules across fields are checked against the record as it will be after the change.
        row = dict(sent)
        if instance is not None:
            for name in ("birth_date", "gender", "citizen_id", "joined_on", "status"):
                row.setdefault(name, getattr(instance, name))
        parsed, problems = validate_row(row)
        errors: dict[str, list[str]] = {}
        for header, message in problems:
            name = FIELD_BY_HEADER[header]
            if name in sent or CROSS_FIELD_SOURCES.get(name, set()) & sent.keys():
                errors.setdefault(name, []).append(message)
        if creating or not self.partial:
            for name in STAFF_REQUIRED:
                if name not in sent:
                    errors.setdefault(name, [required_message()])
        values = {name: parsed[name] for name in sent if name in parsed}
        if "status" in values and not values["status"]:
            values["status"] = Status.WORKING
        if "group" in values and not values["group"]:
            values["group"] = StaffGroup.TEACHER
        self._check_unique(values, instance, errors)
        unit_id, unit_code = attrs.get("unit_id"), attrs.get("unit_code")
        if cells.is_blank(unit_id) and cells.is_blank(unit_code):
            if creating:
                errors.setdefault("unit", [required_message()])
        else:
            try:
                values["unit"] = resolve_unit(user, unit_id=unit_id, unit_code=unit_code)
            except Invalid as error:
                errors.setdefault("unit", []).append(str(error))
        if not cells.is_blank(attrs.get("version")):
            try:
                values["version"] = int(attrs["version"])
            except (TypeError, ValueError):
                errors["version"] = [_("The version must be a whole number, as read from this record.")]
        if errors:
            raise serializers.ValidationError(errors)
        return values

    @staticmethod
    def _check_unique(values: dict, instance: StaffMember | None, errors: dict) -> None:
        messages = {
            "code": _("Another staff member already has the code “%(value)s”. Each person needs their own code."),
            "citizen_id": _("Another staff member already has the citizen ID %(value)s. Check the number."),
        }
        for name, message in messages.items():
            value = values.get(name)
            if not value or name in errors:
                continue
            clash = StaffMember.objects.filter(**{name: value})
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors[name] = [message % {"value": value}]
