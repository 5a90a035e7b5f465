"""The scores API: a class's learners with their scores (GET), the bulk write of scores (PUT), and the
completions an LMS pushes (POST). Writes go through bdtx.delivery.scoring and bdtx.delivery.lms, the same as the
score sheet, the Excel import and the Moodle file import: all or nothing, every bad row reported.

A class outside the caller's reach is 404; one they see but do not teach (run or present) is 403 for writes."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from bdtx.delivery import lms, scoring
from bdtx.delivery.models import ScoreSource, TrainingClass
from bdtx.delivery.permissions import can_teach_class
from bdtx.lib.cells import Invalid
from bdtx.lib.text import clean

from .serializers_scores import (
    CompletionItemSerializer,
    LearnerScoresSerializer,
    PushResultSerializer,
    RowErrorsSerializer,
    ScoreWriteResultSerializer,
    ScoreWriteSerializer,
)
from .views import Conflict, Pagination

WRITE_ERRORS = {
    400: OpenApiResponse(RowErrorsSerializer, description="Rows that cannot be used; nothing was written"),
    403: OpenApiResponse(description="You see this class but do not teach it"),
    404: OpenApiResponse(description="Not among your classes"),
}


def visible_class(request, pk: int) -> TrainingClass:
    return get_object_or_404(TrainingClass.objects.visible_to(request.user), pk=pk)


def taught_class(request, pk: int) -> TrainingClass:
    training_class = visible_class(request, pk)
    if not can_teach_class(request.user, training_class):
        raise exceptions.PermissionDenied(
            _("You can see this class but not enter its scores: only its organisers and presenters can.")
        )
    return training_class


def rows_refused(errors: list[dict]) -> Response:
    return Response(
        {"detail": _("Some rows cannot be used; nothing was written."), "errors": errors},
        status=status.HTTP_400_BAD_REQUEST,
    )


def items_of(data, key: str) -> list:
    """The list of rows of a body: the body itself, or its `key`."""
    if isinstance(data, dict):
        data = data.get(key)
    if not isinstance(data, list):
        raise exceptions.ValidationError(
            {key: [_("Send a list of rows (or an object with “%(key)s”).") % {"key": key}]}
        )
    return data


class ClassScores(generics.GenericAPIView):
    serializer_class = LearnerScoresSerializer
    pagination_class = Pagination
    queryset = TrainingClass.objects.none()

    @extend_schema(
        summary="The learners of a class with their scores (those you may see)",
        parameters=[OpenApiParameter("page_size", OpenApiTypes.INT, description="Up to 500")],
        responses={200: LearnerScoresSerializer(many=True)},
    )
    def get(self, request, pk: int):
        training_class = visible_class(request, pk)
        teaches = can_teach_class(request.user, training_class)
        tests = list(training_class.assessments.order_by("position", "pk"))
        page = self.paginate_queryset(scoring.learners(training_class, None if teaches else request.user))
        scores = scoring.score_map(page, tests)
        rows = []
        for enrolment in page:
            cells = []
            for test in tests:
                score = scores.get((enrolment.pk, test.pk))
                cells.append(
                    {
                        "test": test.pk,
                        "title": test.title,
                        "kind": test.kind,
                        "score": score.value if score else None,
                        "source": score.source if score else None,
                    }
                )
            rows.append(
                {
                    "enrolment": enrolment.pk,
                    "staff": enrolment.staff_id,
                    "code": enrolment.staff.code,
                    "full_name": enrolment.staff.full_name,
                    "unit": enrolment.staff.unit.name,
                    "scores": cells,
                    "final_score": enrolment.final_score,
                    "outcome": enrolment.outcome,
                    "reasons": scoring.reasons_text(enrolment.reasons),
                }
            )
        return self.get_paginated_response(LearnerScoresSerializer(rows, many=True).data)

    @extend_schema(
        summary="Write scores in bulk (all or nothing); null removes a score",
        description=(
            "Each row carries “was”, the score as read (GET; null if none): if someone changed any of those scores "
            "since, nothing is written and the answer is 409 naming the learners and tests. Read them again."
        ),
        request=ScoreWriteSerializer,
        responses={
            200: ScoreWriteResultSerializer,
            **WRITE_ERRORS,
            409: OpenApiResponse(description="Scores changed by someone else since read; nothing was written"),
        },
    )
    def put(self, request, pk: int):
        training_class = taught_class(request, pk)
        items = items_of(request.data, "scores")
        enrolments = list(scoring.learners(training_class).select_related(None).select_related("staff"))
        by_id = {enrolment.pk: enrolment for enrolment in enrolments}
        by_code = {enrolment.staff.code.casefold(): enrolment for enrolment in enrolments}
        by_email: dict[str, list] = {}
        for enrolment in enrolments:
            if enrolment.staff.email:
                by_email.setdefault(enrolment.staff.email.lower(), []).append(enrolment)
        tests = {test.pk: test for test in training_class.assessments.all()}
        entries, expected, errors = {}, {}, []
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                errors.append({"row": number, "key": "", "message": _("Each row must be an object.")})
                continue
            key = clean(item.get("enrolment") or item.get("code") or item.get("email"))
            enrolment = None
            if item.get("enrolment") is not None:
                enrolment = by_id.get(item["enrolment"]) if isinstance(item["enrolment"], int) else None
            elif item.get("code"):
                enrolment = by_code.get(clean(item["code"]).casefold())
            elif item.get("email"):
                found = by_email.get(clean(item["email"]).lower(), [])
                if len(found) > 1:
                    errors.append(
                        {"row": number, "key": key, "message": _("Several learners have this e-mail: send their code.")}
                    )
                    continue
                enrolment = found[0] if found else None
            if enrolment is None:
                message = (
                    _("Say who: “enrolment”, “code” or “email”.")
                    if not key
                    else _("No learner of this class has this enrolment, code or e-mail.")
                )
                errors.append({"row": number, "key": key, "message": message})
                continue
            test = tests.get(item.get("test")) if isinstance(item.get("test"), int) else None
            if test is None:
                errors.append(
                    {"row": number, "key": key, "message": _("“test” must be the id of one of this class's tests.")}
                )
                continue
            if "score" not in item:
                errors.append({"row": number, "key": key, "message": _("Give “score” (null removes it).")})
                continue
            try:
                value = scoring.parse_score(item["score"])
            except Invalid as error:
                errors.append({"row": number, "key": key, "message": f"{test.title}: {error}"})
                continue
            if "was" not in item:
                errors.append(
                    {
                        "row": number,
                        "key": key,
                        "message": _(
                            "Give “was”: the score as you read it (GET), null if there was none. A score changed by "
                            "someone else since is not overwritten."
                        ),
                    }
                )
                continue
            try:
                was = scoring.parse_score(item["was"])
            except Invalid as error:
                errors.append({"row": number, "key": key, "message": f"“was”, {test.title}: {error}"})
                continue
            if (enrolment.pk, test.pk) in entries:
                errors.append({"row": number, "key": key, "message": _("This learner and test are in an earlier row.")})
                continue
            entries[(enrolment.pk, test.pk)] = value
            expected[(enrolment.pk, test.pk)] = was
        if errors:
            return rows_refused(errors)
        try:
            counts = scoring.save_scores(
                training_class, entries, by=request.user, source=ScoreSource.ENTRY, expected=expected
            )
        except scoring.StaleScores as error:
            raise Conflict(str(error)) from None
        except scoring.ScoreError as error:
            raise exceptions.ValidationError({"detail": str(error)}) from None
        return Response(counts)


class ClassCompletions(generics.GenericAPIView):
    serializer_class = CompletionItemSerializer
    queryset = TrainingClass.objects.none()

    @extend_schema(
        summary="An LMS pushes its results: [{email or code, score, completed}] (all or nothing)",
        description=(
            "Each row names the learner by e-mail or Mã định danh (Moodle's ID number). A score (0–10) is written "
            "on the class's LMS test (made if there is none, or ?test=<id>); completed without a score gives 10; "
            "not completed and no score writes nothing. The outcomes of the learners are worked out again."
        ),
        parameters=[
            OpenApiParameter("test", OpenApiTypes.INT, description="The LMS test to fill (default: the first)")
        ],
        request=CompletionItemSerializer(many=True),
        responses={200: PushResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        training_class = taught_class(request, pk)
        items = items_of(request.data, "results")
        test = None
        test_id = request.query_params.get("test") or (
            request.data.get("test") if isinstance(request.data, dict) else None
        )
        if test_id not in (None, ""):
            try:
                test = lms.lms_test(training_class, test_id=int(test_id) if str(test_id).isdigit() else 0)
            except scoring.ScoreError as error:
                raise exceptions.ValidationError({"test": [str(error)]}) from None
        try:
            with transaction.atomic():
                result = lms.push(training_class, items, by=request.user, test=test)
        except lms.PushError as error:
            return rows_refused(error.errors)
        return Response(result)


urlpatterns = [
    path("classes/<int:pk>/scores/", ClassScores.as_view(), name="class-scores"),
    path("classes/<int:pk>/completions/", ClassCompletions.as_view(), name="class-completions"),
]
