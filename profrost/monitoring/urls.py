"""The monitoring's addresses: each page module keeps its own list (docs/monitoring.md)."""

from profrost.monitoring import rating_views, set_views, views

app_name = "monitoring"

urlpatterns = views.urlpatterns + rating_views.urlpatterns + set_views.urlpatterns
