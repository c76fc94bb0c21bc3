from django.db import transaction
from django.db.models import F

from profrost.structure.models import Organization, OrganizationStatus, Region


class Conflict(Exception):
    """The organization changed since the form was loaded."""


FIELDS = ("municipality", "name", "short_name", "inn", "kind", "level")


@transaction.atomic
def create_organization(data):
    municipality = data.get("municipality")
    region = municipality.region if municipality else Region.objects.order_by("pk").first()
    return Organization.objects.create(region=region, **{f: data[f] for f in FIELDS})


@transaction.atomic
def update_organization(pk, data, expected_version):
    updated = Organization.objects.filter(pk=pk, version=expected_version).update(
        **{f: data[f] for f in FIELDS}, version=F("version") + 1
    )
    if not updated:
        raise Conflict
    return Organization.objects.get(pk=pk)


@transaction.atomic
def add_status(organization, data):
    return OrganizationStatus.objects.create(organization=organization, **data)
