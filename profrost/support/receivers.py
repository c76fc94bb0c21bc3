"""What support does on a lower app's event: a login saved for the person of an approved asset member gets the
methodologist role (the approval gives it to those who have a login then; those who get one later get it here).
In the saving transaction: if the login's creation is rolled back, so is the role."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from profrost.accounts.models import User
from profrost.support.actions import sync_role_for_login


@receiver(post_save, sender=User, dispatch_uid="support_member_login")
def member_login_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or not instance.person_id or not instance.is_active:
        return
    if update_fields is not None and not {"person", "person_id", "is_active"} & set(update_fields):
        return  # a sign-in's last_login, a password: nothing that links a person
    sync_role_for_login(instance)
