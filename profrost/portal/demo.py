"""Demo content for `profrost trial`, on top of the generated region: a federal diagnostic with scored
results (so deficits, item analysis and the heat map have something to show) and a resource catalog
(programs with cohorts and municipal quotas, events of the annual plan, internships, communities).
Deterministic for a seed."""

import datetime
import random

from django.db import transaction

from profrost.core.russian import lower_first
from profrost.diagnostics.actions import recompute_results
from profrost.diagnostics.models import (
    Campaign,
    Competence,
    Instrument,
    Item,
    ItemScore,
    Result,
    ResultStatus,
)
from profrost.people.models import Person
from profrost.resources.models import Cohort, Community, Event, Internship, Program, Quota
from profrost.structure.models import Municipality, Organization, OrganizationStatus

# Each title develops what it says (the default catalog's competences: МТ4 оценивание, МТ2 анализ ошибок,
# МТ3 функциональная грамотность, ЦФ1/ЦФ3 цифровая среда и ресурсы, ПП2 воспитательная работа, КМ1 работа с
# родителями, ПП1 инклюзия и ОВЗ, МТ5 дифференциация, МТ1 проектирование урока, ПП4 мотивация, КМ4 работа в
# команде и сообществах), so that the demo's matches make sense to a methodologist.
TOPICS = [
    ("Формирующее оценивание на уроке", ("МТ4", "МТ2")),
    ("Функциональная грамотность: читательская и математическая", ("МТ3",)),
    ("Цифровая образовательная среда урока", ("ЦФ1", "ЦФ3")),
    ("Воспитательная работа классного руководителя", ("ПП2", "КМ1")),
    ("Инклюзивное образование: обучающиеся с ОВЗ", ("ПП1", "МТ5")),
    ("Проектная и исследовательская деятельность школьников", ("МТ1", "ПП4")),
    ("Современный урок по ФГОС", ("МТ1",)),
    ("Наставничество в образовательной организации", ("КМ4",)),
]


@transaction.atomic
def build_demo(seed=1, today=None):
    rng = random.Random(seed)
    today = today or datetime.date.today()
    competences = {c.code: c for c in Competence.objects.filter(is_active=True)}
    # The diagnostic measures these; КМ2 (конфликты) has no resource in the demo catalog on purpose: the list of
    # uncovered deficits has something to show.
    codes = [c for c in ("МТ1", "МТ2", "МТ3", "МТ4", "ПП1", "ПП2", "КМ1", "КМ2", "ЦФ1") if c in competences]
    center = Organization.objects.filter(kind="center").first()
    municipalities = list(Municipality.objects.order_by("name"))
    if not (codes and center and municipalities):
        return {}
    # A federal diagnostic: 20 items over the competences, results for two teachers in three.
    instrument = Instrument.objects.create(name="Диагностика профессиональных компетенций учителей (демо)")
    maxima = []
    for n in range(1, 21):
        item = Item.objects.create(
            instrument=instrument,
            number=str(n),
            position=n,
            type="single",
            key="1",
            max_score=rng.choice([1, 1, 2]),
        )
        item.competences.add(competences[codes[n % len(codes)]])
        maxima.append((item.pk, item.max_score))
    campaign = Campaign.objects.create(
        instrument=instrument,
        name=f"ДПК учителей {today.year}",
        kind="federal",
        start=today - datetime.timedelta(days=30),
    )
    people = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    # The staff of the school the trial's demo logins use (see trial.demo_users) always take part, with
    # deficits, so that the demo teacher has an assessment sheet and a route to open.
    school = (
        Organization.objects.filter(kind="school", municipality__isnull=False)
        .order_by("municipality__name", "name")
        .first()
    )
    featured = set(
        Person.objects.filter(employments__organization=school)
        .order_by("last_name", "pk")
        .values_list("pk", flat=True)[:3]
    )
    chosen = [pk for pk in people if pk in featured or rng.random() < 0.66]
    results = Result.objects.bulk_create(
        [
            Result(
                campaign=campaign,
                person_id=pk,
                status=ResultStatus.SUBMITTED,
                taken_on=today - datetime.timedelta(days=20),
            )
            for pk in chosen
        ],
        batch_size=2000,
    )
    scores = []
    for result in results:
        ability = 0.3 if result.person_id in featured else rng.betavariate(4, 3)
        for n, (item_id, max_score) in enumerate(maxima):
            hardness = 0.25 * (n % 4) / 3
            scores.append(
                ItemScore(
                    result=result,
                    item_id=item_id,
                    score=sum(1 for _ in range(int(max_score)) if rng.random() < ability - hardness + 0.1),
                )
            )
    ItemScore.objects.bulk_create(scores, batch_size=5000)
    recompute_results([r.pk for r in results])

    # The catalog.
    providers = list(Organization.objects.filter(kind__in=["center", "dpo_institute"])) or [center]
    start = today + datetime.timedelta(days=21)
    programs = []
    for n, (title, topic_codes) in enumerate(TOPICS):
        for variant, hours in ((1, 36), (2, 72)):
            program = Program.objects.create(
                title=f"{title}{' (углублённый курс)' if variant == 2 else ''}",
                hours=hours,
                form=rng.choice(["distance", "mixed", "full_time"]),
                provider=rng.choice(providers),
                in_federal_registry=variant == 1 and n % 2 == 0,
                registry_number=f"ФР-{2024 + n % 3}-{1000 + n}" if variant == 1 and n % 2 == 0 else "",
                annotation="Программа повышения квалификации для педагогических работников.",
            )
            program.competences.set([competences[c] for c in topic_codes if c in competences])
            programs.append(program)
    for n, program in enumerate(programs):
        cohort_start = start + datetime.timedelta(days=14 * (n % 12))
        cohort = Cohort.objects.create(
            program=program,
            start=cohort_start,
            end=cohort_start + datetime.timedelta(days=program.hours // 4),
            online=program.form == "distance",
            capacity=rng.choice([25, 30, 40]),
        )
        places = cohort.capacity
        for municipality in rng.sample(municipalities, min(len(municipalities), 8)):
            share = min(places, rng.randint(1, 5))
            if share:
                Quota.objects.create(cohort=cohort, municipality=municipality, places=share)
                places -= share
    kinds = ["seminar", "webinar", "master_class", "conference", "readings", "contest"]
    for n in range(24):
        day = start + datetime.timedelta(days=15 * n)
        title, topic_codes = TOPICS[n % len(TOPICS)]
        event = Event.objects.create(
            title=f"{['Семинар', 'Вебинар', 'Мастер-класс', 'Конференция', 'Педагогические чтения', 'Конкурс'][n % 6]}: {lower_first(title)}",
            kind=kinds[n % 6],
            level="regional" if n % 3 else "municipal",
            organizer=center
            if n % 3
            else Organization.objects.filter(municipality=municipalities[n % len(municipalities)]).first()
            or center,
            start=day,
            end=day + datetime.timedelta(days=1 if kinds[n % 6] == "conference" else 0),
            format=rng.choice(["in_person", "online", "hybrid"]),
            capacity=rng.choice([None, 50, 100]),
            in_annual_plan=n % 4 != 3,
        )
        event.competences.set([competences[c] for c in topic_codes if c in competences])
    schools = list(Organization.objects.filter(kind="school").order_by("pk")[:200])
    for n, school in enumerate(rng.sample(schools, min(5, len(schools)))):
        OrganizationStatus.objects.get_or_create(
            organization=school,
            kind="internship_site",
            defaults={"start": today - datetime.timedelta(days=365)},
        )
        title, topic_codes = TOPICS[n]
        internship = Internship.objects.create(
            title=f"Стажировка: {lower_first(title)}",
            site=school,
            start=start + datetime.timedelta(days=30 * n),
            end=start + datetime.timedelta(days=30 * n + 4),
            capacity=10,
            hours=24,
        )
        internship.competences.set([competences[c] for c in topic_codes if c in competences])
    for n, (title, topic_codes) in enumerate(TOPICS[:6]):
        community = Community.objects.create(
            name=f"{'Региональное методическое объединение' if n % 2 == 0 else 'Клуб'}: {lower_first(title)}",
            kind="association" if n % 2 == 0 else "club",
            level="regional",
        )
        community.competences.set([competences[c] for c in topic_codes if c in competences])
    # Draft routes for everyone with deficits, as the center would generate them.
    from profrost.routes.generation import generate_for_campaign

    routes = generate_for_campaign(campaign)
    return {"results": len(results), "programs": len(programs), "routes": routes["created"]}
