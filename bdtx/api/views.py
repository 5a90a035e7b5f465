"""The thin REST layer: scoped reads, writes through the same services as the forms and the import.

Generic views rather than function views here: DRF's generics give pagination and an exact OpenAPI schema
for free, and each one stays a few lines. A record outside the caller's units is 404 (it does not exist
for them); a record they may see but not change is 403."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.pagination import PageNumberPagination

from bdtx.accounts import permissions
from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.lib.text import clean, fold
from bdtx.organisations.models import Unit, UnitKind
from bdtx.organisations.services import StaleUnit, TreeError, create_unit, update_unit
from bdtx.staff.models import ChangeSource, StaffMember
from bdtx.staff.services import StaleRecord, create_staff, update_staff
from bdtx.staff.validation import GROUPS, LABELS, LEVELS, STATUSES

from .serializers import StaffSerializer, UnitSerializer


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def bad_parameter(name: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: [message]})


def filter_choice(value: str, aliases, labels_key: str, name: str) -> str:
    try:
        return cells.choice(value, aliases, label_list=LABELS[labels_key])
    except Invalid as error:
        raise bad_parameter(name, str(error)) from None


def new_child_of(parent: Unit) -> Unit:
    """An unsaved unit standing for one about to be created under `parent`, for can_edit_unit_tree."""
    return Unit(parent=parent, path=f"{parent.path}new/", depth=parent.depth + 1)


UNIT_FILTERS = [
    OpenApiParameter("parent", OpenApiTypes.INT, description="Only the direct children of this unit"),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=UnitKind.values),
    OpenApiParameter("q", OpenApiTypes.STR, description="Words of the name or code, with or without diacritics"),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Up to 500"),
]
STAFF_FILTERS = [
    OpenApiParameter("unit", OpenApiTypes.STR, description="Unit id or code: people of that unit and the units below"),
    OpenApiParameter("level", OpenApiTypes.STR, description="Level taught (code or label, e.g. tieu_hoc / Tiểu học)"),
    OpenApiParameter("group", OpenApiTypes.STR, description="teacher | manager | employee (or a Vietnamese label)"),
    OpenApiParameter("status", OpenApiTypes.STR, description="working | transferred_out | retired | left"),
    OpenApiParameter("q", OpenApiTypes.STR, description="Name, code, CCCD or e-mail; diacritics optional"),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Up to 500"),
]
WRITE_ERRORS = {
    400: OpenApiResponse(description="Field-keyed messages: {field: [message]}"),
    403: OpenApiResponse(description="Visible to you but not yours to change"),
    404: OpenApiResponse(description="Not among your units"),
}


@extend_schema_view(
    get=extend_schema(summary="Units in your scope", parameters=UNIT_FILTERS),
    post=extend_schema(summary="Create a unit under one you manage", responses={201: UnitSerializer, **WRITE_ERRORS}),
)
class UnitList(generics.ListCreateAPIView):
    serializer_class = UnitSerializer
    pagination_class = Pagination
    queryset = Unit.objects.none()

    def get_queryset(self):
        units = permissions.units_in_scope(self.request.user).select_related("parent")
        params = self.request.query_params
        if parent := clean(params.get("parent")):
            if not parent.isdigit():
                raise bad_parameter("parent", _("“%(value)s” is not a unit id.") % {"value": parent})
            units = units.filter(parent_id=int(parent))
        if kind := clean(params.get("kind")):
            if kind not in UnitKind.values:
                raise bad_parameter(
                    "kind",
                    _("“%(value)s” is not a unit kind. Use one of: %(choices)s.")
                    % {"value": kind, "choices": ", ".join(UnitKind.values)},
                )
            units = units.filter(kind=kind)
        if words := fold(params.get("q")).split():
            # Units are few (hundreds in a province): fold their names here rather than keep a search column.
            matching = [
                pk
                for pk, code, name in units.values_list("pk", "code", "name")
                if all(word in f"{fold(name)} {code.lower()}" for word in words)
            ]
            units = units.filter(pk__in=matching)
        return units

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        values.pop("stamp", None)
        parent = values.pop("parent")
        allowed = permissions.can_edit_unit_tree(self.request.user, new_child_of(parent) if parent else None)
        if not allowed:
            raise exceptions.PermissionDenied(_("You may create units only below a unit you manage."))
        values.setdefault("kind", UnitKind.SCHOOL)
        serializer.instance = create_unit(parent=parent, **values)


@extend_schema_view(
    get=extend_schema(summary="One unit"),
    put=extend_schema(
        summary="Change a unit below one you manage (send the stamp you read)",
        responses={200: UnitSerializer, **WRITE_ERRORS, 409: OpenApiResponse(description="Changed since read")},
    ),
    patch=extend_schema(
        summary="Change some fields of a unit (send the stamp you read)",
        responses={200: UnitSerializer, **WRITE_ERRORS, 409: OpenApiResponse(description="Changed since read")},
    ),
)
class UnitDetail(generics.RetrieveUpdateAPIView):
    serializer_class = UnitSerializer
    queryset = Unit.objects.none()

    def get_object(self):
        return get_object_or_404(
            permissions.units_in_scope(self.request.user).select_related("parent"), pk=self.kwargs["pk"]
        )

    def perform_update(self, serializer):
        user, unit = self.request.user, serializer.instance
        values = dict(serializer.validated_data)
        if not permissions.can_edit_unit_tree(user, unit):
            raise exceptions.PermissionDenied(_("You may change only units below the one you manage."))
        parent = values.get("parent", unit.parent)
        if parent != unit.parent and not permissions.can_edit_unit_tree(user, new_child_of(parent) if parent else None):
            raise exceptions.PermissionDenied(_("You may move a unit only below a unit you manage."))
        # Required (the endpoint is not in the acceptance contract, which names only the list): without what the
        # caller read, a change would silently overwrite someone else's.
        stamp = values.pop("stamp", None)
        if stamp is None:
            raise bad_parameter(
                "stamp",
                _("Send “stamp” as you read it with GET: a change based on an old read is refused, not applied."),
            )
        try:
            serializer.instance = update_unit(unit, by=user, stamp=stamp, **values)
        except TreeError as error:
            raise bad_parameter("parent", str(error)) from None
        except StaleUnit as error:
            raise Conflict(str(error)) from None


@extend_schema_view(
    get=extend_schema(summary="Staff in your scope", parameters=STAFF_FILTERS),
    post=extend_schema(summary="Add a person to a unit you manage", responses={201: StaffSerializer, **WRITE_ERRORS}),
)
class StaffList(generics.ListCreateAPIView):
    serializer_class = StaffSerializer
    pagination_class = Pagination
    queryset = StaffMember.objects.none()

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        staff = StaffMember.objects.visible_to(user).select_related("unit")
        if value := clean(params.get("unit")):
            condition = Q(code=value) | Q(pk=int(value)) if value.isdigit() else Q(code=value)
            candidates = list(permissions.units_in_scope(user).filter(condition))
            by_pk = [u for u in candidates if str(u.pk) == value]
            unit = (by_pk or candidates or [None])[0]
            if unit is None:
                raise bad_parameter("unit", _("There is no unit “%(value)s” among your units.") % {"value": value})
            staff = staff.within(unit)
        if value := params.get("level"):
            staff = staff.with_level(filter_choice(value, LEVELS, "levels", "level"))
        if value := params.get("group"):
            staff = staff.filter(group=filter_choice(value, GROUPS, "group", "group"))
        if value := params.get("status"):
            staff = staff.filter(status=filter_choice(value, STATUSES, "status", "status"))
        if value := params.get("q"):
            staff = staff.search(value)
        return staff

    def create(self, request, *args, **kwargs):
        if not permissions.can_manage_staff(request.user):
            raise exceptions.PermissionDenied(_("Your account cannot add staff records."))
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        values.pop("version", None)
        unit = values.pop("unit")
        if not permissions.can_manage_unit(self.request.user, unit):
            raise exceptions.PermissionDenied(_("You may add people only to units you manage."))
        serializer.instance = create_staff(unit=unit, by=self.request.user, source=ChangeSource.API, **values)


@extend_schema_view(
    get=extend_schema(summary="One person"),
    put=extend_schema(
        summary="Change a person's record",
        responses={200: StaffSerializer, **WRITE_ERRORS, 409: OpenApiResponse(description="Stale version")},
    ),
    patch=extend_schema(
        summary="Change some fields of a person's record",
        responses={200: StaffSerializer, **WRITE_ERRORS, 409: OpenApiResponse(description="Stale version")},
    ),
)
class StaffDetail(generics.RetrieveUpdateAPIView):
    serializer_class = StaffSerializer
    queryset = StaffMember.objects.none()

    def get_object(self):
        member = get_object_or_404(
            StaffMember.objects.visible_to(self.request.user).select_related("unit"), pk=self.kwargs["pk"]
        )
        if self.request.method not in ("GET", "HEAD", "OPTIONS") and not permissions.can_manage_unit(
            self.request.user, member.unit
        ):
            raise exceptions.PermissionDenied(_("You can see this record but not change it. Ask your school."))
        return member

    def perform_update(self, serializer):
        user, member = self.request.user, serializer.instance
        values = dict(serializer.validated_data)
        version = values.pop("version", None)
        stale = _("Someone else changed this record after you read it (version %(sent)s, now %(now)s). Read it again.")
        if version is not None and version != member.version:
            raise Conflict(stale % {"sent": version, "now": member.version})
        unit = values.pop("unit", None)
        if unit is not None and not permissions.can_manage_unit(user, unit):
            raise exceptions.PermissionDenied(_("You may move people only to units you manage."))
        try:
            updated = update_staff(
                member, by=user, source=ChangeSource.API, expected_version=version, unit=unit, **values
            )
        except StaleRecord as error:
            raise Conflict(str(error)) from None
        serializer.instance = StaffMember.objects.select_related("unit").get(pk=updated.pk)
