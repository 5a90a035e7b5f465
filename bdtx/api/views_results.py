"""The results API: each person's yearly result (scoped like the pages: the people the caller manages, and their
own), with the ledger and the history; recognition in batch through the same service and checks as the pages.
A result outside the caller's reach is 404; one they may see but not recognise (their own; a principal's, which
the level above recognises) is 403."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics
from rest_framework.response import Response

from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.results import services
from bdtx.results.models import ResultEvent, ResultOutcome, YearResult

from .serializers_results import RecognisedSerializer, RecogniseSerializer, ResultDetailSerializer, ResultSerializer
from .views import Pagination, bad_parameter
from .views_appraisals import PAGE_SIZE, UNIT, choice_param, unit_param, whole_number

RESULT_FILTERS = [
    OpenApiParameter("year", OpenApiTypes.INT, description="School year by its first calendar year (2026: 2026-27)"),
    UNIT,
    OpenApiParameter("outcome", OpenApiTypes.STR, enum=ResultOutcome.values),
    OpenApiParameter("recognised", OpenApiTypes.BOOL, description="true / false (or Có / Không)"),
    PAGE_SIZE,
]


def results_of(user):
    results = YearResult.objects.visible_to(user).select_related("staff", "unit")
    return results.order_by("-year", "staff__sort_key", "pk")


@extend_schema_view(
    get=extend_schema(summary="Yearly BDTX results of the people you manage, and your own", parameters=RESULT_FILTERS)
)
class ResultList(generics.ListAPIView):
    serializer_class = ResultSerializer
    pagination_class = Pagination
    queryset = YearResult.objects.none()

    def get_queryset(self):
        params, user = self.request.query_params, self.request.user
        results = results_of(user)
        if (year := whole_number(params, "year")) is not None:
            results = results.filter(year=year)
        if unit := unit_param(user, params):
            results = results.filter(unit__path__startswith=unit.path)
        if outcome := choice_param(params, "outcome", ResultOutcome.values):
            results = results.filter(outcome=outcome)
        if not cells.is_blank(params.get("recognised")):
            try:
                results = results.filter(recognised=cells.yes_no(params.get("recognised")))
            except Invalid as error:
                raise bad_parameter("recognised", str(error)) from None
        return results


@extend_schema_view(get=extend_schema(summary="One result: its reasons in words, the periods ledger, the history"))
class ResultDetail(generics.RetrieveAPIView):
    serializer_class = ResultDetailSerializer
    queryset = YearResult.objects.none()

    def get_object(self):
        events = Prefetch("events", queryset=ResultEvent.objects.select_related("by"))
        results = results_of(self.request.user).select_related("recognised_by").prefetch_related(events)
        return get_object_or_404(results, pk=self.kwargs["pk"])


class ResultRecognise(generics.GenericAPIView):
    serializer_class = RecogniseSerializer
    queryset = YearResult.objects.none()

    @extend_schema(
        summary="Recognise results (Công nhận kết quả): all or none; each is then locked",
        request=RecogniseSerializer,
        responses={
            200: RecognisedSerializer,
            400: OpenApiResponse(description="{ids: [message]}"),
            403: OpenApiResponse(description="Among your results, but not yours to recognise: nothing recognised"),
            404: OpenApiResponse(description="Some ids are not among your results: nothing recognised"),
        },
    )
    def post(self, request):
        body = RecogniseSerializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        ids = sorted(set(body.validated_data["ids"]))
        found = list(YearResult.objects.visible_to(request.user).filter(pk__in=ids).select_related("staff"))
        missing = sorted(set(ids) - {result.pk for result in found})
        if missing:
            raise exceptions.NotFound(
                _("There is no result %(ids)s among yours: nothing was recognised.")
                % {"ids": ", ".join(str(pk) for pk in missing)}
            )
        already = sorted(result.pk for result in found if result.recognised)
        try:
            count, _left = services.recognise_as(
                request.user, [result for result in found if not result.recognised], strict=True
            )
        except services.ResultError as error:
            raise exceptions.PermissionDenied(str(error)) from None
        return Response(RecognisedSerializer({"recognised": count, "already": already}).data)


urlpatterns = [
    path("results/", ResultList.as_view(), name="result-list"),
    path("results/recognise/", ResultRecognise.as_view(), name="result-recognise"),
    path("results/<int:pk>/", ResultDetail.as_view(), name="result-detail"),
]
