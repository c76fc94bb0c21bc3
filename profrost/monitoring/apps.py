from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "profrost.monitoring"
    label = "monitoring"
    verbose_name = "Мониторинг"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers its permission rules (docs/architecture.md, "Permissions").
        from profrost.monitoring import permissions

        permissions.register_all()
