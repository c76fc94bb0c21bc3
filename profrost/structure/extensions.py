"""The structure app's extension points (profrost.core.extensions): the organization card shows sections of
the apps above it (people: the staff), and the organization tree counts staff through a hook people provides."""

from profrost.core.extensions import Hook, Slot

organization_card = Slot("organization_card")

# staff_counts(organizations, field) -> {value of the organization's field: number of distinct people working
# there now}, e.g. field "municipality_id" for the tree, "id" per organization. Provided by people
# (profrost.people.cards); no counts until then.
staff_counts = Hook("staff_counts", default=lambda organizations, field: {})
