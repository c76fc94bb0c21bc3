"""The one scoping mechanism: what part of the region a user may see (docs/architecture.md, "Scope").

`Scope` is a plain value. It is computed where the roles live (profrost.accounts: `User.scope`, from the user's
active roles) and reached here through the user object, so every app — also those below accounts — asks
`scope_of(user)` without importing accounts. Every model with personal data has a queryset method
`visible_to(user)` built on it.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region_ids: frozenset = field(default_factory=frozenset)
    municipality_ids: frozenset = field(default_factory=frozenset)
    organization_ids: frozenset = field(default_factory=frozenset)
    person_ids: frozenset = field(default_factory=frozenset)
    roles: frozenset = field(default_factory=frozenset)


EMPTY = Scope()


def scope_of(user):
    """The user's scope: EMPTY for no user, an anonymous or an inactive one; else the user's own `scope`
    (computed once per request and cached on the user object by accounts.User)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    return user.scope
