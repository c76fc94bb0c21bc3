from django.urls import path

from profrost.people import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("me/", views.me, name="me"),
]
