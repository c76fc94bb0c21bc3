from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class ProfrostBackend(ModelBackend):
    """Django's backend, except that the trial's demo accounts work only with DEBUG on."""

    def user_can_authenticate(self, user):
        if getattr(user, "is_demo", False) and not settings.DEBUG:
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id):
        user = super().get_user(user_id)
        if user is not None and user.is_demo and not settings.DEBUG:
            return None
        return user
