"""State changes of the diagnostics: the competence framework, instruments and their versions, campaigns,
the scoring of results (recompute_results — the one implementation of the totals, levels and deficits) and
the hand-out of open answers to experts."""

from django.db import connection, transaction
from django.db.models import Count

from profrost.diagnostics.models import (
    Campaign,
    Competence,
    Instrument,
    ItemScore,
    ItemType,
    ResultLevel,
    ResultStatus,
)


@transaction.atomic
def save_competence(form):
    return form.save()


@transaction.atomic
def set_competence_active(competence, active):
    """Retire (or restore) a competence; retired ones stay on old results and item maps."""
    Competence.objects.filter(pk=competence.pk).update(is_active=active)


def recompute_results(result_ids):
    """Totals, levels, per-competence percentages and deficits of results, in the database — the one
    implementation of the scoring formulas (docs/domain.md §5, "Scoring"); item scores come from
    scoring.score_item (online testing) or the import.

    total % = points ÷ maximum of the items the result holds scores for, rounded to 0.01; the level by the
    instrument's thresholds (ResultLevel); competence % = points on the items mapped to it ÷ their maximum
    (an item mapped to two competences counts fully in both); a deficit is a competence under the
    instrument's threshold, severe («выраженный») under half of it. A result with an unscored (open) answer
    stays «submitted», with no level and no competence rows, until an expert scores it.
    """
    ids = list(result_ids)
    if not ids:
        return
    scored, submitted = ResultStatus.SCORED.value, ResultStatus.SUBMITTED.value
    with connection.cursor() as cur:
        cur.execute(
            """
            UPDATE diagnostics_result r
               SET total_score = s.points, max_score = s.maximum,
                   total_percent = ROUND(s.points * 100 / NULLIF(s.maximum, 0), 2),
                   status = CASE WHEN s.unscored = 0 THEN %(scored)s ELSE %(submitted)s END
              FROM (SELECT sc.result_id, COALESCE(SUM(sc.score), 0) AS points, SUM(i.max_score) AS maximum,
                           COUNT(*) FILTER (WHERE sc.score IS NULL) AS unscored
                      FROM diagnostics_itemscore sc JOIN diagnostics_item i ON i.id = sc.item_id
                     WHERE sc.result_id = ANY(%(ids)s) GROUP BY sc.result_id) s
             WHERE r.id = s.result_id
            """,
            {"ids": ids, "scored": scored, "submitted": submitted},
        )
        cur.execute(
            """
            UPDATE diagnostics_result r
               SET level = CASE
                   WHEN r.status <> %(scored)s THEN ''
                   WHEN r.total_percent >= ins.high_from THEN %(high)s
                   WHEN r.total_percent >= ins.elevated_from THEN %(elevated)s
                   WHEN r.total_percent >= ins.basic_from THEN %(basic)s
                   WHEN ins.satisfactory_from IS NOT NULL AND r.total_percent >= ins.satisfactory_from
                        THEN %(satisfactory)s
                   ELSE %(low)s END
              FROM diagnostics_campaign c JOIN diagnostics_instrument ins ON ins.id = c.instrument_id
             WHERE c.id = r.campaign_id AND r.id = ANY(%(ids)s)
            """,
            {
                "ids": ids,
                "scored": scored,
                "high": ResultLevel.HIGH.value,
                "elevated": ResultLevel.ELEVATED.value,
                "basic": ResultLevel.BASIC.value,
                "satisfactory": ResultLevel.SATISFACTORY.value,
                "low": ResultLevel.LOW.value,
            },
        )
        cur.execute("DELETE FROM diagnostics_competenceresult WHERE result_id = ANY(%s)", [ids])
        cur.execute(
            """
            INSERT INTO diagnostics_competenceresult (result_id, competence_id, percent, is_deficit, is_severe)
            SELECT t.result_id, t.competence_id, t.pct, t.pct < t.threshold, t.pct < t.threshold / 2
              FROM (SELECT sc.result_id, ic.competence_id, ins.deficit_threshold AS threshold,
                           ROUND(COALESCE(SUM(sc.score), 0) * 100 / NULLIF(SUM(i.max_score), 0), 2) AS pct
                      FROM diagnostics_itemscore sc
                      JOIN diagnostics_item i ON i.id = sc.item_id
                      JOIN diagnostics_item_competences ic ON ic.item_id = i.id
                      JOIN diagnostics_result r ON r.id = sc.result_id
                      JOIN diagnostics_campaign c ON c.id = r.campaign_id
                      JOIN diagnostics_instrument ins ON ins.id = c.instrument_id
                     WHERE sc.result_id = ANY(%(ids)s) AND r.status = %(scored)s
                     GROUP BY sc.result_id, ic.competence_id, ins.deficit_threshold) t
            """,
            {"ids": ids, "scored": scored},
        )


SETTINGS_FIELDS = ("high_from", "elevated_from", "basic_from", "satisfactory_from", "deficit_threshold")


@transaction.atomic
def edit_instrument(instrument, data):
    """Change an instrument's settings. One already used by a campaign is not changed: a new version is
    made (items and their competences copied) and old results keep the version they were scored with."""
    if instrument.campaigns.exists():
        instrument, _ = new_version(instrument)
    for field in SETTINGS_FIELDS:
        setattr(instrument, field, data[field])
    instrument.save()
    instrument.positions.set(data["positions"])
    instrument.subjects.set(data["subjects"])
    return instrument


ITEM_FIELDS = ("text", "type", "options", "key", "tolerance", "max_score", "rubric")


@transaction.atomic
def edit_item(item, data):
    """Change one item. In an instrument already used by a campaign the change goes into a new version of
    the instrument (the old results keep theirs); returns the item as saved."""
    if item.instrument.campaigns.exists():
        _, copies = new_version(item.instrument)
        item = copies[item.pk]
    for field in ITEM_FIELDS:
        setattr(item, field, data[field])
    item.save()
    item.competences.set(data["competences"])
    return item


def new_version(instrument):
    """A copy of the instrument (settings, targets, items with their competences) as its next version;
    returns (the new instrument, {old item id: new item})."""
    new = Instrument.objects.create(
        name=instrument.name,
        version=instrument.version + 1,
        previous=instrument,
        **{f: getattr(instrument, f) for f in SETTINGS_FIELDS},
    )
    new.positions.set(instrument.positions.all())
    new.subjects.set(instrument.subjects.all())
    copies = {}
    for item in instrument.items.prefetch_related("competences").order_by("position"):
        competences = list(item.competences.all())
        old_pk = item.pk
        item.pk = None
        item.instrument = new
        item._prefetched_objects_cache = {}  # else set() compares with the old item's competences
        item.save()
        item.competences.set(competences)
        copies[old_pk] = item
    return new, copies


# --- campaigns -----------------------------------------------------------------------------------------------

CAMPAIGN_FIELDS = ("instrument", "name", "kind", "start", "end", "time_limit", "one_per_screen", "cohort")
CAMPAIGN_SCOPE = ("municipalities", "positions", "subjects", "experts")


@transaction.atomic
def save_campaign(data, campaign=None):
    """Create a campaign (campaign=None) or change one, from CampaignForm's cleaned data — the page and the
    command line alike: the row, its scope (municipalities, organizations — `organization_ids` —, positions,
    subjects) and experts, then the open answers still waiting are handed out to the experts. A field missing
    from `data` keeps its value (a new campaign: the model's default, an empty scope). Returns the campaign.
    Participants are invited separately (taking.invite_participants)."""
    campaign = campaign if campaign is not None else Campaign()
    for field in CAMPAIGN_FIELDS:
        if field in data:
            setattr(campaign, field, data[field])
    campaign.save()
    for field in CAMPAIGN_SCOPE:
        if field in data:
            getattr(campaign, field).set(data[field])
    if "organization_ids" in data:
        campaign.organizations.set(data["organization_ids"])
    assign_open_answers(campaign)
    return campaign


@transaction.atomic
def assign_open_answers(campaign):
    """Give each unassigned open answer of the campaign to one of its experts, the least loaded first
    (counting the answers each already has waiting). Returns how many were assigned."""
    experts = list(campaign.experts.filter(is_active=True).values_list("pk", flat=True))
    if not experts:
        return 0
    load = dict.fromkeys(experts, 0)
    for expert_id, n in (
        ItemScore.objects.filter(score__isnull=True, assigned_to__in=experts)
        .values_list("assigned_to")
        .annotate(n=Count("pk"))
    ):
        load[expert_id] = n
    waiting = list(
        ItemScore.objects.select_for_update()
        .filter(
            result__campaign=campaign,
            result__status=ResultStatus.SUBMITTED,
            item__type=ItemType.OPEN,
            score__isnull=True,
            assigned_to__isnull=True,
        )
        .order_by("pk")
    )
    for answer in waiting:
        answer.assigned_to_id = min(load, key=lambda pk: (load[pk], pk))
        load[answer.assigned_to_id] += 1
    ItemScore.objects.bulk_update(waiting, ["assigned_to"], batch_size=1000)
    return len(waiting)
