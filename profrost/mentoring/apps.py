from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "profrost.mentoring"
    label = "mentoring"
    verbose_name = "Наставничество"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Provides the scope hook (a mentor sees their mentees, a curator the pairs of the program), the route
        # generator's section-3 lines, its permission rules, its importer (`profrost import mentorships`) and
        # receives accounts' user saves (a login of an active mentor gets the mentor role) — docs/architecture.md,
        # "Extension points".
        from profrost.mentoring import cards, imports, permissions, personal_data, receivers  # noqa: F401

        permissions.register_all()
