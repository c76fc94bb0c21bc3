"""The access matrix (SECURITY.md 1-2): every URL pattern, anonymous and every role, inside and
outside the scope. A new URL pattern must be added to OBJECT_URLS or PLAIN_URLS, or this fails."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# URL names that need no login (a literal allow-list, SECURITY.md 1).
PUBLIC = {"accounts:login"}


def iter_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_url_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.pattern.converters


def _inside(w):
    return {
        "person": w["inside"]["teacher"],
        "organization": w["inside"]["school"],
        "municipality": w["inside"]["municipality"],
    }


def _outside(w):
    return {"person": w["teachers"][15], "organization": w["schools"][7], "municipality": w["municipalities"][3]}


# name → (object kind, kwargs builder). The object kind decides who is "inside".
OBJECT_URLS = {}
# Names without object parameters: visited by everyone logged in; must not 500.
PLAIN_URLS = set()


def all_names():
    return sorted(set(name for name, _ in iter_url_names()))


def test_every_url_pattern_is_in_the_matrix():
    missing = []
    for name, converters in iter_url_names():
        if name in PUBLIC:
            continue
        if converters and name not in OBJECT_URLS:
            missing.append(name)
    assert not missing, f"add these URL patterns to the access matrix: {missing}"


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(world, client):
    for name, converters in iter_url_names():
        if name in PUBLIC:
            assert client.get(reverse(name)).status_code == 200
            continue
        kwargs = OBJECT_URLS[name][1](_inside(world)) if converters else {}
        url = reverse(name, kwargs=kwargs)
        response = client.get(url)
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"].startswith("/accounts/login/"), name
