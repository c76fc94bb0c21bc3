from django.urls import include, path

from profrost.core import views as core_views
from profrost.portal import views as portal_views

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("accounts/", include("profrost.accounts.urls")),
    path("structure/", include("profrost.structure.urls")),
    path("people/", include("profrost.people.urls")),
    path("imports/", include("profrost.core.urls")),
    path("diagnostics/", include("profrost.diagnostics.urls")),
    path("resources/", include("profrost.resources.urls")),
    path("routes/", include("profrost.routes.urls")),
    path("support/", include("profrost.support.urls")),
    path("mentoring/", include("profrost.mentoring.urls")),
    path("monitoring/", include("profrost.monitoring.urls")),
    path("api/", include("profrost.monitoring.api_urls")),
    path("journal/", portal_views.journal_list, name="journal"),
    path("downloads/<int:pk>/", core_views.download_status, name="download"),
    path("downloads/<int:pk>/file/", core_views.download_file, name="download_file"),
    path("lookup/<slug:name>/", core_views.lookup, name="lookup"),
    path("notifications/", core_views.notifications, name="notifications"),
    path("notifications/<int:pk>/", core_views.notification_open, name="notification"),
]

handler403 = "profrost.core.views.error_403"
handler404 = "profrost.core.views.error_404"
handler500 = "profrost.core.views.error_500"
