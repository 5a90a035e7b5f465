from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.new, name="new"),
]
