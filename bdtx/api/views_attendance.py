"""The attendance API: the sheet of a session (GET, one row per enrolled learner) and the whole sheet put back
(PUT [{enrolment, present, excused, was}]), through the same service as the page (delivery.attendance.save_sheet: one
transaction, the session marked as held, outcomes refreshed). A session outside the caller's scope is 404; one
they may see but do not teach is read-only (403 on PUT), and they read only the learners they may see."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics
from rest_framework.response import Response

from bdtx.delivery import attendance
from bdtx.delivery.models import Attendance, ClassSession, Enrolment, TrainingClass
from bdtx.delivery.permissions import can_teach_class

from .serializers_attendance import AttendanceEntrySerializer, AttendanceRowSerializer, SheetSavedSerializer
from .views import Conflict, Pagination
from .views_appraisals import PAGE_SIZE


def session_of(request, pk: int) -> ClassSession:
    return get_object_or_404(
        ClassSession.objects.filter(training_class__in=TrainingClass.objects.visible_to(request.user)).select_related(
            "training_class"
        ),
        pk=pk,
    )


def bad(message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({"detail": message})


class SessionAttendance(generics.ListAPIView):
    serializer_class = AttendanceRowSerializer
    pagination_class = Pagination
    queryset = Enrolment.objects.none()

    @extend_schema(summary="The attendance sheet of a session: one row per enrolled learner", parameters=[PAGE_SIZE])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        session = session_of(self.request, self.kwargs["pk"])
        user = self.request.user
        learners = attendance.learners(
            session.training_class, None if can_teach_class(user, session.training_class) else user
        )
        return learners.prefetch_related(
            Prefetch("attendance", queryset=Attendance.objects.filter(session=session), to_attr="this_session")
        )

    @extend_schema(
        summary="Save the whole sheet of a session",
        description="Every enrolled learner once: [{enrolment, present, excused, was}], `was` being the mark as read "
        "(GET; null: none). Marks the session as held and refreshes the learners' outcomes, in one transaction; "
        "nothing is saved when anything is wrong, or when a mark you change was changed by someone else since you "
        "read it (409).",
        request=AttendanceEntrySerializer(many=True),
        responses={
            200: SheetSavedSerializer,
            400: OpenApiResponse(description="Per entry {field: [message]}, or {detail: message}"),
            403: OpenApiResponse(description="You can see this session but do not teach its class"),
            404: OpenApiResponse(description="Not among your classes"),
            409: OpenApiResponse(description="{detail}: marks changed by someone else since you read them"),
        },
    )
    def put(self, request, pk: int):
        session = session_of(request, pk)
        training_class = session.training_class
        if not can_teach_class(request.user, training_class):
            raise exceptions.PermissionDenied(_("Only the class's organisers and presenters take its attendance."))
        if not isinstance(request.data, list):
            raise bad(_('Send the sheet as a list: [{"enrolment": id, "present": true, "excused": false}, …].'))
        entries = AttendanceEntrySerializer(data=request.data, many=True)
        entries.is_valid(raise_exception=True)
        marks: dict[int, str] = {}
        was: dict[int, str | None] = {}
        for entry in entries.validated_data:
            if entry["enrolment"] in marks:
                raise bad(
                    _("Enrolment %(id)d is in the sheet twice. List each learner once.") % {"id": entry["enrolment"]}
                )
            marks[entry["enrolment"]] = attendance.mark_of(entry["present"], entry["excused"])
            was[entry["enrolment"]] = entry["was"]
        enrolled = set(attendance.learners(training_class).values_list("pk", flat=True))
        unknown = sorted(set(marks) - enrolled)
        if unknown:
            raise bad(
                _("Not enrolled in this class: enrolment %(ids)s. Use the enrolment ids of the sheet (GET).")
                % {"ids": ", ".join(map(str, unknown))}
            )
        missing = sorted(enrolled - set(marks))
        if missing:
            raise bad(
                _("The sheet is incomplete: enrolment %(ids)s missing. Send every enrolled learner once.")
                % {"ids": ", ".join(map(str, missing))}
            )
        try:
            counts = attendance.save_sheet(session, marks, by=request.user, was=was)
        except attendance.StaleAttendance as error:
            raise Conflict(str(error)) from None
        except attendance.AttendanceError as error:
            raise bad(str(error)) from None
        body = {"session": session.pk, "attendance_taken": True, **counts}
        return Response(SheetSavedSerializer(body).data)


urlpatterns = [
    path("sessions/<int:pk>/attendance/", SessionAttendance.as_view(), name="session-attendance"),
]
