from django.conf import settings
from django.urls import path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import (
    views,
    views_appraisals,
    views_attendance,
    views_certificates,
    views_dashboards,
    views_delivery,
    views_plans,
    views_results,
    views_scores,
)

app_name = "api"
# Swagger UI's page holds a <style> element; its script comes from a URL of its own (the split view), so the page
# keeps the site's policy with inline styles allowed, and no inline script (docs/security.md).
DOCS_CSP = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}
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
    *views_dashboards.urlpatterns,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", csp_override(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
]
