from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The top of the layers (docs/architecture.md): the pages across apps (the start page, the navigation)
    and the embedded trial with its demo data. Nothing imports from it."""

    name = "profrost.portal"
    label = "portal"
    verbose_name = "Портал"
