from django.apps import AppConfig


class RoutesConfig(AppConfig):
    name = "profrost.routes"
    verbose_name = "Индивидуальные образовательные маршруты"
    default_auto_field = "django.db.models.BigAutoField"
