from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("unit/<int:pk>/", views.unit_dashboard, name="unit"),
    path("unit/<int:pk>/status/", views.status, name="status"),
    path("unit/<int:pk>/people/", views.people_list, name="people"),
    path("unit/<int:pk>/people/export.xlsx", views.people_xlsx, name="people-xlsx"),
    path("people-exports/<int:pk>/", views.people_export, name="people-export"),
    path("people-exports/<int:pk>/download.xlsx", views.people_export_download, name="people-export-download"),
    path("unit/<int:pk>/export.xlsx", views.unit_xlsx, name="unit-xlsx"),
    path("unit/<int:pk>/print.pdf", views.unit_pdf, name="unit-pdf"),
    path("unit/<int:pk>/report.pdf", views.report_pdf, name="report-pdf"),
    path("unit/<int:pk>/report.xlsx", views.report_xlsx, name="report-xlsx"),
    path("targets/", views.target_list, name="targets"),
    path("targets/new/", views.target_new, name="target-new"),
    path("targets/<int:pk>/", views.target_detail, name="target"),
    path("targets/<int:pk>/remove/", views.target_remove, name="target-remove"),
]
