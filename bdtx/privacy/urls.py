from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("log/", views.access_log, name="log"),
    path("log/export.xlsx", views.access_log_export, name="log-export"),
    path("me/", views.my_data, name="mine"),
    path("me/data.json", views.my_data_json, name="mine-json"),
    path("me/data.xlsx", views.my_data_xlsx, name="mine-xlsx"),
]
