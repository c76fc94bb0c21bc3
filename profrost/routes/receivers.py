"""What routes do when lower apps' events happen (connected in RoutesConfig.ready())."""

from django.dispatch import receiver

from profrost.resources.signals import (
    application_changed,
    attendance_marked,
    enrollments_changed,
    participation_registered,
)
from profrost.routes.actions import (
    follow_application,
    follow_registration,
    sync_enrollments,
    sync_participation,
)


@receiver(enrollments_changed)
def items_follow_enrollments(sender, enrollments, **kwargs):
    sync_enrollments(enrollments)


@receiver(attendance_marked)
def item_follows_attendance(sender, participation, **kwargs):
    sync_participation(participation)


@receiver(application_changed)
def item_follows_application(sender, application, reason="", **kwargs):
    follow_application(application, reason)


@receiver(participation_registered)
def item_follows_registration(sender, participation, **kwargs):
    follow_registration(participation)
