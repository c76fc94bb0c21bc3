from django.urls import path

from profrost.structure import views

app_name = "structure"

urlpatterns = [
    path("", views.tree, name="tree"),
]
