"""Writing to the security journal. Never a password, never a full SNILS."""

from profrost.core.models import JournalEntry
from profrost.core.scoping import scope_of


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
