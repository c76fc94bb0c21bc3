"""What mentoring does on lower apps' events: a login saved for an active mentor's person gets the mentor role;
a route created for a member of an active pair gets the pair's section-3 item (docs/mentoring.md §7). Both in
the saving transaction."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from profrost.accounts.models import User
from profrost.mentoring.actions import sync_for_people, sync_role_for_login
from profrost.routes.signals import routes_created


@receiver(post_save, sender=User, dispatch_uid="mentoring_mentor_login")
def mentor_login_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or not instance.person_id or not instance.is_active:
        return
    if update_fields is not None and not {"person", "person_id", "is_active"} & set(update_fields):
        return
    sync_role_for_login(instance)


@receiver(routes_created, dispatch_uid="mentoring_routes_created")
def routes_created_for(sender, person_ids, **kwargs):
    sync_for_people(person_ids)
