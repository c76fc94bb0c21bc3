from django.apps import AppConfig


class StructureConfig(AppConfig):
    name = "profrost.structure"
    label = "structure"

    def ready(self):
        # Registers its importer (docs/architecture.md, "Extension points").
        from profrost.structure import imports  # noqa: F401
