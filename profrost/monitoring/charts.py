"""The monitoring's charts (docs/monitoring.md §5), built on core/charts.py: functions that take computed values
(numbers, names, targets — never a request or a queryset) and return SVG text, or a core.charts.Chart whose
`.svg` / `.png` / `.data_uri()` serve a page, a PDF and a DOCX alike. The report builder reuses them.

- `sparkline` — a tiny trend line for the dashboard's rows, written directly as SVG (no matplotlib: a page of
  twenty rows draws in a millisecond); `trend_chart` is the same trend as a full chart for documents;
- `ranking_chart` — units ranked by an indicator as horizontal bars, coloured by met / not met, with the
  target's and the region's value as reference lines;
- `unit_chart` — one unit's shares beside the region's.

Also the texts of a value and a target as every page and document writes them («18,8 %», «не менее 40 %»).
"""

from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape, quoteattr

from profrost.core.charts import (
    GREY,
    LABEL_BOX,
    PALETTE,
    Chart,
    _listing,
    _percent_axis,
    _wrap,
    bar_chart,
    number,
)
from profrost.monitoring.compute import TENTH, rounded
from profrost.monitoring.models import Direction, ValueUnit

MET, NOT_MET = "#009E73", "#D55E00"  # Okabe & Ito green and vermillion (told apart also by the text)
TARGET_COLOR, REGION_COLOR = "#333333", "#0072B2"
DIRECTION_TEXT = {Direction.AT_LEAST: "не менее", Direction.AT_MOST: "не более"}


# --- texts ------------------------------------------------------------------------------------------------------


def unit_suffix(indicator):
    return "\u00a0%" if indicator.unit == ValueUnit.PERCENT else ""


def _plain(value):
    """40.00 → 40, 12.50 → 12,5 (a target as typed, without trailing zeros)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return number(int(value))
    return number(value.normalize())


def value_text(indicator, value, empty="нет данных"):
    """A value as shown and exported: «18,8 %» (percent, one decimal half-up), «2,5» (ratio), «12» (count),
    «да» / «нет» (yes/no); `empty` when there is none."""
    if value is None:
        return empty
    if indicator.unit == ValueUnit.YESNO:
        return "да" if value else "нет"
    return number(rounded(indicator, Decimal(value))) + unit_suffix(indicator)


def target_text(indicator, target):
    """«не менее 40 %», «не более 250», «да»; «не задана» without a target."""
    if target is None:
        return "не задана"
    if indicator.unit == ValueUnit.YESNO:
        return "да" if target else "нет"
    return f"{DIRECTION_TEXT.get(indicator.direction, 'не менее')} {_plain(target)}{unit_suffix(indicator)}"


def better(indicator, value, other):
    """1 when `value` is better than `other` by the indicator's direction, -1 worse, 0 equal, None unknown
    (compared as shown, rounded)."""
    if value is None or other is None or indicator.unit == ValueUnit.YESNO:
        return None
    a, b = rounded(indicator, Decimal(value)), rounded(indicator, Decimal(other))
    if a == b:
        return 0
    higher = 1 if a > b else -1
    return -higher if indicator.direction == Direction.AT_MOST else higher


# --- the dashboard's trend ----------------------------------------------------------------------------------------

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 132, 36, 5


def sparkline(labels, values, *, unit="%", target=None, title="Динамика"):
    """A small trend line over successive periods as SVG text (inline in a page: no style attribute, text as
    text). labels: the periods' names; values: a number or None (no data: the line breaks) per period; target:
    a dashed line. The <title> states every figure (the page's table holds them too)."""
    figures = "; ".join(f"{label} — {_with(value, unit)}" for label, value in zip(labels, values))
    alt = f"{title}: {figures}" + (f"; цель — {_with(target, unit)}" if target is not None else "")
    known = [float(v) for v in values if v is not None]
    width, height, pad = SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(alt)}>'
        f"<title>{escape(alt)}</title>"
    )
    if not known:
        return (
            head + f'<text x="{width / 2}" y="{height / 2 + 4}" text-anchor="middle" font-size="10" '
            'font-family="DejaVu Sans, sans-serif" fill="#666666">нет данных</text></svg>'
        )
    top = max(known + ([float(target)] if target is not None else []))
    top = top * 1.1 if top > 0 else 1.0
    n = len(values)
    step = (width - 2 * pad) / max(n - 1, 1)

    def xy(i, v):
        return round(pad + i * step, 1), round(height - pad - (height - 2 * pad) * float(v) / top, 1)

    parts = [head]
    if target is not None:
        _, y = xy(0, target)
        parts.append(
            f'<line x1="{pad}" y1="{y}" x2="{width - pad}" y2="{y}" stroke="{GREY}" stroke-width="1" '
            'stroke-dasharray="3 2"/>'
        )
    segment = []
    for i, v in enumerate([*values, None]):
        if v is not None:
            segment.append(xy(i, v))
            continue
        if len(segment) > 1:
            points = " ".join(f"{x},{y}" for x, y in segment)
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{PALETTE[0]}" stroke-width="1.5"/>'
            )
        segment = []
    for i, v in enumerate(values):
        if v is not None:
            x, y = xy(i, v)
            last = i == n - 1
            parts.append(
                f'<circle cx="{x}" cy="{y}" r="{2.6 if last else 1.8}" fill="{PALETTE[0]}"/>'
                if last
                else f'<circle cx="{x}" cy="{y}" r="1.8" fill="#FFFFFF" stroke="{PALETTE[0]}" stroke-width="1"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _with(value, unit):
    if value is None:
        return "нет данных"
    value = Decimal(value)
    text = (
        _plain(value) if value == value.to_integral_value() else number(value.quantize(TENTH, ROUND_HALF_UP))
    )
    return f"{text}\u00a0{unit}" if unit else text


def trend_chart(title, labels, values, *, unit="%", target=None):
    """The trend of one indicator over periods as a full chart (documents): a line with the values written at
    the points and the target as a dashed line."""
    labels = [str(label) for label in labels]
    values = [None if v is None else Decimal(v) for v in values]
    alt = f"{title}. " + "; ".join(f"{label} — {_with(v, unit)}" for label, v in zip(labels, values))
    if target is not None:
        alt += f"; цель — {_with(target, unit)}"
    alt += "."

    def draw(figure):
        axes = figure.add_subplot()
        axes.set_title(title)
        if all(v is None for v in values):
            figure.text(0.5, 0.5, "Нет данных", ha="center", va="center", color="#555555")
            axes.set_axis_off()
            return
        xs = range(len(labels))
        ys = [float("nan") if v is None else float(v) for v in values]
        axes.plot(xs, ys, color=PALETTE[0], marker="o", markersize=4, linewidth=1.5)
        for x, v in zip(xs, values):
            if v is not None:
                axes.annotate(
                    _with(v, unit),
                    (x, float(v)),
                    textcoords="offset points",
                    xytext=(0, 5),
                    ha="center",
                    fontsize=7.5,
                )
        if target is not None:
            axes.axhline(float(target), color=TARGET_COLOR, linestyle="--", linewidth=1)
            axes.annotate(
                f"цель {_with(target, unit)}",
                (len(labels) - 1, float(target)),
                xytext=(0, 3),
                textcoords="offset points",
                ha="right",
                fontsize=8,
                bbox=LABEL_BOX,
            )
        axes.set_xticks(list(xs), [_wrap(label, 20) for label in labels])
        axes.set_xlim(-0.3, len(labels) - 0.7)
        top = max(
            [float(v) for v in values if v is not None] + ([float(target)] if target is not None else [])
        )
        axes.set_ylim(0, (top or 1) * 1.2)
        _percent_axis(axes.yaxis, unit, None)
        axes.grid(axis="y", color="#DDDDDD", linewidth=0.6)

    return Chart(
        title, alt, draw, 2.8, key=("monitoring.trend", title, repr(labels), repr(values), unit, repr(target))
    )


# --- ranking --------------------------------------------------------------------------------------------------


def ranking_chart(title, names, values, *, unit="%", target=None, region=None, met=None, direction="ge"):
    """Units ranked by an indicator (in the given order, top to bottom) as horizontal bars: green where the
    target is met, vermillion where not, grey without a target; the target as a dashed line and the region's
    value as a dotted one. names, values (None: no value — no bar, «нет данных»), met (True/False/None per
    unit)."""
    names = [str(n) for n in names]
    values = [None if v is None else Decimal(v) for v in values]
    met = list(met) if met is not None else [None] * len(values)
    texts = [_with(v, unit) for v in values]
    alt = f"{title}. " + (
        _listing(list(zip(names, [_f(v) for v in values], texts))) if names else "нет данных"
    )
    if target is not None:
        alt += f". Цель: {'не более' if direction == Direction.AT_MOST else 'не менее'} {_with(target, unit)}"
    if region is not None:
        alt += f". Регион: {_with(region, unit)}"
    alt += "."
    height = 1.1 + max(len(names), 1) * 0.3

    def draw(figure):
        if not names or all(v is None for v in values):
            figure.text(0.5, 0.5, "Нет данных", ha="center", va="center", color="#555555")
            return
        axes = figure.add_subplot()
        axes.set_title(title)
        colors = [MET if m is True else NOT_MET if m is False else GREY for m in met]
        widths = [0 if v is None else float(v) for v in values]
        bars = axes.barh(range(len(names)), widths, height=0.7, color=colors)
        axes.bar_label(bars, labels=texts, padding=3, fontsize=8, bbox=LABEL_BOX)
        refs = []
        if target is not None:
            axes.axvline(float(target), color=TARGET_COLOR, linestyle="--", linewidth=1, label="цель")
            refs.append(float(target))
        if region is not None:
            axes.axvline(float(region), color=REGION_COLOR, linestyle=":", linewidth=1.6, label="регион")
            refs.append(float(region))
        top = max(widths + refs) or 1
        axes.set_yticks(range(len(names)), [_wrap(n, 34) for n in names])
        axes.set_ylim(len(names) - 0.5, -0.5)
        axes.set_xlim(0, top * 1.22)
        _percent_axis(axes.xaxis, unit, None)
        axes.tick_params(axis="y", length=0)
        axes.grid(axis="x", color="#DDDDDD", linewidth=0.6)
        axes.set_axisbelow(True)
        if refs:
            figure.legend(loc="outside lower center", ncols=2, fontsize=8)

    key = (
        "monitoring.ranking",
        title,
        repr(names),
        repr(values),
        unit,
        repr(target),
        repr(region),
        repr(met),
    )
    return Chart(title, alt, draw, height, key=key)


def _f(value):
    return None if value is None else float(value)


# --- a unit beside the region ---------------------------------------------------------------------------------


def unit_chart(title, labels, unit_name, unit_values, region_values, unit="%"):
    """One unit's indicators (labels, e.g. «Показатель 2») beside the region's values: two series of bars."""
    return bar_chart(
        title,
        labels,
        [(unit_name, [_round1(v) for v in unit_values]), ("Регион", [_round1(v) for v in region_values])],
        unit=unit,
        colors=(PALETTE[0], PALETTE[1]),
    )


def _round1(value):
    return None if value is None else Decimal(value).quantize(TENTH, ROUND_HALF_UP)
