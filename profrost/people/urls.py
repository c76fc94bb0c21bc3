from django.urls import path

from profrost.people import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("export.xlsx", views.person_export, name="export"),
    path("new/", views.person_create, name="create"),
    path("me/", views.me, name="me"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/personal-data.json", views.person_data_export, name="personal_data"),
    path("<int:pk>/erase/", views.person_erase, name="erase"),
    path("<int:pk>/employment/new/", views.employment_add, name="employment_add"),
    path("employment/<int:pk>/edit/", views.employment_edit, name="employment_edit"),
    path("employment/<int:pk>/end/", views.employment_end, name="employment_end"),
]
