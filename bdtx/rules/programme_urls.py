from django.urls import path

from . import programme_views as views

app_name = "programmes"
urlpatterns = [
    path("", views.programme_list, name="list"),
    path("year", views.programme_year, name="year"),
    path("new", views.programme_upload, name="new"),
    path("<slug:code>/", views.programme_detail, name="detail"),
]
