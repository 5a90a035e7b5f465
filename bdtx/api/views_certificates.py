"""The certificates API: the register in the caller's scope (filter by year, unit, status), one certificate with
its printed text, and its PDF. Read only: issuing, revoking and reissuing happen on the screens, where the signer is
chosen. Outside the caller's scope a certificate is 404."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.views import APIView

from bdtx.results.models import Certificate
from bdtx.results.views.certificates import pdf_response

from .serializers_certificates import CertificateDetailSerializer, CertificateSerializer
from .views import Pagination
from .views_appraisals import PAGE_SIZE, UNIT, choice_param, unit_param, whole_number

FILTERS = [
    OpenApiParameter("year", OpenApiTypes.INT, description="School year by its first calendar year (2027: 2027-2028)"),
    UNIT,
    OpenApiParameter("status", OpenApiTypes.STR, enum=Certificate.Status.values),
    PAGE_SIZE,
]


def certificates_of(user):
    return Certificate.objects.visible_to(user).select_related("issuer", "staff")


@extend_schema_view(get=extend_schema(summary="Certificates of the people in your scope", parameters=FILTERS))
class CertificateList(generics.ListAPIView):
    serializer_class = CertificateSerializer
    pagination_class = Pagination
    queryset = Certificate.objects.none()

    def get_queryset(self):
        params = self.request.query_params
        rows = certificates_of(self.request.user)
        if (year := whole_number(params, "year")) is not None:
            rows = rows.filter(year=year)
        if (unit := unit_param(self.request.user, params)) is not None:
            rows = rows.filter(result__unit__path__startswith=unit.path)
        if status := choice_param(params, "status", Certificate.Status.values):
            rows = rows.filter(status=status)
        return rows.order_by("-year", "issuer__path", "number", "pk")


@extend_schema_view(get=extend_schema(summary="One certificate with its printed text"))
class CertificateDetail(generics.RetrieveAPIView):
    serializer_class = CertificateDetailSerializer
    queryset = Certificate.objects.none()

    def get_object(self):
        return get_object_or_404(certificates_of(self.request.user), pk=self.kwargs["pk"])


class CertificatePdf(APIView):
    @extend_schema(
        summary="The certificate as printed (PDF)",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            404: OpenApiResponse(description="Not in your scope"),
        },
    )
    def get(self, request, pk: int):
        return pdf_response(get_object_or_404(certificates_of(request.user), pk=pk))


urlpatterns = [
    path("certificates/", CertificateList.as_view(), name="certificate-list"),
    path("certificates/<int:pk>/", CertificateDetail.as_view(), name="certificate-detail"),
    path("certificates/<int:pk>/pdf/", CertificatePdf.as_view(), name="certificate-pdf"),
]
