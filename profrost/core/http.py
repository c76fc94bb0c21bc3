"""Small request helpers shared by the apps' views."""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, default, *args, **kwargs):
    """Where to go after a POST: the form's `next` when it is a path on this site, else `default` (a URL name
    or path). Every `next` goes through here (docs/security.md, "Redirects"): no open redirect."""
    target = (request.POST.get("next") or request.GET.get("next") or "").strip()
    if (
        target.startswith("/")
        and not target.startswith("//")
        and target.isprintable()  # no NUL or other control character in a Location header
        and "\\" not in target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return resolve_url(default, *args, **kwargs)
