"""Item scoring (docs/domain.md §5, "Scoring"): the points one answer earns, and the number parsing the result
imports share. Pure functions, used by online test taking (taking.submit) and the imports.

Totals, levels, per-competence percentages and deficits are computed in one place only, in the database:
diagnostics.actions.recompute_results.
"""

from decimal import Decimal, InvalidOperation

from profrost.diagnostics.models import ItemType


def normalize_text(value):
    """Case, spaces and ё/е do not matter in a short answer."""
    return " ".join(str(value or "").lower().replace("ё", "е").split())


def _choices(value):
    return {normalize_text(v) for v in str(value or "").replace(",", ";").split(";") if normalize_text(v)}


def to_decimal(value):
    try:
        return Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError):
        return None


def score_item(item_type, key, max_score, answer, tolerance=Decimal(0)):
    """The points for one answer; None for an open answer (an expert scores it)."""
    max_score = Decimal(max_score)
    if item_type == ItemType.OPEN:
        return None
    if answer is None or str(answer).strip() == "":
        return Decimal(0)
    if item_type == ItemType.SINGLE:
        return max_score if normalize_text(answer) == normalize_text(key) else Decimal(0)
    if item_type == ItemType.MULTIPLE:
        return max_score if _choices(answer) == _choices(key) else Decimal(0)
    if item_type == ItemType.SHORT:
        accepted = {normalize_text(k) for k in str(key).split("|")}
        return max_score if normalize_text(answer) in accepted else Decimal(0)
    if item_type == ItemType.NUMERIC:
        given, expected = to_decimal(answer), to_decimal(key)
        if given is None or expected is None:
            return Decimal(0)
        return max_score if abs(given - expected) <= Decimal(tolerance) else Decimal(0)
    raise ValueError(f"unknown item type {item_type!r}")
