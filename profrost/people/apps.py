from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "profrost.people"
    label = "people"

    def ready(self):
        # Registers its organization card section, hooks, its importer and its lookup (docs/architecture.md, "Extension points").
        from profrost.people import cards, imports, lookups  # noqa: F401
