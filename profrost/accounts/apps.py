from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "profrost.accounts"
    label = "accounts"
    verbose_name = "Пользователи и роли"

    def ready(self):
        from profrost.accounts import signals  # noqa: F401
