from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "profrost.support"
    label = "support"
    verbose_name = "Методический актив и сопровождение"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Provides the scope hook (an asset member sees their assigned teachers), registers its permission rules,
        # its nominee lookup, its part of a person's personal data, its importers (`profrost import asset`,
        # `assignments`: core.imports' registry), and receives accounts' user saves (a login created for an
        # approved member gets the methodologist role) — docs/architecture.md, "Extension points".
        from profrost.support import cards, imports, lookups, permissions, personal_data, receivers  # noqa: F401

        permissions.register_all()
