from django.apps import AppConfig


class StructureConfig(AppConfig):
    name = "profrost.structure"
    label = "structure"

    def ready(self):
        # Registers its importer and its lookup (docs/architecture.md, "Extension points").
        from profrost.structure import imports, lookups  # noqa: F401
