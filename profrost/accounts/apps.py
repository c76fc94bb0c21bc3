from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "profrost.accounts"
    label = "accounts"
    verbose_name = "Пользователи и роли"

    def ready(self):
        # Importing the modules connects the receivers and registers the permission rules, the login's part
        # of a person's personal data and the tutors lookup.
        from profrost.accounts import lookups, permissions, personal_data, signals  # noqa: F401

        permissions._register_all()
