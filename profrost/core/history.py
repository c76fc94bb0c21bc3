"""Change history from the trigger-based event tables (django-pghistory): who, when, before → after."""

import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone
from pghistory.models import Events

LABELS = {"insert": "создание", "update": "изменение", "delete": "удаление"}
HIDDEN = {"id", "version", "created_at", "updated_at", "password", "last_login"}


def history(*objs, limit=50, hide=()):
    """Rows for the card: newest first, field names in Russian, users resolved in one query."""
    objs = [o for o in objs if o is not None]
    if not objs:
        return []
    by_model = {}
    for o in objs:
        by_model.setdefault(type(o), []).append(o)
    # tracks() takes objects of one model at a time; merge the newest events of each.
    events = []
    for group in by_model.values():
        events += list(Events.objects.tracks(*group).order_by("-pgh_created_at")[:limit])
    events = sorted(events, key=lambda e: e.pgh_created_at, reverse=True)[:limit]
    user_ids = {e.pgh_context.get("user") for e in events if e.pgh_context and e.pgh_context.get("user")}
    User = get_user_model()
    users = {u.pk: u.full_name() for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    hidden = HIDDEN | set(hide)
    rows, refs = [], {}
    for e in events:
        model = apps.get_model(e.pgh_obj_model)
        context = e.pgh_context or {}
        source = context.get("source", "")
        who = (
            users.get(context.get("user"))
            or ("загрузка из файла" if source.startswith("import") else "")
            or ("генератор данных" if source == "seed" else "система")
        )
        changes = []
        data = e.pgh_diff if e.pgh_label == "update" and e.pgh_diff else None
        if data:
            for name, (before, after) in data.items():
                if name in hidden:
                    continue
                changes.append((model, name, before, after))
        elif e.pgh_label == "insert":
            changes = [
                (model, k, None, v)
                for k, v in (e.pgh_data or {}).items()
                if k not in hidden and v not in (None, "")
            ]
        if e.pgh_label == "update" and not changes:
            continue
        for model_, name, before, after in changes:
            field = _field(model_, name)
            if field is not None and field.many_to_one and field.related_model is not None:
                refs.setdefault(field.related_model, set()).update(
                    v for v in (before, after) if v is not None
                )
        rows.append(
            {
                "at": e.pgh_created_at,
                "who": who,
                "what": f"{model._meta.verbose_name}: {LABELS.get(e.pgh_label, e.pgh_label)}",
                "kind": e.pgh_label,
                "changes": changes,
                "source": source,
            }
        )
    # Foreign keys and choices shown by name, not by id or code: one query per related model.
    names = {
        related: {obj.pk: _name(obj) for obj in related.objects.filter(pk__in=ids)}
        for related, ids in refs.items()
    }
    for row in rows:
        inserted = row.pop("kind") == "insert"
        row["changes"] = [
            (
                _label(m, name),
                "" if inserted else _value(m, name, before, names),
                _value(m, name, after, names),
            )
            for m, name, before, after in row["changes"]
        ]
    return rows


def _field(model, name):
    for field in model._meta.get_fields():
        if getattr(field, "attname", None) == name or field.name == name:
            return field
    return None


def _name(obj):
    full_name = getattr(obj, "full_name", None)
    if callable(full_name):
        return full_name()
    return str(full_name or obj)


def _value(model, name, value, names):
    field = _field(model, name)
    if value is not None and field is not None:
        if field.many_to_one and field.related_model is not None:
            return names.get(field.related_model, {}).get(value, f"№ {value}")
        if getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
    return _show(value)


# Django's own user fields, named as a person reads them (its translations are a programmer's words).
LABELS_OF_USER_FIELDS = {
    "is_superuser": "полный доступ ко всему (суперпользователь)",
    "is_staff": "доступ к служебному разделу",
    "is_active": "учётная запись действует",
    "date_joined": "дата создания учётной записи",
    "username": "логин",
    "email": "адрес эл. почты",
}


def _label(model, name):
    if model is get_user_model() and name in LABELS_OF_USER_FIELDS:
        return LABELS_OF_USER_FIELDS[name]
    for field in model._meta.get_fields():
        if getattr(field, "attname", None) == name or field.name == name:
            return str(getattr(field, "verbose_name", name))
    return name


def _show(value):
    if value is None or value == "":
        return "—"
    if value is True:
        return "да"
    if value is False:
        return "нет"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return f"{value[8:10]}.{value[5:7]}.{value[0:4]}"
    if isinstance(value, str) and len(value) > 18 and value[4] == "-" and value[10] == "T":
        try:  # a moment as the history tables keep it: 2026-12-01T21:15:20.512984+00:00
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return f"{moment:%d.%m.%Y %H:%M}"
    return str(value)
