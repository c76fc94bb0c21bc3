"""Pages of mentoring: programs, pairs and groups, the personal plan, the mentor's workspace."""

from django.http import Http404
from django.urls import path


def mentorship(request, pk):
    raise Http404


urlpatterns = [
    path("pairs/<int:pk>/", mentorship, name="mentorship"),
]
