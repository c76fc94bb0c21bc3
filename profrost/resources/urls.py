from django.urls import path

from profrost.resources import views

app_name = "resources"

urlpatterns = [
    path("programs/", views.program_list, name="programs"),
    path("programs/new/", views.program_form, name="program_create"),
    path("programs/<int:pk>/", views.program_detail, name="program"),
    path("programs/<int:pk>/edit/", views.program_form, name="program_edit"),
    path("programs/<int:program_pk>/cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort"),
    path("cohorts/<int:pk>/apply/", views.cohort_apply, name="cohort_apply"),
    path("cohorts/<int:pk>/deficits/", views.cohort_deficits, name="cohort_deficits"),
    path("cohorts/<int:pk>/quota/", views.quota_set, name="quota_set"),
    path("cohorts/<int:pk>/export.xlsx", views.cohort_export, name="cohort_export"),
    path("cohorts/<int:pk>/request/", views.cohort_request, name="cohort_request"),
    path("applications/<int:pk>/<str:decision>/", views.application_decide, name="application_decide"),
    path("requests/<int:pk>/<str:decision>/", views.request_decide, name="request_decide"),
    path("enrollments/<int:pk>/", views.enrollment_move, name="enrollment_move"),
    path("events/", views.event_list, name="events"),
    path("events/new/", views.event_form, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/edit/", views.event_form, name="event_edit"),
    path("events/<int:pk>/register/", views.event_register, name="event_register"),
    path("events/<int:pk>/attendance/", views.event_attendance, name="event_attendance"),
    path("internships/", views.internship_list, name="internships"),
    path("internships/new/", views.internship_form, name="internship_create"),
    path("internships/<int:pk>/", views.internship_detail, name="internship"),
    path("internships/<int:pk>/edit/", views.internship_form, name="internship_edit"),
    path("internships/<int:pk>/mentors/", views.internship_mentor, name="internship_mentor"),
    path("internships/<int:pk>/add/", views.internship_add, name="internship_add"),
    path(
        "internships/<int:pk>/participants/<int:participant_pk>/",
        views.internship_complete,
        name="internship_complete",
    ),
    path("sites/<int:pk>/", views.site_detail, name="site"),
    path("site-reports/<int:pk>/file/", views.site_report_file, name="site_report_file"),
    path("communities/", views.community_list, name="communities"),
    path("communities/new/", views.community_form, name="community_create"),
    path("communities/<int:pk>/", views.community_detail, name="community"),
    path("communities/<int:pk>/edit/", views.community_form, name="community_edit"),
    path("communities/<int:pk>/join/", views.community_join, name="community_join"),
    path("communities/<int:pk>/meetings/", views.community_meeting, name="community_meeting"),
    path("match/<int:person_pk>/", views.person_matches, name="person_matches"),
    path("growth/<int:person_pk>.<str:fmt>", views.growth_export, name="growth_export"),
]
