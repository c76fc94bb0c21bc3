"""Organizations to a spreadsheet, in the columns of the «organizations» import (the export, edited, loads
back)."""

from profrost.structure.imports import OrganizationImporter

ORGANIZATION_HEADERS = [c.header for c in OrganizationImporter.columns]


def organization_rows(queryset):
    """Rows in ORGANIZATION_HEADERS order."""
    for org in (
        queryset.select_related("municipality").order_by("municipality__name", "name", "pk").iterator(2000)
    ):
        yield [
            org.municipality.name if org.municipality else "",
            org.name,
            org.short_name,
            org.inn,
            org.get_kind_display(),
            org.get_level_display(),
        ]
