"""The appraisal API: standards, cycles, appraisals (self-assessment, submission, evaluation) and training needs.

Scoped like the rest of the API: an appraisal outside the caller's reach is 404; one they may see but not act on
is 403 (a teacher on their own evaluation, a principal on a teacher's self-assessment). Every write goes
through bdtx.appraisals.services, the same as the screens, so a script evaluating a whole school gets the same
checks, flags and audit trail as the bulk screen."""

from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from bdtx.accounts import permissions
from bdtx.appraisals import services
from bdtx.appraisals.models import Appraisal, AppraisalCycle, TrainingNeed
from bdtx.appraisals.permissions import can_evaluate
from bdtx.appraisals.services import AppraisalError, EvaluationRow, Flag, Locked, NeedsAcknowledgement, Stale
from bdtx.lib.text import clean
from bdtx.organisations.models import Unit
from bdtx.rules.models import Criterion, Standard, Subject

from .serializers_appraisals import (
    AppraisalDetailSerializer,
    AppraisalSerializer,
    ConflictSerializer,
    CycleSerializer,
    EvaluationResultSerializer,
    EvaluationSerializer,
    FlagsConflictSerializer,
    SelfAssessmentSerializer,
    StandardDetailSerializer,
    StandardSerializer,
    TrainingNeedSerializer,
    level_code,
)
from .views import Pagination, bad_parameter


class BadRequest(exceptions.APIException):
    """A refusal from the services (a deadline, an incomplete assessment): {"detail": message}."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"


class AppraisalConflict(exceptions.APIException):
    """409 with a machine-readable `code` beside the message: stale, locked or needs_acknowledgement."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, message: str, code: str, **extra):
        super().__init__({"detail": message, "code": code, **extra})


def refusal(error: AppraisalError) -> exceptions.APIException:
    if isinstance(error, NeedsAcknowledgement):
        flags = [{"code": f.code, "message": f.message} for found in error.flags.values() for f in found]
        return AppraisalConflict(str(error), "needs_acknowledgement", flags=flags)
    if isinstance(error, Stale):
        return AppraisalConflict(str(error), "stale")
    if isinstance(error, Locked):
        return AppraisalConflict(str(error), "locked")
    return BadRequest(str(error))


# Query-string filters ------------------------------------------------------------------------------------


def whole_number(params, name: str) -> int | None:
    value = clean(params.get(name))
    if not value:
        return None
    if not value.isdigit():
        raise bad_parameter(name, _("“%(value)s” is not a whole number.") % {"value": value})
    return int(value)


def unit_param(user, params) -> Unit | None:
    """?unit= as an id or a code, among the caller's units."""
    value = clean(params.get("unit"))
    if not value:
        return None
    condition = Q(code=value) | Q(pk=int(value)) if value.isdigit() else Q(code=value)
    candidates = list(permissions.units_in_scope(user).filter(condition))
    by_pk = [unit for unit in candidates if str(unit.pk) == value]
    unit = (by_pk or candidates or [None])[0]
    if unit is None:
        raise bad_parameter("unit", _("There is no unit “%(value)s” among your units.") % {"value": value})
    return unit


def choice_param(params, name: str, choices) -> str | None:
    value = clean(params.get(name))
    if not value:
        return None
    if value not in choices:
        raise bad_parameter(
            name,
            _("“%(value)s” is not one of: %(choices)s.") % {"value": value, "choices": ", ".join(choices)},
        )
    return value


def rating_param(params, name: str) -> str | None:
    value = clean(params.get(name))
    if not value:
        return None
    code = level_code(value)
    if not code:
        raise bad_parameter(name, _("“%(value)s” is not a level; use chua_dat, dat, kha or tot.") % {"value": value})
    return code


PAGE_SIZE = OpenApiParameter("page_size", OpenApiTypes.INT, description="Up to 500")
UNIT = OpenApiParameter("unit", OpenApiTypes.STR, description="Unit id or code: that unit and the units below")
APPRAISAL_FILTERS = [
    OpenApiParameter("cycle", OpenApiTypes.INT, description="Id of an appraisal cycle"),
    UNIT,
    OpenApiParameter("self_status", OpenApiTypes.STR, enum=Appraisal.SelfStatus.values),
    OpenApiParameter("evaluation_status", OpenApiTypes.STR, enum=Appraisal.EvaluationStatus.values),
    OpenApiParameter("rating", OpenApiTypes.STR, description="The final (evaluated) rating: chua_dat, dat, kha, tot"),
    PAGE_SIZE,
]
NEED_FILTERS = [
    OpenApiParameter("year", OpenApiTypes.INT, description="School year by its first calendar year (2025: 2025-2026)"),
    UNIT,
    OpenApiParameter("criterion", OpenApiTypes.INT, description="Criterion number (with `standard`)"),
    OpenApiParameter("standard", OpenApiTypes.STR, description="Code of the standard, e.g. tt20-2018"),
    PAGE_SIZE,
]
WRITE_ERRORS = {
    400: OpenApiResponse(description="Bad input, field-keyed {field: [message]}, or a refusal {detail: message}"),
    403: OpenApiResponse(description="You can see this appraisal but not do this to it"),
    404: OpenApiResponse(description="Not among your appraisals"),
}


# Standards and cycles ------------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="Professional standards",
        parameters=[OpenApiParameter("subject", OpenApiTypes.STR, enum=Subject.values), PAGE_SIZE],
    )
)
class StandardList(generics.ListAPIView):
    serializer_class = StandardSerializer
    pagination_class = Pagination
    queryset = Standard.objects.none()

    def get_queryset(self):
        standards = Standard.objects.all()
        if subject := choice_param(self.request.query_params, "subject", Subject.values):
            standards = standards.filter(subject=subject)
        return standards


@extend_schema_view(get=extend_schema(summary="One standard with its criteria, level descriptors and core criteria"))
class StandardDetail(generics.RetrieveAPIView):
    serializer_class = StandardDetailSerializer
    queryset = Standard.objects.none()

    def get_object(self):
        criteria = Prefetch("criteria", queryset=Criterion.objects.select_related("area"))
        return get_object_or_404(Standard.objects.prefetch_related(criteria), code=self.kwargs["code"])


@extend_schema_view(
    get=extend_schema(
        summary="Appraisal cycles that reach your units",
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="School year by its first year"), PAGE_SIZE],
    )
)
class CycleList(generics.ListAPIView):
    serializer_class = CycleSerializer
    pagination_class = Pagination
    queryset = AppraisalCycle.objects.none()

    def get_queryset(self):
        cycles = AppraisalCycle.objects.visible_to(self.request.user).select_related("unit")
        if (year := whole_number(self.request.query_params, "year")) is not None:
            cycles = cycles.filter(year=year)
        return cycles


@extend_schema_view(get=extend_schema(summary="One appraisal cycle"))
class CycleDetail(generics.RetrieveAPIView):
    serializer_class = CycleSerializer
    queryset = AppraisalCycle.objects.none()

    def get_object(self):
        cycles = AppraisalCycle.objects.visible_to(self.request.user).select_related("unit")
        return get_object_or_404(cycles, pk=self.kwargs["pk"])


# Appraisals ----------------------------------------------------------------------------------------------


def appraisals_of(user):
    return Appraisal.objects.visible_to(user).select_related("staff", "unit", "standard", "cycle")


def visible_appraisal(request, pk: int) -> Appraisal:
    return get_object_or_404(appraisals_of(request.user), pk=pk)


def own_appraisal(request, pk: int) -> Appraisal:
    """The caller's own appraisal: 404 outside their reach, 403 when it is someone else's."""
    appraisal = visible_appraisal(request, pk)
    if appraisal.staff.user_id is None or appraisal.staff.user_id != request.user.pk:
        raise exceptions.PermissionDenied(_("Only the person appraised can change or submit their self-assessment."))
    return appraisal


def stale_check(appraisal: Appraisal, version: int | None) -> None:
    try:
        services._check_version(appraisal, version)
    except Stale as error:
        raise refusal(error) from None


def merged(current: dict, changes: dict | None) -> dict:
    """The stored {criterion: value} with the criteria sent changed; a blank value clears one."""
    result = {**current, **(changes or {})}
    return {number: value for number, value in result.items() if value}


@extend_schema_view(get=extend_schema(summary="Appraisals you may see", parameters=APPRAISAL_FILTERS))
class AppraisalList(generics.ListAPIView):
    serializer_class = AppraisalSerializer
    pagination_class = Pagination
    queryset = Appraisal.objects.none()

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        appraisals = appraisals_of(user)
        if (cycle := whole_number(params, "cycle")) is not None:
            appraisals = appraisals.filter(cycle_id=cycle)
        if unit := unit_param(user, params):
            appraisals = appraisals.filter(unit__path__startswith=unit.path)
        if value := choice_param(params, "self_status", Appraisal.SelfStatus.values):
            appraisals = appraisals.filter(self_status=value)
        if value := choice_param(params, "evaluation_status", Appraisal.EvaluationStatus.values):
            appraisals = appraisals.filter(evaluation_status=value)
        if value := rating_param(params, "rating"):
            appraisals = appraisals.filter(final_rating=value)
        return appraisals


@extend_schema_view(get=extend_schema(summary="One appraisal: self-assessment and evaluation"))
class AppraisalDetail(generics.RetrieveAPIView):
    serializer_class = AppraisalDetailSerializer
    queryset = Appraisal.objects.none()

    def get_object(self):
        return visible_appraisal(self.request, self.kwargs["pk"])


CONFLICT = OpenApiResponse(ConflictSerializer, description="stale: read it again; locked: submitted or confirmed")


class SelfAssessment(generics.GenericAPIView):
    serializer_class = SelfAssessmentSerializer
    queryset = Appraisal.objects.none()

    @extend_schema(
        summary="Save your self-assessment draft (what is not sent is kept)",
        request=SelfAssessmentSerializer,
        responses={200: AppraisalDetailSerializer, **WRITE_ERRORS, 409: CONFLICT},
    )
    def patch(self, request, pk: int):
        appraisal = own_appraisal(request, pk)
        if appraisal.submitted:
            raise refusal(Locked(_("The self-assessment was submitted and can no longer be changed.")))
        body = SelfAssessmentSerializer(data=request.data, context={"standard": appraisal.standard})
        body.is_valid(raise_exception=True)
        values = body.validated_data
        try:
            services.save_self_assessment(
                appraisal,
                by=request.user,
                levels=merged(appraisal.self_levels, values.get("levels")),
                notes=merged(appraisal.self_notes, values.get("notes")),
                strengths=values.get("strengths", appraisal.strengths),
                weaknesses=values.get("weaknesses", appraisal.weaknesses),
                development_plan=values.get("development_plan", appraisal.development_plan),
                declared_criteria=values.get("declared_criteria", appraisal.declared_criteria),
                declared_needs=values.get("declared_needs", appraisal.declared_needs),
                expected_version=values["version"],
            )
        except AppraisalError as error:
            raise refusal(error) from None
        return Response(AppraisalDetailSerializer(appraisal).data)


class SubmitSelfAssessment(generics.GenericAPIView):
    serializer_class = AppraisalDetailSerializer
    queryset = Appraisal.objects.none()

    @extend_schema(
        summary="Submit your self-assessment (then it is read-only)",
        request={"application/json": {"type": "object", "properties": {"version": {"type": "integer"}}}},
        responses={200: AppraisalDetailSerializer, **WRITE_ERRORS, 409: CONFLICT},
    )
    def post(self, request, pk: int):
        appraisal = own_appraisal(request, pk)
        try:
            if appraisal.submitted:
                raise Locked(_("The self-assessment was already submitted."))
            stale_check(appraisal, whole_number(request.data if isinstance(request.data, dict) else {}, "version"))
            services.submit_self_assessment(appraisal, by=request.user)
        except AppraisalError as error:
            raise refusal(error) from None
        return Response(AppraisalDetailSerializer(appraisal).data)


def pattern_flags(appraisal: Appraisal, levels: dict[int, str]) -> list[Flag]:
    """The bulk screen flags three or more people given the very same levels; one evaluation at a time, the
    others are those already confirmed in the same cycle and unit (so a script confirming one by one is
    flagged as the screen would be)."""
    if not levels:
        return []
    confirmed = (
        Appraisal.objects.filter(
            cycle_id=appraisal.cycle_id,
            unit_id=appraisal.unit_id,
            standard_id=appraisal.standard_id,
            evaluation_status=Appraisal.EvaluationStatus.CONFIRMED,
        )
        .exclude(pk=appraisal.pk)
        .values_list("final_levels", flat=True)
    )
    same = sum(1 for other in confirmed if {int(n): code for n, code in other.items() if code} == levels)
    if same < 2:
        return []
    return [Flag("same_pattern", _("The same levels on every criterion as %(count)d others.") % {"count": same})]


class Evaluation(generics.GenericAPIView):
    serializer_class = EvaluationSerializer
    queryset = Appraisal.objects.none()

    @extend_schema(
        summary="Evaluate: save a draft, or confirm and lock (flags must be acknowledged)",
        request=EvaluationSerializer,
        responses={
            200: EvaluationResultSerializer,
            **WRITE_ERRORS,
            409: OpenApiResponse(
                FlagsConflictSerializer,
                description="needs_acknowledgement (nothing written: send acknowledge_flags), stale or locked",
            ),
        },
    )
    def post(self, request, pk: int):
        appraisal = visible_appraisal(request, pk)
        if not can_evaluate(request.user, appraisal):
            raise exceptions.PermissionDenied(
                _(
                    "You can see this appraisal but not evaluate it: teachers are evaluated by the head of their "
                    "school, principals by the officer of the level above."
                )
            )
        if appraisal.confirmed:
            raise refusal(Locked(_("This evaluation is confirmed; only the level above can reopen it.")))
        body = EvaluationSerializer(data=request.data, context={"standard": appraisal.standard})
        body.is_valid(raise_exception=True)
        values = body.validated_data
        start = appraisal.final_levels or appraisal.self_levels
        levels = merged(start, values.get("levels"))
        comments = merged(appraisal.final_comments, values.get("comments"))
        comment = values.get("comment", appraisal.evaluation_comment)
        int_levels = {int(n): code for n, code in levels.items()}
        row = EvaluationRow(appraisal, int_levels, comment)
        try:
            stale_check(appraisal, values.get("version"))
            extra = pattern_flags(appraisal, int_levels)
            flags = services.bulk_flags([row]).get(appraisal.pk, []) + extra
            if not values["confirm"]:
                services.save_evaluation(appraisal, by=request.user, levels=levels, comment=comment, comments=comments)
            else:
                if flags and not values["acknowledge_flags"]:
                    raise NeedsAcknowledgement({appraisal.pk: flags})  # before anything is written
                with transaction.atomic():
                    # The draft first keeps the per-criterion comments; a refusal below undoes it.
                    services.save_evaluation(
                        appraisal, by=request.user, levels=levels, comment=comment, comments=comments
                    )
                    services.confirm_evaluations(
                        [row],
                        by=request.user,
                        acknowledged=values["acknowledge_flags"],
                        extra_flags={appraisal.pk: extra},
                    )
        except AppraisalError as error:
            raise refusal(error) from None
        context = {"flags": flags}
        return Response(EvaluationResultSerializer(appraisal, context=context).data)


# Training needs ------------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(summary="Training needs of the people you may see", parameters=NEED_FILTERS))
class TrainingNeedList(generics.ListAPIView):
    serializer_class = TrainingNeedSerializer
    pagination_class = Pagination
    queryset = TrainingNeed.objects.none()

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        needs = (
            TrainingNeed.objects.visible_to(user)
            .select_related("staff", "unit", "criterion")
            .annotate(standard_code=Coalesce(F("criterion__standard__code"), F("appraisal__standard__code")))
        )
        if (year := whole_number(params, "year")) is not None:
            needs = needs.filter(year=year)
        if unit := unit_param(user, params):
            needs = needs.filter(unit__path__startswith=unit.path)
        if code := clean(params.get("standard")):
            if not Standard.objects.filter(code=code).exists():
                codes = ", ".join(Standard.objects.values_list("code", flat=True))
                raise bad_parameter(
                    "standard",
                    _("There is no standard “%(value)s”. Use one of: %(codes)s.") % {"value": code, "codes": codes},
                )
            needs = needs.filter(Q(criterion__standard__code=code) | Q(appraisal__standard__code=code))
        if (number := whole_number(params, "criterion")) is not None:
            needs = needs.filter(criterion__number=number)
        return needs


urlpatterns = [
    path("standards/", StandardList.as_view(), name="standard-list"),
    path("standards/<slug:code>/", StandardDetail.as_view(), name="standard-detail"),
    path("appraisal-cycles/", CycleList.as_view(), name="appraisal-cycle-list"),
    path("appraisal-cycles/<int:pk>/", CycleDetail.as_view(), name="appraisal-cycle-detail"),
    path("appraisals/", AppraisalList.as_view(), name="appraisal-list"),
    path("appraisals/<int:pk>/", AppraisalDetail.as_view(), name="appraisal-detail"),
    path("appraisals/<int:pk>/self-assessment/", SelfAssessment.as_view(), name="appraisal-self-assessment"),
    path("appraisals/<int:pk>/submit/", SubmitSelfAssessment.as_view(), name="appraisal-submit"),
    path("appraisals/<int:pk>/evaluation/", Evaluation.as_view(), name="appraisal-evaluation"),
    path("training-needs/", TrainingNeedList.as_view(), name="training-need-list"),
]
