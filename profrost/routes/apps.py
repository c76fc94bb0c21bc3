from django.apps import AppConfig


class RoutesConfig(AppConfig):
    name = "profrost.routes"
    verbose_name = "Индивидуальные образовательные маршруты"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers its sections on lower apps' pages (the person card, «Добавить в маршрут» by a resource) and receives
        # the lower apps' events (docs/architecture.md, "Extension points").
        from profrost.routes import cards, receivers  # noqa: F401
