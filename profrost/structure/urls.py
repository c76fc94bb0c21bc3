from django.urls import path

from profrost.structure import views

app_name = "structure"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("export.xlsx", views.organization_export, name="export"),
    path(
        "municipality/<int:pk>/organizations/",
        views.municipality_organizations,
        name="municipality_organizations",
    ),
    path("organization/new/", views.organization_create, name="organization_create"),
    path("organization/<int:pk>/", views.organization_detail, name="organization"),
    path("organization/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("organization/<int:pk>/status/new/", views.status_add, name="status_add"),
]
