"""Charts drawn on the server — one drawing as SVG (pages, PDFs) and as PNG (DOCX). Knows no domain.

matplotlib with its Agg renderer: SVG and PNG without system libraries, the DejaVu Sans it ships (the same
font the machines install). What every chart keeps:

- the SVG's text stays text (`svg.fonttype: none`): labels can be found, selected and read;
- the SVG carries no `style` attribute and no `<style>` element — matplotlib's inline styles are turned into
  presentation attributes — so it is clean under the strict CSP (`style-src 'self'`) whether it is shown as an
  `<img>` or inline;
- deterministic: no date, no generator, ids hashed with a fixed salt — the same data give the same bytes;
- Russian: decimal comma, «—» where a value is missing, a space before «%»;
- a fixed colour-blind-safe palette (Okabe & Ito), lines told apart by dash and marker as well as colour;
- an `alt` text that states the figures (the page's table stays the full accessible alternative).

A chart is drawn lazily, on the first `svg` / `png`; `alt` costs nothing.
"""

import base64
import functools
import io
import textwrap
import threading
from collections import OrderedDict
from decimal import Decimal
from functools import cached_property
from xml.etree import ElementTree

from defusedxml.ElementTree import fromstring
from django.http import HttpResponse

# Okabe & Ito: told apart with every common colour-vision deficiency; black last, grey for "the rest".
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
GREY = "#BBBBBB"
DASHES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
FONT = "DejaVu Sans"
WIDTH = 6.4  # inches: 460 pt, the width of a page's column and of an A4 page between margins
RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "profrost",
    "font.family": FONT,
    "font.size": 9,
    "text.parse_math": False,  # a «$» in a name is a dollar sign, not TeX
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "legend.frameon": False,
}
NO_DATA = "Нет данных"
# A value written over a reference line stays readable.
LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "#FFFFFF", "edgecolor": "none", "alpha": 0.85}
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# CSS properties matplotlib writes into style attributes, all of them SVG presentation attributes.
PRESENTATION = {
    "clip-path",
    "clip-rule",
    "color",
    "display",
    "dominant-baseline",
    "fill",
    "fill-opacity",
    "fill-rule",
    "font-family",
    "font-size",
    "font-stretch",
    "font-style",
    "font-variant",
    "font-weight",
    "letter-spacing",
    "opacity",
    "stroke",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-opacity",
    "stroke-width",
    "text-anchor",
    "visibility",
}
_drawing = threading.Lock()  # matplotlib's settings and font caches are per process

ElementTree.register_namespace("", SVG_NS)
ElementTree.register_namespace("xlink", XLINK_NS)


# --- numbers the Russian way ---------------------------------------------------------------------------------


def number(value, places=None):
    """12.5 → «12,5»; a Decimal keeps its own places (as the page's table shows it), a float gets `places`
    (default 1); None → «—»."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, Decimal):
        text = f"{value:f}" if places is None else f"{value:.{places}f}"
    else:
        text = f"{float(value):.{1 if places is None else places}f}"
    return text.replace(".", ",").replace("-", "−")


def with_unit(value, unit=""):
    """«12,5 %»; «нет данных» for None."""
    if value is None:
        return "нет данных"
    text = number(value)
    if not unit:
        return text
    return f"{text}\u00a0{unit}"


def _float(value):
    return None if value is None else float(value)


# --- the chart --------------------------------------------------------------------------------------------------


RENDERED_KEPT = 128  # drawings kept per process: the same chart asked again is not drawn again


class Chart:
    """A chart: its title, its alt text, and a drawing function rendered on demand to SVG and PNG.

    `key` names everything the drawing depends on (the chart function and its arguments); a drawing with the
    same key is taken from a small per-process cache (a page and its chart URL, a reload, many users looking at
    the same campaign), since drawing takes a good part of a second."""

    _rendered = OrderedDict()
    _rendered_lock = threading.Lock()

    def __init__(self, title, alt, draw, height, key=None):
        self.title, self.alt, self._draw, self.height, self.key = title, alt, draw, height, key

    @cached_property
    def svg(self):
        return self._cached("svg", lambda: _clean_svg(self._render("svg").decode(), self.title))

    @cached_property
    def png(self):
        return self._cached("png", lambda: self._render("png"))

    def _cached(self, fmt, make):
        if self.key is None:
            return make()
        key = (self.key, fmt)
        with self._rendered_lock:
            if key in self._rendered:
                self._rendered.move_to_end(key)
                return self._rendered[key]
        value = make()
        with self._rendered_lock:
            self._rendered[key] = value
            while len(self._rendered) > RENDERED_KEPT:
                self._rendered.popitem(last=False)
        return value

    def data_uri(self):
        """The SVG as a data: URI (a PDF's <img>: WeasyPrint renders SVG; the page's CSP allows data: images)."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()

    def response(self):
        """The SVG as an HTTP answer, for an <img src> on a page."""
        response = HttpResponse(self.svg, content_type="image/svg+xml; charset=utf-8")
        response["Cache-Control"] = "private, no-cache"
        return response

    def _render(self, fmt):
        import matplotlib  # ~0.6 s to import: loaded when a chart is drawn, not by every process loading URLs
        from matplotlib.figure import Figure  # (the same)

        with _drawing, matplotlib.rc_context(RC):
            figure = Figure(figsize=(WIDTH, self.height), dpi=100, layout="constrained")
            self._draw(figure)
            out = io.BytesIO()
            if fmt == "svg":
                figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
            else:
                figure.savefig(out, format="png", dpi=150, metadata={"Software": None})
            return out.getvalue()


def _clean_svg(svg, title):
    """matplotlib's SVG without style attributes, <style>, metadata or DOCTYPE; a <title> for the image."""
    root = fromstring(svg.encode())
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{{{SVG_NS}}}style", f"{{{SVG_NS}}}metadata"):
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        for declaration in (style or "").split(";"):
            name, _, value = declaration.partition(":")
            name, value = name.strip(), value.strip()
            if not name:
                continue
            if name not in PRESENTATION:
                raise ValueError(f"не атрибут представления SVG: {name}")
            if name == "font-family":
                value = f"{value}, sans-serif"
            element.set(name, value)
    # What the <style> said for every element, inherited instead.
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    root.set("role", "img")
    heading = ElementTree.Element(f"{{{SVG_NS}}}title")
    heading.text = title
    root.insert(0, heading)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _wrap(label, width=28):
    return "\n".join(textwrap.wrap(str(label), width, break_long_words=True)) or str(label)


def _percent_axis(axis, unit, max_value):
    # ~0.6 s to import: loaded when a chart is drawn, not by every process that loads the URLs
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=6, integer=max_value is None or max_value > 10))
    axis.set_major_formatter(FuncFormatter(lambda x, _: number(x, 0 if float(x).is_integer() else 1)))
    if unit:
        axis.set_label_text(unit)


def _no_data(figure):
    figure.text(0.5, 0.5, NO_DATA, ha="center", va="center", color="#555555")


def _listing(pairs, limit=12):
    """«a — 1; b — 2» for at most `limit` pairs; beyond it the highest and the lowest."""
    known = [(label, value, text) for label, value, text in pairs if value is not None]
    if len(pairs) <= limit:
        return "; ".join(f"{label} — {text}" for label, _, text in pairs)
    if not known:
        return "нет данных"
    high = max(known, key=lambda p: p[1])
    low = min(known, key=lambda p: p[1])
    return (
        f"{len(pairs)} значений, наибольшее — {high[0]} ({high[2]}), наименьшее — {low[0]} ({low[2]}); "
        "все значения — в таблице"
    )


# --- bars -------------------------------------------------------------------------------------------------------


def _keyed(fn):
    """The chart functions' Chart gets the key of its drawing: the function and every argument."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        chart = fn(*args, **kwargs)
        chart.key = (fn.__name__, repr(args), repr(sorted(kwargs.items())))
        return chart

    return wrapper


@_keyed
def bar_chart(
    title, labels, series, unit="%", max_value=None, value_labels=None, reference=None, colors=None, alt=None
):
    """Horizontal bars, one group per label (top to bottom in the given order), one bar per series.

    series: [(name, [value per label])], None where there is nothing to show; value_labels: the text at each
    bar's end, per series (default: the value with the unit); reference: (value, text) — a dashed line across,
    such as a threshold. A single series has no legend."""
    labels = [str(label) for label in labels]
    value_labels = value_labels or [[with_unit(v, unit) for v in values] for _, values in series]
    colors = colors or PALETTE
    n = len(series)
    height = 0.9 + max(len(labels), 1) * (0.26 * n + 0.14) + (0.3 if n > 1 else 0)
    if alt is None:
        parts = []
        for (name, values), texts in zip(series, value_labels):
            listing = _listing(list(zip(labels, [_float(v) for v in values], texts)))
            parts.append(f"{name}: {listing}" if n > 1 else listing)
        alt = f"{title}. " + ". ".join(parts) + "." if labels else f"{title}: нет данных."

    def draw(figure):
        if not labels or all(v is None for _, values in series for v in values):
            return _no_data(figure)
        axes = figure.add_subplot()
        axes.set_title(title)
        thickness = 0.8 / n
        top = max((float(v) for _, values in series for v in values if v is not None), default=0)
        limit = max_value if max_value is not None else (top * 1.18 or 1)
        for s, ((name, values), texts) in enumerate(zip(series, value_labels)):
            ys = [i + (s - (n - 1) / 2) * thickness for i in range(len(labels))]
            widths = [0 if v is None else float(v) for v in values]
            bars = axes.barh(ys, widths, height=thickness * 0.9, color=colors[s % len(colors)], label=name)
            axes.bar_label(bars, labels=list(texts), padding=3, fontsize=8, bbox=LABEL_BOX)
        if reference is not None:
            axes.axvline(float(reference[0]), color="#333333", linestyle="--", linewidth=1)
            axes.annotate(
                str(reference[1]),
                (float(reference[0]), -0.6),
                xytext=(3, 0),
                textcoords="offset points",
                fontsize=8,
                color="#333333",
                va="bottom",
            )
        axes.set_yticks(range(len(labels)), [_wrap(label) for label in labels])
        axes.set_ylim(len(labels) - 0.5, -0.7 if reference is not None else -0.5)
        axes.set_xlim(0, limit * (1.16 if max_value is not None else 1))
        _percent_axis(axes.xaxis, unit, max_value)
        axes.tick_params(axis="y", length=0)
        axes.grid(axis="x", color="#DDDDDD", linewidth=0.6)
        axes.set_axisbelow(True)
        if n > 1:
            figure.legend(loc="outside lower center", ncols=min(n, 4), fontsize=8)

    return Chart(title, alt, draw, height)


@_keyed
def stacked_bars(title, labels, series, unit="", colors=None, total_labels=None, alt=None):
    """Horizontal stacked bars, one per label: series [(name, [count per label])] stacked left to right;
    a segment wide enough shows its value; total_labels: the text after each bar (default: the sum)."""
    labels = [str(label) for label in labels]
    colors = colors or PALETTE
    totals = [sum(float(v or 0) for v in column) for column in zip(*[values for _, values in series])]
    totals = totals or [0] * len(labels)
    total_labels = total_labels or [with_unit(int(t) if t.is_integer() else t, unit) for t in totals]
    height = 1.2 + max(len(labels), 1) * 0.36
    if alt is None:
        rows = []
        for i, label in enumerate(labels):
            parts = [f"{name} {number(values[i])}" for name, values in series if values[i]]
            rows.append(
                (label, totals[i], f"{total_labels[i]}" + (f" ({', '.join(parts)})" if parts else ""))
            )
        alt = f"{title}. " + _listing(rows, limit=10) + "." if labels else f"{title}: нет данных."

    def draw(figure):
        if not labels or not any(totals):
            return _no_data(figure)
        axes = figure.add_subplot()
        axes.set_title(title)
        top = max(totals)
        left = [0.0] * len(labels)
        for s, (name, values) in enumerate(series):
            widths = [float(v or 0) for v in values]
            color = colors[s % len(colors)]
            bars = axes.barh(range(len(labels)), widths, left=left, height=0.7, color=color, label=name)
            dark = _is_dark(color)
            axes.bar_label(
                bars,
                labels=[number(v) if v and float(v) >= top * 0.06 else "" for v in values],
                label_type="center",
                fontsize=7.5,
                color="#FFFFFF" if dark else "#000000",
            )
            left = [a + b for a, b in zip(left, widths)]
        for i, text in enumerate(total_labels):
            axes.annotate(
                str(text), (totals[i], i), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8
            )
        axes.set_yticks(range(len(labels)), [_wrap(label) for label in labels])
        axes.set_ylim(len(labels) - 0.5, -0.5)
        axes.set_xlim(0, top * 1.25)
        _percent_axis(axes.xaxis, unit, None)
        axes.tick_params(axis="y", length=0)
        axes.grid(axis="x", color="#DDDDDD", linewidth=0.6)
        axes.set_axisbelow(True)
        figure.legend(loc="outside lower center", ncols=min(len(series), 3), fontsize=8)

    return Chart(title, alt, draw, height)


def _is_dark(color):
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * red + 0.587 * green + 0.114 * blue < 140


# --- lines ------------------------------------------------------------------------------------------------------


@_keyed
def line_chart(title, x_labels, series, unit="%", max_value=None, alt=None):
    """Lines over the x labels (such as successive campaigns): series [(name, [value per x])], None where
    nothing was measured (the line breaks). Values are written at the points when there are few lines."""
    x_labels = [str(label) for label in x_labels]
    height = 3.4 + 0.18 * ((len(series) + 3) // 4)
    if alt is None:
        parts = []
        for name, values in series:
            texts = [f"{x} — {with_unit(v, unit)}" for x, v in zip(x_labels, values)]
            parts.append(f"{name}: " + ", ".join(texts))
        shown = parts if len(parts) <= 12 else [*parts[:12], f"ещё {len(parts) - 12} — в таблице"]
        alt = f"{title}. " + "; ".join(shown) + "." if series else f"{title}: нет данных."

    def draw(figure):
        if not x_labels or all(v is None for _, values in series for v in values):
            return _no_data(figure)
        axes = figure.add_subplot()
        axes.set_title(title)
        xs = range(len(x_labels))
        annotate = len(series) <= 4
        for s, (name, values) in enumerate(series):
            ys = [float("nan") if v is None else float(v) for v in values]
            axes.plot(
                xs,
                ys,
                color=PALETTE[s % len(PALETTE)],
                linestyle=DASHES[(s // len(PALETTE)) % len(DASHES)],
                marker=MARKERS[s % len(MARKERS)],
                markersize=4,
                linewidth=1.5,
                label=name,
            )
            if annotate:
                for x, v in zip(xs, values):
                    if v is not None:
                        axes.annotate(
                            number(v),
                            (x, float(v)),
                            textcoords="offset points",
                            xytext=(0, 5),
                            ha="center",
                            fontsize=7.5,
                        )
        axes.set_xticks(list(xs), [_wrap(label, 20) for label in x_labels])
        axes.set_xlim(-0.3, len(x_labels) - 0.7)
        if max_value is not None:
            axes.set_ylim(0, max_value * 1.05)
        else:
            axes.set_ylim(bottom=0)
        _percent_axis(axes.yaxis, unit, max_value)
        axes.grid(axis="y", color="#DDDDDD", linewidth=0.6)
        figure.legend(loc="outside lower center", ncols=4, fontsize=8)

    return Chart(title, alt, draw, height)
