"""The accounts app's extension points (profrost.core.extensions).

`scope_person_ids(user, roles)` — the ids of the people a user sees besides their own units' and their own
record, asked by `User.scope` (accounts.models._compute_scope) and answered by the apps above that give people
to a user: support (an asset member's assigned teachers, profrost.support.cards). Each provider returns an
iterable of person ids (a values_list queryset is fine); `roles` is the frozenset of the user's active role codes,
so that a provider asks the database only for users holding its role. The scope stays one value computed in
one place: no page special-cases these people.
"""

from profrost.core.extensions import Gather

scope_person_ids = Gather("scope_person_ids")
