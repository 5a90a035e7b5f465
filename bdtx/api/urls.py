from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import (
    views,
    views_appraisals,
    views_attendance,
    views_certificates,
    views_delivery,
    views_plans,
    views_results,
    views_scores,
)

app_name = "api"
urlpatterns = [
    path("units/", views.UnitList.as_view(), name="unit-list"),
    path("units/<int:pk>/", views.UnitDetail.as_view(), name="unit-detail"),
    path("staff/", views.StaffList.as_view(), name="staff-list"),
    path("staff/<int:pk>/", views.StaffDetail.as_view(), name="staff-detail"),
    *views_appraisals.urlpatterns,
    *views_plans.urlpatterns,
    *views_delivery.urlpatterns,
    *views_attendance.urlpatterns,
    *views_scores.urlpatterns,
    *views_results.urlpatterns,
    *views_certificates.urlpatterns,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
