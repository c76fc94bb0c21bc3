from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "profrost.accounts"
    label = "accounts"
    verbose_name = "Пользователи и роли"

    def ready(self):
        # Importing the modules connects the receivers and registers the permission rules and the login's part
        # of a person's personal data.
        from profrost.accounts import permissions, personal_data, signals  # noqa: F401

        permissions._register_all()
