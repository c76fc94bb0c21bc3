"""A lookup field (core.lookups) on a page's own small form, without a Django form:
`{% load lookups %}<label for="tutor-pick">Тьютор</label>{% lookup_input "tutors" "tutor" "tutor-pick" %}`.
The POST is then read through a form with the same LookupField, which resolves the choice in the user's scope."""

from django import template

from profrost.core.lookups import LookupWidget

register = template.Library()


@register.simple_tag(takes_context=True)
def lookup_input(context, lookup, name, id, multiple=False, css="form-control form-control-sm"):
    widget = LookupWidget(lookup, multiple=multiple)
    widget.user = context.get("user")
    return widget.render(name, None, attrs={"id": id, "class": css})
