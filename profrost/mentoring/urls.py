"""Mentoring's addresses: each page module keeps its own list (docs/mentoring.md)."""

from profrost.mentoring import proposal_views, register_views, views

app_name = "mentoring"

urlpatterns = views.urlpatterns + register_views.urlpatterns + proposal_views.urlpatterns
