"""The dashboards API: a unit's figures for a school year (every section, the unit and each child unit, as the page
shows them) and the targets with their status at a unit; officers create targets. Scoped like the pages: a unit
outside the caller's reach is 404."""

from types import SimpleNamespace

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from bdtx.dashboards import figures, services, targets
from bdtx.dashboards.models import Target
from bdtx.dashboards.permissions import can_set_targets, can_view_unit, target_units, top_unit
from bdtx.lib.schoolyear import current_school_year, school_year_label
from bdtx.organisations.models import Unit

from .serializers_dashboards import DashboardSerializer, TargetSerializer
from .views import Pagination, bad_parameter
from .views_appraisals import PAGE_SIZE, unit_param, whole_number

YEAR = OpenApiParameter(
    "year",
    OpenApiTypes.INT,
    description="School year by its first calendar year (2026: 2026-27); default: the current one",
)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_param(params) -> int:
    year = whole_number(params, "year")
    if year is None:
        return current_school_year()
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise bad_parameter(
            "year", _("“%(value)s” is not a school year: use its first calendar year, e.g. 2026.") % {"value": year}
        )
    return year


def viewable_unit(request, pk: int) -> Unit:
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
    if not can_view_unit(request.user, unit):
        raise exceptions.NotFound()
    return unit


def _targets_data(request, unit: Unit, year: int, found) -> list[dict]:
    lines = figures.measure_targets(unit, year, found)
    measured = {line.target.pk: line.measured for line in lines}
    return TargetSerializer(found, many=True, context={"request": request, "measured": measured}).data


class UnitDashboard(generics.GenericAPIView):
    serializer_class = DashboardSerializer
    queryset = Unit.objects.none()

    @extend_schema(
        summary="A unit's dashboard for a school year: every section for the unit and each child unit",
        parameters=[
            YEAR,
            OpenApiParameter("standard", OpenApiTypes.STR, description="Heat map's standard, e.g. tt20-2018"),
        ],
        responses={200: DashboardSerializer, 404: OpenApiResponse(description="Not among your units")},
    )
    def get(self, request, pk: int):
        unit = viewable_unit(request, pk)
        year = year_param(request.query_params)
        state, job = services.ensure_fresh(year, by=request.user)
        dashboard = figures.build(unit, year, standard=request.query_params.get("standard", ""))
        found = list(targets.applying_at(unit, year, request.user))
        data = SimpleNamespace(
            unit=unit,
            year=year,
            school_year=school_year_label(year),
            as_of=state.as_of,
            up_to_date=state.fresh,
            updating=bool(job and job.busy),
            old=sorted(state.stale | state.missing),
            children=dashboard.children,
            completion=dashboard.completion,
            ratings=dashboard.ratings,
            qualifications=dashboard.qualifications,
            upgrade=dashboard.upgrade,
            retirement=dashboard.retirement,
            heat=dashboard.heat,
            budget=dashboard.budget,
            budget_categories=[
                {"label": label, "approved": approved, "pending": pending}
                for label, approved, pending in dashboard.budget["categories"]
            ],
            core=dashboard.core,
            targets=_targets_data(request, unit, year, found),
        )
        return Response(DashboardSerializer(data).data)


@extend_schema_view(
    get=extend_schema(
        summary="Targets measured at a unit (default: your highest), each with its value and status there",
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.STR, description="Unit id or code among yours"),
            YEAR,
            PAGE_SIZE,
        ],
    ),
    post=extend_schema(
        summary="Set a target for a unit of yours (officers)",
        responses={
            201: TargetSerializer,
            400: OpenApiResponse(description="Field-keyed messages: {field: [message]}"),
            403: OpenApiResponse(description="Only officers set targets, for units of their own"),
        },
    ),
)
class TargetList(generics.ListCreateAPIView):
    serializer_class = TargetSerializer
    pagination_class = Pagination
    queryset = Target.objects.none()

    def _unit_and_year(self):
        params, user = self.request.query_params, self.request.user
        unit = unit_param(user, params) or top_unit(user)
        if unit is not None and not can_view_unit(user, unit):
            raise bad_parameter(
                "unit", _("There is no unit “%(value)s” among your units.") % {"value": params.get("unit")}
            )
        return unit, year_param(params)

    def get_queryset(self):
        unit, year = self._unit_and_year()
        if unit is None:
            return Target.objects.none()
        return targets.applying_at(unit, year, self.request.user).order_by("-builtin", "deadline", "pk")

    def list(self, request, *args, **kwargs):
        unit, year = self._unit_and_year()
        services.ensure_fresh(year, by=request.user)
        page = self.paginate_queryset(self.get_queryset())
        found = list(page if page is not None else self.get_queryset())
        measured = {}
        if unit is not None and found:
            measured = {line.target.pk: line.measured for line in figures.measure_targets(unit, year, found)}
        data = TargetSerializer(found, many=True, context={"request": request, "measured": measured}).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def create(self, request, *args, **kwargs):
        if not can_set_targets(request.user):
            raise exceptions.PermissionDenied(_("Only officers of the Sở or of a commune/district set targets."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        unit = target_units(request.user).filter(pk=values.pop("unit")).first()
        if unit is None:
            raise bad_parameter("unit", _("Choose a unit of your own for the target: your unit or one below it."))
        try:
            target = services.create_target(by=request.user, unit=unit, **values)
        except services.TargetError as error:
            raise exceptions.ValidationError({"non_field_errors": [str(error)]}) from None
        year = values.get("year") or current_school_year()
        services.ensure_fresh(year, by=request.user)
        measured = {target.pk: targets.measure(target, figures.own_rows([unit.pk], year).get(unit.pk, []), year)}
        data = TargetSerializer(target, context={"request": request, "measured": measured}).data
        return Response(data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("dashboards/units/<int:pk>/", UnitDashboard.as_view(), name="dashboard-unit"),
    path("targets/", TargetList.as_view(), name="target-list"),
]
