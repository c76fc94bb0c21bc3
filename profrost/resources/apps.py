from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "profrost.resources"
    verbose_name = "Ресурсы профессионального роста"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers its person card sections and its importers, its part of a person's personal data and its lookup (docs/architecture.md, "Extension points").
        from profrost.resources import cards, imports, lookups, personal_data  # noqa: F401
