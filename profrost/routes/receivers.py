"""What routes do when lower apps' events happen (connected in RoutesConfig.ready())."""

from django.dispatch import receiver

from profrost.resources.signals import attendance_marked, enrollments_changed
from profrost.routes.actions import sync_enrollments, sync_participation


@receiver(enrollments_changed)
def items_follow_enrollments(sender, enrollments, **kwargs):
    sync_enrollments(enrollments)


@receiver(attendance_marked)
def item_follows_attendance(sender, participation, **kwargs):
    sync_participation(participation)
