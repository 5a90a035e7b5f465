from django.urls import path

from . import views

app_name = "standards"
urlpatterns = [
    path("", views.standard_list, name="list"),
    path("new", views.upload, name="new"),
    path("<slug:code>/", views.standard_detail, name="detail"),
    path("<slug:code>/validity", views.validity_edit, name="validity-edit"),
    path("<slug:code>/criteria/<int:number>/edit", views.criterion_edit, name="criterion-edit"),
]
