from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "profrost.resources"
    verbose_name = "Ресурсы профессионального роста"
    default_auto_field = "django.db.models.BigAutoField"
