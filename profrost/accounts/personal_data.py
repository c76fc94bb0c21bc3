"""A person's login as personal data: exported with the person, erased with them (people.personal_data)."""

from profrost.accounts.models import User, UserEvent
from profrost.people.personal_data import ERASED, register


def _user_export(person):
    user = getattr(person, "user", None)
    if user is None:
        return None
    return {"логин": user.username, "email": user.email, "роли": [str(r) for r in user.roles.all()]}


def _erase_user(person):
    user = getattr(person, "user", None)
    if user is not None:
        UserEvent.objects.filter(pgh_obj_id=user.pk).delete()
        User.objects.filter(pk=user.pk).update(
            first_name="", last_name=ERASED, middle_name="", email="", is_active=False, person=None
        )


register("account", 30, "учётная запись", _user_export, _erase_user, ["accounts.user", "accounts.userevent"])
