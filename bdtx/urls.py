from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", include("bdtx.accounts.urls")),
    path("units/", include("bdtx.organisations.urls")),
    path("staff/", include("bdtx.staff.urls")),
    path("imports/", include("bdtx.imports.urls")),
    path("appraisals/", include("bdtx.appraisals.urls")),
    path("modules/", include("bdtx.catalog.urls")),
    path("plans/", include("bdtx.plans.urls")),
    path("classes/", include("bdtx.delivery.urls")),
    path("results/", include("bdtx.results.urls")),
    path("dashboards/", include("bdtx.dashboards.urls")),
    path("verify/", include("bdtx.results.views.verify")),
    path("standards/", include("bdtx.rules.urls")),
    path("programmes/", include("bdtx.rules.programme_urls")),
    path("privacy/", include("bdtx.privacy.urls")),
    path("api/v1/", include("bdtx.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
