from django.urls import path

from profrost.core import import_views

app_name = "core"

urlpatterns = [
    path("", import_views.import_list, name="import_list"),
]
