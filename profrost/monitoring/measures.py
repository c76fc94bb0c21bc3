"""The fixed catalogue of measures (docs/monitoring.md §3): named, documented populations computed in SQL, from
which every indicator is composed (numerator / denominator). A new indicator picks two of these; there are no
free-form formulas.

A measure is a SELECT of `(id, amount)` rows over `%(start)s`, `%(end)s` (the period, inclusive) and `%(day)s`
(its last day):

- a **people** measure selects person ids (amount 1 each, or a number of things per person — lessons visited,
  deficits re-diagnosed). A person counts in the unit of their main job active on the period's last day, once
  (people/units.py) — and only if that job is a pedagogical or managerial position: every people measure is a
  part of the staff, so a numerator never holds someone its denominator does not;
- an **organizations** measure selects organization ids; an organization counts in its own municipality,
  district and region;
- a **programs** measure selects program ids; programs belong to the region only.

Populations are taken on the period's last day (staff, age, experience, category, statuses); events count when
they fall within the period (a result taken, a course completed, a visit made).
"""

from dataclasses import dataclass, field

from django.db.models import Q

from profrost.core.sql import subquery
from profrost.mentoring.counts import EDUCATIONAL_KINDS as KINDS
from profrost.mentoring.counts import implements_mentoring
from profrost.mentoring.models import Mentorship, MentorshipForm
from profrost.mentoring.registers import any_support, young_q
from profrost.people.models import Person
from profrost.structure.models import Organization

PEOPLE, ORGANIZATIONS, PROGRAMS = "people", "organizations", "programs"
SUBJECT_NAMES = {PEOPLE: "педагоги", ORGANIZATIONS: "организации", PROGRAMS: "программы"}

# Educational organizations (ОО — образовательные организации) of the indicators: schools, kindergartens and
# organizations of additional education (docs/monitoring.md §3).
EDUCATIONAL_KINDS = ("school", "kindergarten", "additional_education")
HIGH_LEVELS = ("высокий", "повышенный")
DEVELOPED_ROUTES = ("approved", "in_progress", "done", "partial")
SITE_KINDS = ("internship_site", "innovation_site", "approbation_site")


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    subject: str
    # the (id, amount) SELECT — or, for a population measure, "" and `population` set
    sql: str
    doc: str
    # restrict a people measure to teachers (pedagogical, not managerial positions) rather than the staff
    teachers_only: bool = False
    # a further condition on the person's unit row `pu` (people/units.py), e.g. the kind of their organization
    where: str = ""
    # a **population** measure: a condition on the person's unit row `pu` and the person `p` (people_person),
    # counted once per person in one pass over the staff for all population measures (compute.py)
    population: str = ""
    # the shared CTEs (SHARED) the SQL reads besides `pu`
    shared: tuple = ()
    tags: tuple = field(default_factory=tuple)


# --- building blocks --------------------------------------------------------------------------------------------

_DIAGNOSED = """
SELECT DISTINCT r.person_id AS id, 1 AS amount
  FROM diagnostics_result r JOIN diagnostics_campaign c ON c.id = r.campaign_id
 WHERE r.status = 'scored' AND c.kind IN ('federal', 'regional')
   AND r.taken_on BETWEEN %(start)s AND %(end)s {extra}
"""

_DONE_ROUTE_DATE = """
(SELECT min(ev.pgh_created_at)::date FROM routes_routeevent ev
  WHERE ev.pgh_obj_id = rt.id AND ev.status IN ('done', 'partial'))
"""

# A completed course: the enrollment completed and its attestation not failed, completed (certificate date, else
# the cohort's end) within the period; "chosen by diagnostics": the course is on the person's route (an item
# linked to the cohort) or the program develops a competence that was a deficit of a scored result of the person
# taken no later than the cohort's end. `cc` — one row per person with such a course and whether one of them was
# of a program in the federal registry, of a regional provider — is a shared CTE (compute.py puts it in the WITH
# of a statement whose measures name it in `shared`): both course measures read it, and it is computed with hash
# joins over all completed enrollments at once (a per-enrollment EXISTS cost 0.3 s at 100,000 people, this
# 0.1 s for both).
SHARED = {
    "cc": """
WITH c AS MATERIALIZED (
    SELECT en.person_id, co.id AS cohort_id, pr.id AS program_id, co."end" AS cohort_end,
           pr.in_federal_registry AS federal, prov.level = 'regional' AS regional
      FROM resources_enrollment en
      JOIN resources_cohort co ON co.id = en.cohort_id
      JOIN resources_program pr ON pr.id = co.program_id
      JOIN structure_organization prov ON prov.id = pr.provider_id
     WHERE en.status = 'completed' AND en.attestation_passed IS NOT FALSE
       AND coalesce(en.certificate_date, co."end") BETWEEN %(start)s AND %(end)s
), chosen AS (
    SELECT c.person_id, c.federal, c.regional FROM c
      JOIN routes_route rt ON rt.person_id = c.person_id
      JOIN routes_routeitem it ON it.route_id = rt.id AND it.cohort_id = c.cohort_id
    UNION ALL
    SELECT c.person_id, c.federal, c.regional FROM c
      JOIN resources_program_competences pc ON pc.program_id = c.program_id
      JOIN diagnostics_result r ON r.person_id = c.person_id AND r.status = 'scored' AND r.taken_on <= c.cohort_end
      JOIN diagnostics_competenceresult cr
        ON cr.result_id = r.id AND cr.competence_id = pc.competence_id AND cr.is_deficit
)
SELECT person_id, bool_or(federal) AS federal, bool_or(regional) AS regional FROM chosen GROUP BY person_id
""",
}

MEASURES = {}


def _add(*measures):
    for m in measures:
        MEASURES[m.code] = m


# --- people: the staff and its parts (population measures: conditions on `pu` and the person `p`) -----------------

# "under N full years on the day" as a comparison with a constant: born after the day N years back — the same as
# age(day, birth) < N years for every pair of dates (29 February included; checked over 1988–1994 × 2023–2029),
# and computed once rather than per person
_UNDER_35 = "p.birth_date > (%(day)s::date - interval '35 years')::date"

_add(
    Measure(
        "staff",
        "Педагогические работники и управленческие кадры",
        PEOPLE,
        "",
        "Everyone whose unit job on the last day is a pedagogical or managerial position.",
        population="true",
    ),
    Measure(
        "teachers",
        "Педагогические работники (без управленческих кадров)",
        PEOPLE,
        "",
        "The staff whose unit job is a pedagogical, not a managerial position («педагоги муниципалитета»).",
        teachers_only=True,
        population="true",
    ),
    Measure(
        "managers",
        "Управленческие кадры",
        PEOPLE,
        "",
        "The staff whose unit job is a managerial position.",
        population="pu.is_manager",
    ),
    Measure(
        "teachers_general",
        "Педагогические работники общеобразовательных организаций",
        PEOPLE,
        "",
        "Teachers whose unit job is at a school (общеобразовательная организация).",
        teachers_only=True,
        population="pu.org_kind = 'school'",
    ),
    Measure(
        "under_35",
        "Педагогические работники в возрасте до 35 лет",
        PEOPLE,
        "",
        "Teachers under 35 full years of age on the last day (the 35th birthday on that day is not under 35).",
        teachers_only=True,
        population=_UNDER_35,
    ),
    Measure(
        "young_specialists",
        "Молодые специалисты (до 35 лет, стаж до 3 лет)",
        PEOPLE,
        "",
        "Teachers under 35 with under 3 full years of pedagogical experience on the last day (docs/domain.md §4).",
        teachers_only=True,
        population=f"""{_UNDER_35} AND p.pedagogical_start IS NOT NULL
            AND p.pedagogical_start > (%(day)s::date - interval '3 years')::date""",
    ),
    Measure(
        "highest_category",
        "Педагогические работники высшей квалификационной категории",
        PEOPLE,
        "",
        "Teachers whose category on the last day is высшая, педагог-методист or педагог-наставник (the last two "
        "require высшая) and has not expired.",
        teachers_only=True,
        population="""p.category IN ('highest', 'methodologist', 'mentor')
            AND (p.category_expiry IS NULL OR p.category_expiry >= %(day)s)""",
    ),
)

_add(
    # --- diagnostics and routes ---
    Measure(
        "diagnosed",
        "Прошли диагностику профессиональных дефицитов",
        PEOPLE,
        _DIAGNOSED.format(extra=""),
        "A scored result of a federal or regional campaign (not a course's entry/exit test) taken in the period.",
    ),
    Measure(
        "diagnosed_high",
        "Прошли диагностику на высоком и повышенном уровне",
        PEOPLE,
        _DIAGNOSED.format(extra="AND r.level IN ('высокий', 'повышенный')"),
        "As «diagnosed», with the result's level высокий or повышенный (004_… row 1).",
    ),
    Measure(
        "with_route",
        "Разработан ИОМ по результатам диагностики",
        PEOPLE,
        """SELECT DISTINCT rt.person_id AS id, 1 AS amount FROM routes_route rt
            WHERE rt.result_id IS NOT NULL AND rt.status IN ('approved', 'in_progress', 'done', 'partial')
              AND rt.start <= %(end)s AND rt."end" >= %(start)s""",
        "A route built on a diagnostic result and developed (approved, in progress or completed — a draft, a "
        "route under review and a cancelled one are not), its period overlapping the period.",
    ),
    Measure(
        "route_done",
        "Успешно реализовали ИОМ",
        PEOPLE,
        f"""SELECT DISTINCT rt.person_id AS id, 1 AS amount FROM routes_route rt
             WHERE rt.result_id IS NOT NULL AND rt.status = 'done'
               AND rt.start <= %(end)s AND rt."end" >= %(start)s
               AND {_DONE_ROUTE_DATE} <= %(end)s""",
        "A route built on diagnostics completed successfully (status «завершён успешно», set no later than the "
        "period's last day), its period overlapping the period (004_… row 2b's numerator).",
    ),
    Measure(
        "route_due",
        "ИОМ со сроком окончания в периоде",
        PEOPLE,
        """SELECT DISTINCT rt.person_id AS id, 1 AS amount FROM routes_route rt
            WHERE rt.status IN ('approved', 'in_progress', 'done', 'partial')
              AND rt."end" BETWEEN %(start)s AND %(end)s""",
        "A developed route whose end date falls in the period.",
    ),
    Measure(
        "route_on_time",
        "ИОМ завершены в срок",
        PEOPLE,
        f"""SELECT DISTINCT rt.person_id AS id, 1 AS amount FROM routes_route rt
             WHERE rt.status IN ('done', 'partial') AND rt."end" BETWEEN %(start)s AND %(end)s
               AND {_DONE_ROUTE_DATE} <= rt."end\"""",
        "A route due in the period (as «route_due») closed — successfully or partly — no later than its end date "
        "(the date of closing is the history's first event with a closed status).",
    ),
    # --- courses ---
    Measure(
        "completed_federal",
        "Освоили программы из ФР ДПП, подобранные по результатам диагностики",
        PEOPLE,
        "SELECT cc.person_id AS id, 1 AS amount FROM cc WHERE cc.federal",
        "A course of a program in the federal registry (ФР ДПП) completed in the period and chosen by diagnostics.",
        teachers_only=True,
        shared=("cc",),
    ),
    Measure(
        "completed_regional",
        "Педагоги общеобразовательных организаций, освоившие программы регионального оператора, подобранные по "
        "результатам диагностики",
        PEOPLE,
        "SELECT cc.person_id AS id, 1 AS amount FROM cc WHERE cc.regional",
        "Teachers of schools (004_… row 5: «педагогических работников общеобразовательных организаций») who "
        "completed in the period a course of a program run by a regional organization (the regional operator: the "
        "center, the institute of further education), chosen by diagnostics.",
        teachers_only=True,
        shared=("cc",),
        where="pu.org_kind = 'school'",
    ),
    # --- experience presented ---
    Measure(
        "presented_experience",
        "Представили успешный педагогический опыт",
        PEOPLE,
        """SELECT DISTINCT pa.person_id AS id, 1 AS amount FROM resources_participation pa
             JOIN resources_event ev ON ev.id = pa.event_id
            WHERE ev.start BETWEEN %(start)s AND %(end)s
              AND (pa.role IN ('speaker', 'winner', 'prize_winner') OR ev.kind IN ('contest', 'open_lesson'))
           UNION
           SELECT DISTINCT rt.person_id, 1 FROM routes_routeitem it JOIN routes_route rt ON rt.id = it.route_id
            WHERE it.section IN ('2.1', '2.2') AND it.status = 'done'
              AND coalesce(it."end", rt."end") BETWEEN %(start)s AND %(end)s""",
        "In the period: took part in a contest, spoke at an event, won or placed, gave an open lesson; or "
        "completed a route item of section 2 (presented experience, own methodological materials).",
        teachers_only=True,
    ),
    # --- deficits ---
    Measure(
        "deficits_rediagnosed",
        "Дефициты, проверенные повторной диагностикой",
        PEOPLE,
        """SELECT r.person_id AS id, count(*) AS amount
             FROM diagnostics_competenceresult cr JOIN diagnostics_result r ON r.id = cr.result_id
            WHERE r.status = 'scored' AND r.taken_on BETWEEN %(start)s AND %(end)s
              AND EXISTS (SELECT 1 FROM diagnostics_competenceresult pcr
                            JOIN diagnostics_result pr ON pr.id = pcr.result_id AND pr.status = 'scored'
                           WHERE pr.person_id = r.person_id AND pcr.competence_id = cr.competence_id
                             AND pcr.is_deficit AND (pr.taken_on < r.taken_on
                                 OR (pr.taken_on = r.taken_on AND pr.id < r.id)))
            GROUP BY r.person_id""",
        "Per person: competences measured in the period that were a deficit in an earlier scored result.",
    ),
    Measure(
        "deficits_closed",
        "Дефициты, закрытые по повторной диагностике",
        PEOPLE,
        """SELECT r.person_id AS id, count(*) AS amount
             FROM diagnostics_competenceresult cr JOIN diagnostics_result r ON r.id = cr.result_id
            WHERE r.status = 'scored' AND r.taken_on BETWEEN %(start)s AND %(end)s AND NOT cr.is_deficit
              AND EXISTS (SELECT 1 FROM diagnostics_competenceresult pcr
                            JOIN diagnostics_result pr ON pr.id = pcr.result_id AND pr.status = 'scored'
                           WHERE pr.person_id = r.person_id AND pcr.competence_id = cr.competence_id
                             AND pcr.is_deficit AND (pr.taken_on < r.taken_on
                                 OR (pr.taken_on = r.taken_on AND pr.id < r.id)))
            GROUP BY r.person_id""",
        "As «deficits_rediagnosed», where the competence is no longer a deficit.",
    ),
    # --- the methodological asset ---
    Measure(
        "asset_members",
        "Члены регионального методического актива",
        PEOPLE,
        """SELECT DISTINCT m.person_id AS id, 1 AS amount FROM support_assetmember m
            WHERE m.status IN ('approved', 'excluded') AND m.start IS NOT NULL AND m.start <= %(end)s
              AND (m."end" IS NULL OR m."end" >= %(start)s)""",
        "Approved members of the asset in the asset during some of the period (counted in their own job's unit).",
    ),
    Measure(
        "assigned_teachers",
        "Педагоги, закреплённые за членами методического актива",
        PEOPLE,
        """SELECT DISTINCT a.person_id AS id, 1 AS amount FROM support_assignment a
            WHERE a.since <= %(end)s AND (a.until IS NULL OR a.until >= %(start)s)""",
        "Teachers assigned to an asset member during some of the period.",
    ),
    Measure(
        "lessons_visited",
        "Уроки, посещённые членами методического актива",
        PEOPLE,
        """SELECT v.person_id AS id, count(*) AS amount FROM support_lessonvisit v
            WHERE v.status = 'done' AND v.member_id IS NOT NULL AND v.date BETWEEN %(start)s AND %(end)s
            GROUP BY v.person_id""",
        "Per visited teacher: lessons visited by asset members in the period (the visit is counted in the "
        "visited teacher's unit).",
    ),
)


# --- measures defined by the apps' own rules, as querysets (compiled to SQL) --------------------------------------


def _ids(qs):
    """(sql, params) of (id, 1) rows from a queryset's primary keys (core.sql.subquery)."""
    sql, params = subquery(qs.order_by().values("pk"))
    return f"SELECT s.id, 1 AS amount FROM ({sql}) s(id)", tuple(params)


def _young_in_support(period):
    """Young specialists on the last day taking part in a support form during the period — the mentoring
    register's rule (docs/mentoring.md §10): an active pair as mentee, a developed route, an assignment to an asset
    member, a community membership, overlapping the period."""
    return _ids(Person.objects.filter(young_q(period.end), any_support(period.start, period.end)))


def _implementing_mentoring(period):
    return _ids(Organization.objects.filter(implements_mentoring(period.start, period.end), kind__in=KINDS))


def _school_school(period):
    pairs = Mentorship.objects.active_during(period.start, period.end).filter(
        form=MentorshipForm.SCHOOL_SCHOOL
    )
    return _ids(
        Organization.objects.filter(
            Q(pk__in=pairs.values("organization_id")) | Q(pk__in=pairs.values("mentor_organization_id"))
        )
    )


_add(
    Measure(
        "young_in_support",
        "Молодые специалисты, участвующие в формах поддержки и сопровождения",
        PEOPLE,
        _young_in_support,
        "Young specialists (as «young_specialists») taking part in a support form during the period: a mentoring "
        "pair as mentee, a developed route, an assignment to an asset member, a community membership "
        "(docs/mentoring.md §10).",
        teachers_only=True,
    ),
    Measure(
        "organizations",
        "Образовательные организации",
        ORGANIZATIONS,
        "SELECT o.id, 1 AS amount FROM structure_organization o WHERE o.kind IN ('school', 'kindergarten', "
        "'additional_education')",
        "Schools, kindergartens and organizations of additional education (ОО).",
    ),
    Measure(
        "mentoring_model",
        "ОО, реализующие целевую модель наставничества",
        ORGANIZATIONS,
        _implementing_mentoring,
        "An educational organization with an approved mentoring program (its own, or its municipality's for a "
        "pair it appointed) overlapping the period and at least one pair active in it (docs/mentoring.md §10).",
    ),
    Measure(
        "sites",
        "Стажировочные, инновационные и апробационные площадки",
        ORGANIZATIONS,
        """SELECT DISTINCT s.organization_id AS id, 1 AS amount FROM structure_organizationstatus s
            WHERE s.kind IN ('internship_site', 'innovation_site', 'approbation_site')
              AND s.start <= %(end)s AND (s."end" IS NULL OR s."end" >= %(start)s)""",
        "Organizations holding an internship, innovation or approbation site status on some day of the period.",
    ),
    Measure(
        "school_school",
        "ОО, управленческие команды которых вовлечены в менторство (школа — школа)",
        ORGANIZATIONS,
        _school_school,
        "Organizations on either side of a school–school mentoring pair active during the period.",
    ),
    Measure(
        "management_trained",
        "ОО, управленческие команды которых повысили квалификацию",
        ORGANIZATIONS,
        """SELECT DISTINCT pu.organization_id AS id, 1 AS amount
             FROM resources_enrollment en JOIN resources_cohort co ON co.id = en.cohort_id
             JOIN pu ON pu.person_id = en.person_id AND pu.is_manager
            WHERE en.status = 'completed' AND en.attestation_passed IS NOT FALSE
              AND coalesce(en.certificate_date, co."end") BETWEEN %(start)s AND %(end)s""",
        "Organizations at least one of whose managers (by their unit job on the last day) completed a course in "
        "the period — the organization's management team took part in further education.",
    ),
    Measure(
        "programs_run",
        "Программы ДПО, реализуемые организациями ДПО региона",
        PROGRAMS,
        """SELECT DISTINCT pr.id, 1 AS amount FROM resources_program pr
             JOIN resources_cohort co ON co.program_id = pr.id
            WHERE pr.status <> 'draft' AND co.start <= %(end)s AND co."end" >= %(start)s""",
        "Programs with a cohort running during the period.",
    ),
    Measure(
        "programs_federal",
        "Программы ДПО, размещённые в ФР ДПП",
        PROGRAMS,
        """SELECT DISTINCT pr.id, 1 AS amount FROM resources_program pr
             JOIN resources_cohort co ON co.program_id = pr.id
            WHERE pr.status <> 'draft' AND pr.in_federal_registry
              AND co.start <= %(end)s AND co."end" >= %(start)s""",
        "As «programs_run», in the federal registry (ФР ДПП).",
    ),
)
