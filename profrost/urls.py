from django.urls import include, path

from profrost.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("profrost.accounts.urls")),
    path("structure/", include("profrost.structure.urls")),
    path("people/", include("profrost.people.urls")),
    path("imports/", include("profrost.core.urls")),
    path("diagnostics/", include("profrost.diagnostics.urls")),
    path("resources/", include("profrost.resources.urls")),
    path("routes/", include("profrost.routes.urls")),
    path("journal/", core_views.journal_list, name="journal"),
]

handler403 = "profrost.core.views.error_403"
handler404 = "profrost.core.views.error_404"
handler500 = "profrost.core.views.error_500"
