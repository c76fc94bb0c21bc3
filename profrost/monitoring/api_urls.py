"""The monitoring's JSON API (docs/monitoring.md §12), mounted at /api/ in profrost/urls.py. Read-only: GET.
Swagger UI is not served — drf-spectacular loads it from a CDN, which the site's CSP and the no-CDN rule forbid;
the OpenAPI document at /api/schema/ opens in any OpenAPI tool."""

from django.urls import path

from profrost.monitoring import api

app_name = "api"

urlpatterns = [
    path("monitoring/sets/", api.api_view(api.SetList), name="monitoring_sets"),
    path(
        "monitoring/sets/<str:code>/indicators/",
        api.api_view(api.IndicatorList),
        name="monitoring_set_indicators",
    ),
    path("monitoring/values/", api.api_view(api.ValueList), name="monitoring_values"),
    path("monitoring/snapshots/", api.api_view(api.SnapshotList), name="monitoring_snapshots"),
    path("monitoring/snapshots/<int:pk>/", api.api_view(api.SnapshotDetail), name="monitoring_snapshot"),
    path("schema/", api.api_view(api.Schema), name="schema"),
]
