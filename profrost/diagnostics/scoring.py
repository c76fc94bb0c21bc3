"""Scoring rules (issue 3 §6): per item score, total and per-competence percentages, level, deficits.

Pure functions on Decimals, shared by online testing, result imports and the assessment sheet.
An item mapped to two competences counts fully in both.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from profrost.diagnostics.models import ItemType

HUNDRED = Decimal(100)


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


def percent(points, maximum):
    if not maximum:
        return Decimal(0)
    return (Decimal(points) * HUNDRED / Decimal(maximum)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def competence_percentages(scored_items):
    """scored_items: [(score, max_score, [competence codes])] → {code: percent}."""
    points, maxima = {}, {}
    for score, max_score, codes in scored_items:
        for code in codes:
            points[code] = points.get(code, Decimal(0)) + Decimal(score or 0)
            maxima[code] = maxima.get(code, Decimal(0)) + Decimal(max_score)
    return {code: percent(points[code], maxima[code]) for code in sorted(points)}


def level(total_percent, instrument):
    """высокий / повышенный / базовый / (удовлетворительный) / низкий by the instrument's thresholds."""
    p = Decimal(total_percent)
    if p >= instrument.high_from:
        return "высокий"
    if p >= instrument.elevated_from:
        return "повышенный"
    if p >= instrument.basic_from:
        return "базовый"
    if instrument.satisfactory_from is not None and p >= instrument.satisfactory_from:
        return "удовлетворительный"
    return "низкий"


def deficits(percentages, threshold):
    """[(code, percent, severe)] for each competence under the threshold; severe under half of it."""
    threshold = Decimal(threshold)
    return [(code, p, p < threshold / 2) for code, p in sorted(percentages.items()) if p < threshold]
