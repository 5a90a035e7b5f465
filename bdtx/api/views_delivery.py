"""The classes API: classes (with their sessions and presenters), a class's enrolments (read, and enrol one person by
hand through the same service as the screen: capacity, then the waiting list), and one enrolment.

Scoped like the rest of the API: a class or enrolment outside the caller's reach is 404; a class they see but do
not run (or teach, for reading its enrolments) is 403."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from bdtx.delivery import services
from bdtx.delivery.forms import visible_units
from bdtx.delivery.models import ClassStatus, Enrolment, EnrolmentStatus, Mode, TrainingClass
from bdtx.delivery.permissions import can_run_class, can_teach_class
from bdtx.lib.text import clean
from bdtx.staff.models import StaffMember

from .serializers_delivery import (
    ClassDetailSerializer,
    ClassSerializer,
    EnrolBodySerializer,
    EnrolmentSerializer,
    EnrolResultSerializer,
)
from .serializers_plans import RefusalSerializer
from .views import Pagination, bad_parameter
from .views_appraisals import PAGE_SIZE, choice_param, whole_number

CLASS_FILTERS = [
    OpenApiParameter("year", OpenApiTypes.INT, description="School year by its first calendar year (2027: 2027-2028)"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=ClassStatus.values),
    OpenApiParameter("unit", OpenApiTypes.STR, description="Unit id or code: classes organised there and below"),
    OpenApiParameter("content", OpenApiTypes.STR, enum=["01", "02", "03"]),
    OpenApiParameter("mode", OpenApiTypes.STR, enum=Mode.values),
    PAGE_SIZE,
]
ENROL_ERRORS = {
    400: OpenApiResponse(RefusalSerializer, description="Bad input {field: [message]} or a refusal {detail: message}"),
    403: OpenApiResponse(description="You can see this class but do not run it"),
    404: OpenApiResponse(description="Not among your classes"),
    409: OpenApiResponse(description="The person is already in the class or on its waiting list"),
}


def classes_of(user):
    return (
        TrainingClass.objects.visible_to(user)
        .select_related("organiser", "topic")
        .prefetch_related("modules")
        .annotate(
            enrolled_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)),
            waiting_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITING)),
        )
    )


def organiser_param(user, params):
    """?unit= as an id or a code, among the units whose classes the caller may see listed."""
    value = clean(params.get("unit"))
    if not value:
        return None
    condition = Q(code=value) | Q(pk=int(value)) if value.isdigit() else Q(code=value)
    candidates = list(visible_units(user).filter(condition))
    by_pk = [unit for unit in candidates if str(unit.pk) == value]
    unit = (by_pk or candidates or [None])[0]
    if unit is None:
        raise bad_parameter("unit", _("There is no unit “%(value)s” among your units.") % {"value": value})
    return unit


@extend_schema_view(get=extend_schema(summary="Classes you may see", parameters=CLASS_FILTERS))
class ClassList(generics.ListAPIView):
    serializer_class = ClassSerializer
    pagination_class = Pagination
    queryset = TrainingClass.objects.none()

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        classes = classes_of(user)
        if (year := whole_number(params, "year")) is not None:
            classes = classes.filter(year=year)
        if value := choice_param(params, "status", ClassStatus.values):
            classes = classes.filter(status=value)
        if value := choice_param(params, "content", ["01", "02", "03"]):
            classes = classes.filter(content=value)
        if value := choice_param(params, "mode", Mode.values):
            classes = classes.filter(mode=value)
        if unit := organiser_param(user, params):
            classes = classes.filter(organiser__path__startswith=unit.path)
        return classes.order_by("-year", "code", "pk")


@extend_schema_view(get=extend_schema(summary="One class, with its sessions and presenters"))
class ClassDetail(generics.RetrieveAPIView):
    serializer_class = ClassDetailSerializer
    queryset = TrainingClass.objects.none()

    def get_object(self):
        return get_object_or_404(
            classes_of(self.request.user).prefetch_related("sessions", "trainers"), pk=self.kwargs["pk"]
        )


def enrolments_of(training_class: TrainingClass):
    return (
        Enrolment.objects.filter(training_class=training_class)
        .select_related("training_class", "staff__unit")
        .order_by("staff__sort_key", "pk")
    )


class ClassEnrolments(generics.GenericAPIView):
    serializer_class = EnrolmentSerializer
    pagination_class = Pagination
    queryset = Enrolment.objects.none()

    def visible(self, pk: int) -> TrainingClass:
        return get_object_or_404(TrainingClass.objects.visible_to(self.request.user).select_related("organiser"), pk=pk)

    @extend_schema(
        summary="The people of a class: enrolled, waiting, asked, withdrawn (those who run or teach it)",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=EnrolmentStatus.values),
            PAGE_SIZE,
        ],
        responses={200: EnrolmentSerializer(many=True), 403: OpenApiResponse(description="Not your class to read")},
    )
    def get(self, request, pk: int):
        training_class = self.visible(pk)
        if not can_teach_class(request.user, training_class):
            raise exceptions.PermissionDenied(_("Only those who run or teach this class may list its people."))
        enrolments = enrolments_of(training_class)
        if value := choice_param(request.query_params, "status", EnrolmentStatus.values):
            enrolments = enrolments.filter(status=value)
        page = self.paginate_queryset(enrolments)
        return self.get_paginated_response(EnrolmentSerializer(page, many=True).data)

    @extend_schema(
        summary="Enrol one person by hand: enrolled while places last, then on the waiting list",
        request=EnrolBodySerializer,
        responses={201: EnrolResultSerializer, **ENROL_ERRORS},
    )
    def post(self, request, pk: int):
        training_class = self.visible(pk)
        if not can_run_class(request.user, training_class):
            raise exceptions.PermissionDenied(
                _("Only the managers of the organising unit (or above) may enrol people.")
            )
        body = EnrolBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = self.person(request.user, body.validated_data["staff"])
        already = Enrolment.objects.filter(
            training_class=training_class, staff=member, status__in=(EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING)
        ).first()
        if already is not None:
            return Response(
                {
                    "detail": _("%(name)s is already in this class (%(status)s).")
                    % {"name": member.full_name, "status": already.get_status_display()}
                },
                status=status.HTTP_409_CONFLICT,
            )
        try:
            counts = services.enrol_people(training_class, [member.pk], by=request.user)
        except services.DeliveryError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        enrolment = enrolments_of(training_class).get(staff=member)
        enrolment.clashes = (
            [code for _class_id, code in services.clashes(training_class, staff_ids=[member.pk]).get(member.pk, [])]
            if counts.clashes
            else []
        )
        return Response(EnrolResultSerializer(enrolment).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def person(user, value: str) -> StaffMember:
        """The person named by id or staff code among those the caller manages; 400 naming the value otherwise."""
        value = clean(value)
        people = StaffMember.objects.visible_to(user)
        member = people.filter(code=value).first()
        if member is None and value.isdigit():
            member = people.filter(pk=int(value)).first()
        if member is None:
            raise bad_parameter(
                "staff",
                _("No one with the id or staff code “%(value)s” among the people you manage.") % {"value": value},
            )
        return member


@extend_schema_view(get=extend_schema(summary="One enrolment: the person's status and outcome in a class"))
class EnrolmentDetail(generics.RetrieveAPIView):
    serializer_class = EnrolmentSerializer
    queryset = Enrolment.objects.none()

    def get_object(self):
        return get_object_or_404(
            Enrolment.objects.visible_to(self.request.user).select_related("training_class", "staff__unit"),
            pk=self.kwargs["pk"],
        )


urlpatterns = [
    path("classes/", ClassList.as_view(), name="class-list"),
    path("classes/<int:pk>/", ClassDetail.as_view(), name="class-detail"),
    path("classes/<int:pk>/enrolments/", ClassEnrolments.as_view(), name="class-enrolments"),
    path("enrolments/<int:pk>/", EnrolmentDetail.as_view(), name="enrolment-detail"),
]
