"""Object-level permission predicates for templates (role-level ones are `can.…`, core.context_processors):
`{% load permissions %}{% if user|may_view_site:internship.site %}`."""

from django import template

from profrost.accounts import permissions

register = template.Library()


@register.filter
def may_view_site(user, site):
    return permissions.may_view_site(user, site)


@register.filter
def visible_to(obj, user):
    """Whether `obj` is inside the user's scope (its model's `visible_to`): a link to it opens, not 404.
    `{% if route.person|visible_to:user %}<a …>{% endif %}`."""
    if obj is None:
        return False
    return type(obj).objects.visible_to(user).filter(pk=obj.pk).exists()
