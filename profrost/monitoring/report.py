"""The printable monitoring (docs/monitoring.md §8, §10): the rating as XLSX, DOCX and PDF, and the monitoring
report of a period — the indicators of the region and of each municipality with charts, the rating, the
recommendations and their status — as DOCX (python-docx, charts as PNG) and PDF (WeasyPrint, charts as SVG), as
routes/document.py and support/exports.py make theirs.

The report takes the published snapshots of the period where they exist (the region's and the municipalities'
values of kind «report»; the rating) and says so; otherwise it computes the values live and says that too. It is
made by a task in the worker (`build_report_file`), the page showing its progress: a chart per indicator takes
a good part of a second.
"""

import datetime
import io

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from profrost.core import downloads
from profrost.core.charts import bar_chart, number
from profrost.core.periods import academic_year, calendar_year, current_academic_year, parse
from profrost.monitoring import rating as ratings
from profrost.monitoring.charts import ranking_chart, target_text, value_text
from profrost.monitoring.compute import compute, targets_for, units
from profrost.monitoring.models import (
    IndicatorSet,
    Level,
    Recommendation,
    RecommendationStatus,
    Snapshot,
    SnapshotKind,
    SnapshotValue,
    ValueUnit,
)

OPEN = (RecommendationStatus.SENT, RecommendationStatus.ACKNOWLEDGED)


def _d(day):
    return day.strftime("%d.%m.%Y") if day else ""


def _signed(n):
    if n is None:
        return "—"
    if n == 0:
        return "0"
    return f"+{n}" if n > 0 else f"−{-n}"


def _unit(indicator_or_column):
    return "%" if indicator_or_column.unit == ValueUnit.PERCENT else ""


# --- the rating ---------------------------------------------------------------------------------------------------


def rating_rows(rating):
    """The rating's rows as the page and the documents show them."""
    out = []
    for row in rating.rows:
        out.append(
            {
                "place": row.place,
                "name": row.name,
                "unit_id": row.unit_id,
                "score": number(row.shown_score) if row.score is not None else "—",
                "change": _signed(row.change),
                "change_value": row.change,
                "previous_place": row.previous_place,
                "cells": [
                    {
                        "text": value_text(p.column, p.value),
                        "met": p.met,
                        "target": target_text(p.column, p.target),
                    }
                    for p in row.parts
                ],
                "pulled_down": [
                    {
                        "code": p.column.code,
                        "name": p.column.name,
                        "value": value_text(p.column, p.value),
                        "target": target_text(p.column, p.target),
                        "lost": number(p.shortfall.quantize(ratings.SHOWN_PLACES)),
                    }
                    for p in row.pulled_down
                ],
            }
        )
    return out


def pulled_down_text(row):
    return "; ".join(
        f"{p['code']} ({p['value']}, цель {p['target']}; −{p['lost']})" for p in row["pulled_down"]
    )


def rating_status(rating):
    if rating.snapshot is not None:
        who = rating.snapshot.published_by.get_full_name() if rating.snapshot.published_by else ""
        return f"опубликован {timezone.localtime(rating.snapshot.published_at):%d.%m.%Y}{f' ({who})' if who else ''}"
    return f"предварительный расчёт по данным на {datetime.date.today():%d.%m.%Y} (не опубликован)"


RATING_HEADERS = ["Место", "Муниципалитет", "Балл", "Изменение места", "Что снизило балл"]


def rating_sheets(rating):
    headers = [*RATING_HEADERS, *[f"{c.code}. {c.name}" for c in rating.columns]]
    rows = []
    for row, shown in zip(rating.rows, rating_rows(rating), strict=True):
        rows.append(
            [
                row.place,
                row.name,
                row.shown_score,
                row.change,
                pulled_down_text(shown),
                *[p.shown for p in row.parts],
            ]
        )
    rule = [
        ["Правило", rating.rule.get("description") or rating.rule.get("name")],
        [
            "Без значения",
            "показатель не учитывается" if rating.rule.get("skip_missing") else "0 баллов по показателю",
        ],
        ["Статус", rating_status(rating)],
        *[[f"{c.code}. {c.name}", f"вес {number(c.weight.normalize())}"] for c in rating.columns],
        *[[label, f"не входит: {reason}"] for label, reason in rating.skipped],
    ]
    return [("Рейтинг", headers, rows), ("Правило", ["", ""], rule)]


def rating_chart(rating):
    """The scores as bars, best first."""
    placed = [r for r in rating.rows if r.score is not None]
    return bar_chart(
        f"Балл рейтинга, {rating.period.label}",
        [f"{r.place}. {r.name}" for r in placed],
        [("Балл", [r.shown_score for r in placed])],
        unit="",
        max_value=1,
    )


def _document(landscape=False):
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(10)
    if landscape:
        section = doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(1.5)
    return doc


def _table(doc, headers, rows):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = "" if value is None else _d(value) if hasattr(value, "strftime") else str(value)
    return table


def _title(doc, text):
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(text).bold = True


def _picture(doc, chart):
    doc.add_picture(io.BytesIO(chart.png), width=Cm(17))


def _rating_to_docx(doc, rating, heading=True):
    if heading:
        _title(doc, rating.title)
    doc.add_paragraph(f"Статус: {rating_status(rating)}.")
    doc.add_paragraph(
        f"Правило: {rating.rule.get('description') or rating.rule.get('name')}; муниципалитет без значения "
        f"показателя {'не оценивается по нему' if rating.rule.get('skip_missing') else 'получает по нему 0'}."
    )
    if rating.previous is not None:
        doc.add_paragraph(f"Изменение места — по сравнению с рейтингом «{rating.previous.title}».")
    shown = rating_rows(rating)
    _table(
        doc,
        ["Место", "Муниципалитет", "Балл", "Изменение", "Что снизило балл"],
        [[r["place"] or "—", r["name"], r["score"], r["change"], pulled_down_text(r)] for r in shown],
    )
    if rating.rows:
        _picture(doc, rating_chart(rating))
    doc.add_paragraph("Показатели рейтинга", style="Heading 3")
    _table(
        doc,
        ["Показатель", "Вес"],
        [[f"{c.code}. {c.name}", number(c.weight.normalize())] for c in rating.columns],
    )
    if rating.skipped:
        doc.add_paragraph(
            "Не входят в рейтинг: "
            + "; ".join(f"{label} — {reason}" for label, reason in rating.skipped)
            + "."
        )


def rating_docx(rating):
    doc = _document()
    _rating_to_docx(doc, rating)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def rating_pdf(rating):
    import weasyprint  # ~1 s to import: loaded by the PDF exports only

    html = render_to_string(
        "monitoring/rating_pdf.html",
        {
            "rating": rating,
            "rows": rating_rows(rating),
            "status": rating_status(rating),
            "chart": rating_chart(rating).data_uri() if rating.rows else "",
        },
    )
    return weasyprint.HTML(string=html).write_pdf()


# --- the monitoring report -----------------------------------------------------------------------------------------


def report_title(indicator_set, period):
    return f"Отчёт мониторинга за {period.label}: {indicator_set.name}"


def period_options(current, today=None):
    """[(code, label)] for the report's period: the last academic years, half-years and calendar years."""
    today = today or datetime.date.today()
    first = current_academic_year(today).start.year
    options = [academic_year(y) for y in range(first, first - 4, -1)]
    options += ratings.recent_half_years(today, 6)
    options += [calendar_year(y) for y in range(today.year, today.year - 4, -1)]
    out = [(p.code, p.label) for p in options]
    if current.code not in {code for code, _ in out}:
        out.insert(0, (current.code, current.label))
    return out


def _level_values(indicator_set, period, level):
    """({indicator id: {unit id: (value, target, met)}}, {unit id: name}, source text) for a level: the published
    report snapshot's frozen values if there is one, else the live ones."""
    indicators = [i for i in indicator_set.indicators.order_by("order", "code") if level in i.levels]
    snapshot = Snapshot.objects.filter(
        kind=SnapshotKind.REPORT, indicator_set=indicator_set, level=level, period=period.code
    ).first()
    out = {i.pk: {} for i in indicators}
    if snapshot is not None:
        names = {}
        for v in SnapshotValue.objects.filter(snapshot=snapshot, indicator__in=indicators):
            out[v.indicator_id][v.unit_id] = (v.value, v.target, v.met)
            names[v.unit_id] = v.unit_name
        source = f"опубликованный срез от {timezone.localtime(snapshot.published_at):%d.%m.%Y}"
        return indicators, out, names, source
    names = dict(units(level).values_list("pk", "name"))
    live = compute(indicators, period, level, list(names)) if indicators else {}
    targets = targets_for(indicators, period)
    for ind in indicators:
        for unit_id in names:
            v = live.get(ind.pk, {}).get(unit_id)
            out[ind.pk][unit_id] = (v.value, v.target, v.met) if v else (None, targets.get(ind.pk), None)
    return indicators, out, names, f"текущие данные на {datetime.date.today():%d.%m.%Y} (срез не опубликован)"


def _report_ratings(indicator_set, period):
    """The ratings of the report: those published for half-years within the period; for a half-year without a
    published rating, the preliminary one."""
    found = Snapshot.objects.filter(
        kind=SnapshotKind.RATING, indicator_set=indicator_set, start__gte=period.start, end__lte=period.end
    ).order_by("end")
    out = [ratings.from_snapshot(s) for s in found]
    if not out and period.kind == "half_year":
        out = [ratings.live(indicator_set, period)]
    return out


def build_report(indicator_set, period, user, progress=None):
    """Everything the report shows, with its charts (core.charts.Chart: `.png` for DOCX, `.data_uri()` for PDF).
    Recommendations: those the user may see (a coordinator, their municipality's)."""
    progress = progress or (lambda done, total: None)
    region_indicators, region_values, region_names, region_source = _level_values(
        indicator_set, period, Level.REGION
    )
    mun_indicators, mun_values, mun_names, mun_source = _level_values(
        indicator_set, period, Level.MUNICIPALITY
    )
    total = len(mun_indicators) + 2
    done = 0
    progress(done, total)
    region_rows = []
    for ind in region_indicators:
        for unit_id, name in sorted(region_names.items(), key=lambda kv: kv[1]):
            value, target, met = region_values[ind.pk].get(unit_id, (None, None, None))
            region_rows.append(
                {
                    "indicator": ind,
                    "unit": name,
                    "value": value_text(ind, value),
                    "target": target_text(ind, target),
                    "met": met,
                }
            )
    region_by_indicator = {}
    for ind in region_indicators:
        known = [v for v in region_values[ind.pk].values() if v[0] is not None]
        if len(known) == 1:
            region_by_indicator[ind.pk] = known[0][0]
    sections = []
    for ind in mun_indicators:
        rows = sorted(
            (
                (name, *mun_values[ind.pk].get(unit_id, (None, None, None)))
                for unit_id, name in mun_names.items()
            ),
            key=lambda r: (r[1] is None, -(r[1] or 0) if ind.direction != "le" else (r[1] or 0), r[0]),
        )
        target = next((r[2] for r in rows if r[2] is not None), None)
        chart = ranking_chart(
            f"{ind.code}. {ind.name}"[:150],
            [r[0] for r in rows],
            [r[1] for r in rows],
            unit=_unit(ind),
            target=target,
            region=region_by_indicator.get(ind.pk),
            met=[r[3] for r in rows],
            direction=ind.direction,
        )
        with_value = [r for r in rows if r[1] is not None]
        met = [r for r in rows if r[3] is True]
        below = [r[0] for r in rows if r[3] is False]
        sections.append(
            {
                "indicator": ind,
                "target": target_text(ind, target),
                "chart": chart,
                "rows": [{"name": r[0], "value": value_text(ind, r[1]), "met": r[3]} for r in rows],
                "summary": (
                    f"Значение есть у {len(with_value)} из {len(rows)} муниципалитетов; цель достигнута — {len(met)}"
                    + (f"; ниже цели: {', '.join(below)}" if below else "")
                    + "."
                ),
            }
        )
        done += 1
        progress(done, total)
    rating_list = _report_ratings(indicator_set, period)
    done += 1
    progress(done, total)
    recs = (
        Recommendation.objects.visible_to(user)
        .filter(
            snapshot__indicator_set=indicator_set,
            snapshot__start__gte=period.start,
            snapshot__end__lte=period.end,
        )
        .select_related("municipality", "indicator", "snapshot")
        .order_by("municipality__name", "indicator__order", "pk")
    )
    today = datetime.date.today()
    counts = dict(recs.order_by().values_list("status").annotate(n=Count("pk")))
    rec_rows = [
        {
            "municipality": r.municipality.name,
            "indicator": f"{r.indicator.code}. {r.indicator.name}",
            "value": value_text(r.indicator, r.value),
            "target": target_text(r.indicator, r.target),
            "status": r.get_status_display(),
            "due": _d(r.answer_due),
            "overdue": r.status in OPEN and r.answer_due is not None and r.answer_due < today,
            "measures": r.measures,
            "measures_due": _d(r.measures_due),
        }
        for r in recs[:2000]
    ]
    return {
        "title": report_title(indicator_set, period),
        "indicator_set": indicator_set,
        "period": period,
        "made": timezone.localtime(),
        "region_rows": region_rows,
        "region_source": region_source,
        "sections": sections,
        "municipal_source": mun_source,
        "ratings": [(r, rating_rows(r), rating_status(r)) for r in rating_list],
        "rec_counts": [(label, counts.get(value, 0)) for value, label in RecommendationStatus.choices],
        "rec_overdue": sum(1 for r in rec_rows if r["overdue"]),
        "rec_rows": rec_rows,
    }


def report_docx(data):
    doc = _document()
    _title(doc, data["title"])
    doc.add_paragraph(f"Сформирован {data['made']:%d.%m.%Y %H:%M}.")
    doc.add_paragraph("1. Показатели региона", style="Heading 2")
    doc.add_paragraph(f"Источник: {data['region_source']}.")
    if data["region_rows"]:
        _table(
            doc,
            ["Показатель", "Значение", "Цель", "Достигнута"],
            [
                [f"{r['indicator'].code}. {r['indicator'].name}", r["value"], r["target"], _met(r["met"])]
                for r in data["region_rows"]
            ],
        )
    else:
        doc.add_paragraph("В наборе нет показателей регионального уровня.")
    doc.add_paragraph("2. Показатели муниципалитетов", style="Heading 2")
    doc.add_paragraph(f"Источник: {data['municipal_source']}.")
    for s in data["sections"]:
        doc.add_paragraph(f"{s['indicator'].code}. {s['indicator'].name}", style="Heading 3")
        doc.add_paragraph(f"Цель: {s['target']}. {s['summary']}")
        _picture(doc, s["chart"])
        _table(
            doc,
            ["Муниципалитет", "Значение", "Цель достигнута"],
            [[r["name"], r["value"], _met(r["met"])] for r in s["rows"]],
        )
    doc.add_paragraph("3. Рейтинг муниципалитетов", style="Heading 2")
    if not data["ratings"]:
        doc.add_paragraph("Рейтинг за период не публиковался.")
    for rating, _rows, _status in data["ratings"]:
        doc.add_paragraph(rating.title, style="Heading 3")
        _rating_to_docx(doc, rating, heading=False)
    doc.add_paragraph("4. Адресные рекомендации", style="Heading 2")
    doc.add_paragraph(
        "; ".join(f"{label.lower()} — {n}" for label, n in data["rec_counts"])
        + f"; из них с просроченным ответом — {data['rec_overdue']}."
    )
    if data["rec_rows"]:
        _table(
            doc,
            ["Муниципалитет", "Показатель", "Значение / цель", "Статус", "Ответ до", "Принятые меры"],
            [
                [
                    r["municipality"],
                    r["indicator"],
                    f"{r['value']} / {r['target']}",
                    r["status"] + (" (просрочен ответ)" if r["overdue"] else ""),
                    r["due"],
                    r["measures"] + (f" (до {r['measures_due']})" if r["measures_due"] else ""),
                ]
                for r in data["rec_rows"]
            ],
        )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _met(met):
    return "—" if met is None else "да" if met else "нет"


def report_pdf(data):
    import weasyprint  # ~1 s to import: loaded by the PDF exports only

    context = dict(data)
    context["sections"] = [{**s, "image": s["chart"].data_uri()} for s in data["sections"]]
    context["ratings"] = [
        (r, rows, status, rating_chart(r).data_uri() if r.rows else "") for r, rows, status in data["ratings"]
    ]
    html = render_to_string("monitoring/report_pdf.html", context)
    return weasyprint.HTML(string=html).write_pdf()


@task()
def build_report_file(progress_id, set_id, period_code, user_id, fmt):
    """The report in the worker (the user's scope read again here: recommendations they may see)."""

    def build(path, report_progress):
        indicator_set = IndicatorSet.objects.get(pk=set_id)
        period = parse(period_code)
        user = get_user_model().objects.get(pk=user_id)
        data = build_report(indicator_set, period, user, report_progress)
        content = report_pdf(data) if fmt == "pdf" else report_docx(data)
        with open(path, "wb") as fh:
            fh.write(content)
        return f"Отчёт «{data['title']}» готов."

    downloads.run(progress_id, build)
