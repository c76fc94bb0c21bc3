from django.urls import path

from profrost.routes import views

app_name = "routes"

urlpatterns = [
    path("zip/", views.routes_zip, name="zip"),
    path("", views.route_list, name="list"),
    path("registers/", views.registers, name="registers"),
    path("registers/chart.svg", views.registers_chart, name="registers_chart"),
    path("tutor/", views.bulk_tutor, name="bulk_tutor"),
    path("uncovered/", views.uncovered_report, name="uncovered"),
    path("generate/result/<int:result_pk>/", views.generate_for_result, name="generate_result"),
    path("generate/campaign/<int:campaign_pk>/", views.generate_for_campaign, name="generate_campaign"),
    path("tasks/<int:pk>/", views.task_status, name="task"),
    path("add/", views.add_resource, name="add_resource"),
    path("new/", views.route_create, name="create"),
    path("new/<int:person_pk>/", views.route_create, name="create_for"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("<int:pk>/", views.route_detail, name="detail"),
    path("<int:pk>/edit/", views.route_edit, name="edit"),
    path("<int:pk>/tutor/", views.route_tutor, name="tutor"),
    path("<int:pk>/items/new/", views.item_form, name="item_create"),
    path("<int:pk>/items/<int:item_pk>/", views.item_form, name="item_edit"),
    path("<int:pk>/items/<int:item_pk>/delete/", views.item_delete, name="item_delete"),
    path("<int:pk>/items/<int:item_pk>/report/", views.item_report, name="item_report"),
    path("<int:pk>/items/<int:item_pk>/review/", views.item_review, name="item_review"),
    path("<int:pk>/do/<str:action>/", views.route_action, name="action"),
    path("<int:pk>/document.<str:fmt>", views.route_document, name="document"),
]
