"""Named lookups: the search behind every field that names a person, an organization or a tutor (issue 11,
«Pick, don't type»). Nobody types a SNILS, an INN, a login or an id to name someone: they type a few letters of a
name, pick from the list, and the form receives the picked row's id.

Core knows no domain, so each app registers its lookups when it is ready (its `lookups` module):

    lookups.register(
        "people",
        queryset=lambda user: Person.objects.visible_to(user),  # all the user may pick: scope + the lookup's rule
        search=lambda qs, text: qs.filter(...).order_by(...),  # the matches of the typed text, ordered
        label=lambda person: f"{person.full_name} — …",  # how a row is shown in the list and once chosen
    )

The page's search field asks the `lookup` view (/lookup/<name>/) as the user types and shows the first
`LIMIT` matches; a form's `LookupField` receives the chosen ids and resolves them through the same queryset, so
an id outside the user's scope (a crafted POST, or a person who has left since the page was opened) is refused
like an unknown one, with one message and no clue which.
"""

from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.urls import reverse

from profrost.core.filters import MAX_ID
from profrost.core.scoping import Scope

MIN_QUERY = 2  # characters typed before anything is searched
MAX_QUERY = 100  # characters of a query; a longer one is refused before any database query
LIMIT = 20  # matches offered at once: a longer list means «type more»
MAX_CHOSEN = 200  # rows one field takes at once (several teachers applied for together)

TOO_SHORT = f"Введите не меньше {MIN_QUERY} символов"
TOO_LONG = "Слишком длинный запрос: сократите его до 100 символов"
NOT_IN_LIST = "Выберите из списка"


@dataclass(frozen=True)
class Lookup:
    name: str
    queryset: object  # callable(user) -> QuerySet of everything this user may pick
    search: object  # callable(queryset, text) -> the matches of the text, ordered
    label: object  # callable(obj) -> str
    placeholder: str

    def find(self, user, text):
        """[(id, label)] of the first LIMIT matches of `text` among the rows the user may pick."""
        return [(obj.pk, self.label(obj)) for obj in self.search(self.queryset(user), text)[:LIMIT]]

    def resolve(self, user, ids):
        """{id: row} of those of `ids` the user may pick; the others are simply absent."""
        return {obj.pk: obj for obj in self.queryset(user).filter(pk__in=list(ids))}


_LOOKUPS = {}


def register(name, *, queryset, search, label=str, placeholder="Начните вводить название"):
    if name in _LOOKUPS:
        raise ValueError(f"lookup {name!r} registered twice")
    _LOOKUPS[name] = Lookup(name, queryset, search, label, placeholder)
    return _LOOKUPS[name]


def get(name):
    """The lookup registered under `name`, or None."""
    return _LOOKUPS.get(name)


def _registered(name):
    if name not in _LOOKUPS:
        raise LookupError(f"no lookup named {name!r} (each app registers its lookups when it is ready)")
    return _LOOKUPS[name]


def names():
    return frozenset(_LOOKUPS)


def words_q(text, fields):
    """A filter matching typed words against name parts in order (the first word the first field's start, …):
    «Иванова Ма» finds Иванова Мария. Words beyond the fields are ignored."""
    q = Q()
    for word, field in zip(text.split(), fields):
        q &= Q(**{f"{field}__istartswith": word})
    return q


def digits_of(text):
    """The digits of a typed number (a SNILS, an INN) without its spaces and hyphens, or "" when the text is
    not a number."""
    digits = text.replace(" ", "").replace("-", "")
    return digits if digits.isascii() and digits.isdigit() else ""


class _CommandLine:
    """The command line as the actor of a form with lookups: it sees everything, as an importer run without
    --user does (docs/security.md, "Sensitive fields": the command line is run by the system's administrator)."""

    is_authenticated = True
    is_active = True
    pk = None
    person_id = None
    scope = Scope(everything=True)


COMMAND_LINE = _CommandLine()


def _ids(values):
    """The row ids of submitted values, in order, without repeats; ValueError for anything but a row id."""
    ids = {}
    for value in values:
        value = str(value).strip()
        if not (value.isascii() and value.isdigit() and len(value) <= 19) or not 1 <= int(value) <= MAX_ID:
            raise ValueError(value)
        ids[int(value)] = None
    return list(ids)


class LookupWidget(forms.Widget):
    """A search field (its label points at it) with the list of matches the script shows under it, the chosen
    rows as removable chips, and a hidden <select> holding the chosen ids — the value the form receives. A form
    shown again after an error keeps the chosen rows with their labels (those the user may still pick)."""

    template_name = "core/widgets/lookup.html"

    def __init__(self, lookup, multiple=False, attrs=None):
        super().__init__(attrs)
        self.lookup, self.multiple, self.user = lookup, multiple, None

    def use_required_attribute(self, initial):
        return False  # the search field is empty once a row is chosen; the form checks the choice itself

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        return value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])

    def value_omitted_from_data(self, data, files, name):
        return name not in data

    def format_value(self, value):
        if value is None or value == "":
            return []
        if not isinstance(value, (list, tuple)):
            value = [value]
        return [str(getattr(v, "pk", v)) for v in value if v not in (None, "")]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        lookup = _registered(self.lookup)
        try:
            ids = _ids(context["widget"]["value"][:MAX_CHOSEN])
        except ValueError:
            ids = []
        found = lookup.resolve(self.user, ids) if ids and self.user is not None else {}
        context["widget"].update(
            url=reverse("lookup", args=[self.lookup]),
            multiple=self.multiple,
            chosen=[(pk, lookup.label(found[pk])) for pk in ids if pk in found],
            min_query=MIN_QUERY,
            max_query=MAX_QUERY,
        )
        context["widget"]["attrs"].setdefault("placeholder", lookup.placeholder)
        return context


class LookupField(forms.Field):
    """A row (or, `multiple`, rows) picked through the lookup `lookup`: the cleaned value is the row (a list of
    rows), resolved within the scope of the form's user — set `field.user` (LookupFormMixin does). An id the
    user may not pick is refused with «Выберите из списка» (or the field's own `invalid_choice` message)."""

    widget = LookupWidget
    default_error_messages = {
        "invalid_choice": NOT_IN_LIST,
        "required": NOT_IN_LIST,
        "one": "Выберите одно значение из списка",
        "too_many": f"Можно выбрать не больше {MAX_CHOSEN}",
    }

    def __init__(self, lookup, *, multiple=False, **kwargs):
        self.lookup, self.multiple = lookup, multiple
        kwargs.setdefault("widget", LookupWidget(lookup, multiple))
        super().__init__(**kwargs)
        self.user = None

    @property
    def user(self):
        return self._user

    @user.setter
    def user(self, user):
        self._user = user
        self.widget.user = user

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.widget.user = copy._user
        return copy

    def to_python(self, value):
        values = [v for v in (value if isinstance(value, (list, tuple)) else [value]) if v not in (None, "")]
        if len(values) > MAX_CHOSEN:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        try:
            ids = _ids(values)
        except ValueError:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None
        if len(ids) > 1 and not self.multiple:
            raise forms.ValidationError(self.error_messages["one"], code="one")
        return ids

    def validate(self, ids):
        if self.required and not ids:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def clean(self, value):
        ids = self.to_python(value)
        self.validate(ids)
        if not ids:
            return [] if self.multiple else None
        found = _registered(self.lookup).resolve(self.user, ids)
        if len(found) != len(ids):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        rows = [found[pk] for pk in ids]
        return rows if self.multiple else rows[0]

    def has_changed(self, initial, data):
        return self.widget.format_value(initial) != self.widget.format_value(data)


class LookupFormMixin:
    """A form with LookupFields takes the user whose scope the choices are resolved in: `Form(data, user=…)`."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, LookupField):
                field.user = user
