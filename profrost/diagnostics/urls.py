from django.urls import path

from profrost.diagnostics import views

app_name = "diagnostics"

urlpatterns = [
    path("competences/", views.competence_list, name="competences"),
    path("competences/new/", views.competence_form, name="competence_create"),
    path("competences/<int:pk>/", views.competence_form, name="competence_edit"),
    path("competences/<int:pk>/active/", views.competence_active, name="competence_active"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("instruments/", views.instrument_list, name="instruments"),
    path("instruments/<int:pk>/", views.instrument_detail, name="instrument"),
    path("items/<int:pk>/", views.item_edit, name="item_edit"),
    path("campaigns/<int:pk>/edit/", views.campaign_create, name="campaign_edit"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/export.xlsx", views.campaign_export, name="campaign_export"),
    path("campaigns/<int:pk>/report.xlsx", views.campaign_report, name="campaign_report"),
    path("campaigns/<int:pk>/report.pdf", views.campaign_report_pdf, name="campaign_report_pdf"),
    path("campaigns/<int:pk>/charts/<slug:name>.svg", views.campaign_chart, name="campaign_chart"),
    path("results/<int:pk>/", views.result_detail, name="result"),
    path("campaigns/<int:pk>/invite/", views.campaign_invite, name="campaign_invite"),
    path("my/", views.my_tests, name="my_tests"),
    path("review/", views.expert_queue, name="expert_queue"),
    path("review/<int:pk>/", views.expert_score, name="expert_score"),
    path("my/<int:pk>/", views.take_test, name="take"),
    path("my/<int:pk>/answer/", views.save_answer, name="save_answer"),
    path("my/<int:pk>/submit/", views.submit_test, name="submit"),
]
