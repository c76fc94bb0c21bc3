from django.urls import path

from profrost.core import import_views

app_name = "core"

urlpatterns = [
    path("", import_views.import_list, name="import_list"),
    path("<slug:kind>/upload/", import_views.import_upload, name="import_upload"),
    path("<slug:kind>/template.xlsx", import_views.import_template, name="import_template"),
    path("job/<int:pk>/", import_views.import_job, name="import_job"),
    path("job/<int:pk>/commit/", import_views.import_commit, name="import_commit"),
    path("job/<int:pk>/cancel/", import_views.import_cancel, name="import_cancel"),
    path("job/<int:pk>/skipped.xlsx", import_views.import_skipped, name="import_skipped"),
]
