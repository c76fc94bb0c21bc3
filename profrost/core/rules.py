"""Named permission rules, reachable from every layer (docs/architecture.md, "Permissions").

The rules themselves are role rules and live with the roles (profrost.accounts.permissions), which registers
each of them here when the app is ready. An app below accounts (structure, people) asks by name:

    rules.allowed(request.user, "edit_people")

and never imports accounts. Apps above accounts may call the predicates directly; both ways run the same
function. Templates ask through `can` (`{% if can.manage_campaigns %}`), see Can below. An unknown name is a
programming error (KeyError), never a silent refusal, and a test checks every name the code and templates use.
"""

_RULES = {}


def register(name, predicate):
    if name in _RULES and _RULES[name] is not predicate:
        raise ValueError(f"permission rule {name!r} registered twice")
    _RULES[name] = predicate
    return predicate


def allowed(user, name, *args):
    """Whether the rule `name` allows `user` (with the rule's further arguments, e.g. an object)."""
    return bool(_RULES[name](user, *args))


def names():
    return frozenset(_RULES)


class Can:
    """The one-argument rules for templates, evaluated lazily and once per request: `{% if can.manage_campaigns %}`
    asks the rule "manage_campaigns" for the user. An unknown name raises AttributeError (a test checks every
    `can.…` the templates use)."""

    def __init__(self, user):
        self._user = user
        self._answers = {}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in _RULES:
            raise AttributeError(f"no permission rule named {name!r}")
        if name not in self._answers:
            self._answers[name] = allowed(self._user, name)
        return self._answers[name]
