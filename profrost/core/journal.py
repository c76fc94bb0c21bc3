"""Writing to the security journal. Never a password, never a full SNILS."""

import ipaddress

from django.conf import settings

from profrost.core.models import JournalEntry
from profrost.core.scoping import scope_of


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind our reverse proxy (BEHIND_PROXY) the X-Real-IP header that
    the proxy sets from the connection (never one the client sent: nginx overwrites it). The lockout (axes)
    reads the same headers in the same order (settings.AXES_IPWARE_META_PRECEDENCE_ORDER)."""
    if request is None:
        return None
    for key in settings.AXES_IPWARE_META_PRECEDENCE_ORDER:
        value = request.META.get(key, "").split(",")[0].strip()
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            continue
    return None


def _storable(value):
    """Details as jsonb stores them: PostgreSQL refuses a NUL character (\\u0000) in any string, and
    details may carry what a user typed (the filters of an export)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_storable(v) for v in value]
    return value


def journal(action, *, request=None, user=None, obj=None, result="success", **details):
    user = user if user is not None else getattr(request, "user", None)
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    roles = ",".join(sorted(scope_of(user).roles)) if authenticated else ""
    entry = JournalEntry(
        user_id=user.pk if authenticated else None,
        username=(user.get_username() if authenticated else details.pop("username", "")) or "",
        roles=roles[:300],
        ip=client_ip(request),
        action=action,
        result=result,
        details=_storable(details),
    )
    if obj is not None:
        entry.object_type = obj._meta.label_lower
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:300]
    entry.save()
    return entry
