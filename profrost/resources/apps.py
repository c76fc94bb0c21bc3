from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "profrost.resources"
    verbose_name = "Ресурсы профессионального роста"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers its person card sections and its importers and its part of a person's personal data (docs/architecture.md, "Extension points").
        from profrost.resources import cards, imports, personal_data  # noqa: F401
