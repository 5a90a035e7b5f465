from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.module_list, name="list"),
    path("export.xlsx", views.module_export, name="export"),
    path("import", views.module_import, name="import"),
    path("new", views.module_new, name="new"),
    path("<int:pk>/", views.module_detail, name="detail"),
    path("<int:pk>/edit", views.module_edit, name="edit"),
    path("<int:pk>/periods", views.module_periods, name="periods"),
    path("<int:pk>/active", views.module_active, name="active"),
    path("<int:pk>/materials/new", views.material_add, name="material-add"),
    path("materials/<int:pk>/file", views.material_file, name="material-file"),
    path("materials/<int:pk>/remove", views.material_remove, name="material-remove"),
]
