from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "profrost.diagnostics"
    label = "diagnostics"
    verbose_name = "Диагностика профессиональных компетенций"

    def ready(self):
        # Registers its person card section and its importers and its part of a person's personal data (docs/architecture.md, "Extension points").
        from profrost.diagnostics import cards, imports, personal_data  # noqa: F401
