from django.urls import path

from profrost.diagnostics import views

app_name = "diagnostics"

urlpatterns = [
    path("competences/", views.competence_list, name="competences"),
    path("competences/new/", views.competence_form, name="competence_create"),
    path("competences/<int:pk>/", views.competence_form, name="competence_edit"),
    path("competences/<int:pk>/active/", views.competence_active, name="competence_active"),
]
