from django.urls import path

from profrost.support import activity_views, proposal_views, views

app_name = "support"

urlpatterns = [
    path("", views.register, name="register"),
    path("nominate/", views.nominate, name="nominate"),
    path("approve/", views.approve, name="approve"),
    path("my-teachers/", views.my_teachers, name="my_teachers"),
    path("my-report/", views.my_report, name="my_report"),
    path("my-activities/", views.my_activities, name="my_activities"),
    path("<int:pk>/report/", views.member_report, name="member_report"),
    path("<int:pk>/", views.member_detail, name="member"),
    path("<int:pk>/exclude/", views.exclude, name="exclude"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("assignments/<int:pk>/end/", views.unassign, name="unassign"),
    # the automatic proposal of assignments and the order's appendix (docs/support.md §13, §15)
    path("proposals/", proposal_views.proposals, name="proposals"),
    path("proposals/<int:pk>/", proposal_views.proposal, name="proposal"),
    path("proposals/<int:pk>/apply/", proposal_views.proposal_apply, name="proposal_apply"),
    path("proposals/applied/<int:pk>/", proposal_views.proposal_applied, name="proposal_applied"),
    path("orders/<int:pk>/appendix.<str:fmt>", proposal_views.order_appendix, name="order_appendix"),
    # support activities (docs/support.md §8)
    path("visits/new/", activity_views.visit_record, name="visit_record"),
    path("visits/<int:pk>/", activity_views.visit_detail, name="visit"),
    path("visits/<int:pk>/acknowledge/", activity_views.visit_acknowledge, name="visit_acknowledge"),
    path(
        "recommendations/<int:pk>/to-route/",
        activity_views.recommendation_to_route,
        name="recommendation_to_route",
    ),
    path("consultations/new/", activity_views.consultation_record, name="consultation_record"),
    path("consultations/<int:pk>/", activity_views.consultation_detail, name="consultation"),
    path("my-support/", activity_views.my_support, name="my_support"),
]
