"""Extension points (docs/architecture.md, "Extension points"): how a lower app's page or event reaches data of
the apps above it without importing them.

- `Slot`: a place on a page (the person card, the organization card) where higher apps contribute sections.
  The lower app declares the slot; each higher app registers its sections in its AppConfig.ready(), with a
  template and a function giving the section's context (None: the section is not shown for this object).
  The page renders the slot's sections in their order — as netbox's template extensions and Django admin's
  registry do.
- `Hook`: one function a lower app calls and a higher app provides (e.g. the organization tree's staff count).
- `Gather`: one question a lower app asks and several higher apps may answer, the answers gathered in a list
  (e.g. accounts' `scope_person_ids`: the people a user sees through support's assignments).
- Events that must change a higher app's data are Django signals declared by the lower app (its signals.py)
  and received by the higher app.
"""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class Section:
    name: str
    template: str
    context: object  # callable(request, obj) -> dict | None
    order: int


class Slot:
    def __init__(self, name):
        self.name = name
        self._sections = {}

    def register(self, name, template, order=100):
        """Decorator: `@person_card.register("routes", "routes/_person_routes.html", order=20)` on a function
        (request, obj) -> context dict, or None when the section has nothing to show for obj."""

        def decorator(context):
            self._sections[name] = Section(name, template, context, order)
            return context

        return decorator

    def sections(self):
        return sorted(self._sections.values(), key=lambda s: (s.order, s.name))

    def render(self, request, obj, **extra):
        """The HTML of every section that has something to show for obj, in order."""
        html = []
        for section in self.sections():
            context = section.context(request, obj)
            if context is None:
                continue
            html.append(render_to_string(section.template, {**extra, **context}, request=request))
        return mark_safe("".join(html))  # noqa: S308 — rendered by Django templates, which escape


class Hook:
    """One function declared by a lower app and provided by one higher app; `default` answers until then."""

    def __init__(self, name, default):
        self.name = name
        self._default = default
        self._provider = None

    def provide(self, fn):
        if self._provider is not None and self._provider is not fn:
            raise ValueError(f"hook {self.name!r} provided twice")
        self._provider = fn
        return fn

    def __call__(self, *args, **kwargs):
        return (self._provider or self._default)(*args, **kwargs)


class Gather:
    """One question a lower app asks and any number of higher apps answer: calling it calls every provider and
    returns their answers, in the order they were provided (e.g. the people a user sees besides their own
    units' — an asset member's assigned teachers, later a mentor's mentees). No provider: an empty list."""

    def __init__(self, name):
        self.name = name
        self._providers = {}

    def provide(self, fn):
        # Keyed by the function's qualified name: a module imported twice (tests reloading) provides once.
        self._providers[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    def __call__(self, *args, **kwargs):
        return [fn(*args, **kwargs) for fn in self._providers.values()]
