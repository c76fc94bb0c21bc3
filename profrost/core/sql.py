"""Helpers for the few reports written in SQL."""

from django.core.exceptions import EmptyResultSet

NOTHING = ("SELECT NULL::bigint WHERE false", ())


def subquery(qs):
    """(sql, params) of a `values("pk")` queryset to put in `… IN ({sql})`. A queryset Django knows to be empty
    (`pk__in=[]` for a user without a scope, an id beyond bigint) has no SQL — compiling it raises
    EmptyResultSet; it is then a subquery that yields no row."""
    try:
        return qs.query.sql_with_params()
    except EmptyResultSet:
        return NOTHING
