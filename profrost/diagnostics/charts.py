"""The campaign report's charts (core.charts), drawn from the very rows its tables show (analysis): the
distribution of levels, the mean % and the share in deficit per competence, the deficit shares across the
campaigns of the instrument's versions. A chart URL computes only the part it draws."""

from profrost.core.charts import bar_chart, line_chart, number, with_unit
from profrost.diagnostics import analysis

NAMES = ("levels", "means", "deficits", "trend")


def levels_chart(levels):
    return bar_chart(
        "Распределение участников по уровням, %",
        [lv["level"] for lv in levels],
        [("Доля, %", [lv["share"] for lv in levels])],
        max_value=100,
        value_labels=[[f"{with_unit(lv['share'], '%')} ({lv['n']})" for lv in levels]],
    )


def means_chart(competences, threshold):
    return bar_chart(
        "Средний % по компетенциям",
        [c["code"] for c in competences],
        [("Средний %", [c["mean"] for c in competences])],
        max_value=100,
        reference=(threshold, f"порог дефицита {number(threshold.normalize())} %"),
    )


def deficits_chart(competences):
    return bar_chart(
        "Доля участников с дефицитом по компетенциям, %",
        [c["code"] for c in competences],
        [("Доля с дефицитом, %", [c["deficit_share"] for c in competences])],
        max_value=100,
        value_labels=[
            [f"{with_unit(c['deficit_share'], '%')} ({c['deficit']} из {c['n']})" for c in competences]
        ],
    )


def trend_label(campaign):
    return f"{campaign.name} ({campaign.day:%d.%m.%Y})"


def trend_chart(trend):
    return line_chart(
        "Доля участников с дефицитом по диагностикам, %",
        [trend_label(c) for c in trend["campaigns"]],
        [(row["code"], row["shares"]) for row in trend["rows"]],
        max_value=100,
    )


def report_charts(campaign, data, trend=None):
    """The charts of a report already computed (analysis.report, analysis.trend): for the page's alt texts and
    the PDF. Nothing is drawn until a chart's svg or png is asked for."""
    charts = {
        "levels": levels_chart(data["levels"]),
        "means": means_chart(data["competences"], campaign.instrument.deficit_threshold),
        "deficits": deficits_chart(data["competences"]),
    }
    if trend is not None:
        charts["trend"] = trend_chart(trend)
    return charts


def chart(name, campaign, campaign_results, visible_results, **groups):
    """One chart for its URL, computing only the figures it draws; None for an unknown name."""
    results = analysis.narrow(campaign_results, **groups)
    if name == "levels":
        return levels_chart(analysis.campaign_levels(campaign, results))
    if name == "means":
        return means_chart(analysis.competences(results), campaign.instrument.deficit_threshold)
    if name == "deficits":
        return deficits_chart(analysis.competences(results))
    if name == "trend":
        trend = analysis.trend(campaign, visible_results, **groups)
        return trend_chart(trend or {"campaigns": [], "rows": []})
    return None
