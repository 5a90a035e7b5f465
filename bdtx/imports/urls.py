from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.new, name="new"),
    path("template/<str:kind>.xlsx", views.template, name="template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/apply/", views.apply, name="apply"),
    path("<int:pk>/marked.xlsx", views.marked, name="marked"),
]
