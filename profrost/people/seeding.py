"""A realistic generated region: districts, 30+ municipalities, organizations in proportion, and
people with Russian names, ages, experience and categories. Deterministic for a seed and a date."""

import datetime
import random

import pghistory
from django.db import connection, transaction

from profrost.core.validators import inn10, snils_control
from profrost.people.models import (
    Education,
    Employment,
    Person,
    Position,
    QualificationCategory,
    Subject,
    category_expiry,
)
from profrost.structure.models import District, Municipality, Organization, Region

REGION = "Волжская область"
DISTRICTS = ["Центральный", "Северный", "Южный", "Заволжский", "Степной"]
# (name, weight): the city districts are bigger.
MUNICIPALITIES = [
    ("Городской округ город Волжск", 14),
    ("Городской округ город Камышинск", 6),
    ("Городской округ город Михайловск", 4),
    ("Городской округ город Урюпино", 3),
    ("Городской округ город Фроловск", 3),
    ("Алексеевский муниципальный район", 1),
    ("Быковский муниципальный район", 1),
    ("Городищенский муниципальный район", 2),
    ("Даниловский муниципальный район", 1),
    ("Дубовский муниципальный район", 1),
    ("Еланский муниципальный район", 1),
    ("Жирновский муниципальный район", 1),
    ("Иловлинский муниципальный район", 1),
    ("Калачёвский муниципальный район", 2),
    ("Киквидзенский муниципальный район", 1),
    ("Клетский муниципальный район", 1),
    ("Котельниковский муниципальный район", 1),
    ("Котовский муниципальный район", 1),
    ("Кумылженский муниципальный район", 1),
    ("Ленинский муниципальный район", 1),
    ("Нехаевский муниципальный район", 1),
    ("Николаевский муниципальный район", 1),
    ("Новоаннинский муниципальный район", 1),
    ("Новониколаевский муниципальный район", 1),
    ("Октябрьский муниципальный район", 1),
    ("Ольховский муниципальный район", 1),
    ("Палласовский муниципальный район", 1),
    ("Руднянский муниципальный район", 1),
    ("Светлоярский муниципальный район", 1),
    ("Серафимовичский муниципальный район", 1),
    ("Среднеахтубинский муниципальный район", 2),
    ("Старополтавский муниципальный район", 1),
    ("Суровикинский муниципальный район", 1),
    ("Чернышковский муниципальный район", 1),
]
SURNAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
    "Осипов",
    "Сидоров",
    "Матвеев",
    "Титов",
    "Марков",
    "Миронов",
    "Крылов",
    "Куликов",
    "Карпов",
    "Власов",
    "Мельников",
    "Денисов",
    "Гаврилов",
    "Тихонов",
    "Казаков",
    "Афанасьев",
    "Данилов",
    "Савельев",
    "Тимофеев",
    "Фомин",
    "Чернов",
    "Абрамов",
    "Мартынов",
    "Ефимов",
    "Федотов",
    "Щербаков",
    "Назаров",
    "Калинин",
    "Исаев",
    "Чернышёв",
    "Быков",
    "Маслов",
    "Родионов",
    "Коновалов",
    "Лазарев",
    "Воронин",
    "Климов",
    "Филатов",
    "Пономарёв",
    "Голубев",
    "Кудрявцев",
    "Прохоров",
    "Наумов",
    "Потапов",
    "Журавлёв",
    "Овчинников",
    "Трофимов",
    "Леонов",
    "Соболев",
    "Ермаков",
    "Колесников",
    "Гончаров",
    "Емельянов",
    "Никифоров",
    "Грачёв",
    "Котов",
    "Гришин",
    "Ефремов",
    "Архипов",
    "Громов",
    "Кириллов",
    "Малышев",
    "Панов",
    "Моисеев",
    "Румянцев",
    "Акимов",
    "Кондратьев",
    "Бирюков",
    "Горбунов",
    "Анисимов",
    "Еремеев",
    "Тихомиров",
    "Галкин",
    "Лукьянов",
    "Михеев",
    "Скворцов",
    "Юдин",
    "Белоусов",
    "Нестеров",
    "Симонов",
    "Прокофьев",
    "Харитонов",
    "Князев",
    "Цветков",
    "Левин",
    "Митрофанов",
    "Воронов",
    "Аксёнов",
    "Софронов",
    "Мальцев",
    "Логинов",
    "Горшков",
    "Савин",
    "Краснов",
    "Майоров",
    "Демидов",
    "Елисеев",
    "Рыбаков",
    "Сафонов",
    "Плотников",
    "Дёмин",
    "Хохлов",
    "Жданов",
    "Островский",
    "Вишневский",
    "Покровский",
    "Успенский",
    "Преображенский",
]
MALE_NAMES = [
    "Александр",
    "Сергей",
    "Андрей",
    "Алексей",
    "Дмитрий",
    "Владимир",
    "Михаил",
    "Николай",
    "Евгений",
    "Игорь",
    "Юрий",
    "Олег",
    "Виктор",
    "Павел",
    "Иван",
    "Максим",
    "Роман",
    "Константин",
    "Артём",
    "Денис",
    "Вадим",
    "Илья",
    "Антон",
    "Григорий",
    "Пётр",
    "Василий",
    "Анатолий",
    "Борис",
    "Фёдор",
]
FEMALE_NAMES = [
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Марина",
    "Анна",
    "Юлия",
    "Екатерина",
    "Людмила",
    "Галина",
    "Надежда",
    "Оксана",
    "Мария",
    "Валентина",
    "Любовь",
    "Евгения",
    "Анастасия",
    "Виктория",
    "Алла",
    "Лариса",
    "Нина",
    "Вера",
    "Дарья",
    "Ксения",
    "Жанна",
    "Маргарита",
    "Полина",
    "Алина",
    "Кристина",
    "Софья",
]
# Fathers' names → (male patronymic, female patronymic)
PATRONYMICS = [
    ("Александрович", "Александровна"),
    ("Сергеевич", "Сергеевна"),
    ("Андреевич", "Андреевна"),
    ("Алексеевич", "Алексеевна"),
    ("Дмитриевич", "Дмитриевна"),
    ("Владимирович", "Владимировна"),
    ("Михайлович", "Михайловна"),
    ("Николаевич", "Николаевна"),
    ("Евгеньевич", "Евгеньевна"),
    ("Игоревич", "Игоревна"),
    ("Юрьевич", "Юрьевна"),
    ("Олегович", "Олеговна"),
    ("Викторович", "Викторовна"),
    ("Павлович", "Павловна"),
    ("Иванович", "Ивановна"),
    ("Петрович", "Петровна"),
    ("Васильевич", "Васильевна"),
    ("Анатольевич", "Анатольевна"),
    ("Борисович", "Борисовна"),
    ("Геннадьевич", "Геннадьевна"),
    ("Валерьевич", "Валерьевна"),
    ("Григорьевич", "Григорьевна"),
    ("Фёдорович", "Фёдоровна"),
    ("Константинович", "Константиновна"),
    ("Романович", "Романовна"),
    ("Ильич", "Ильинична"),
]
SCHOOL_SUBJECTS = [
    ("русский язык", "литература"),
    ("математика",),
    ("математика", "информатика"),
    ("алгебра", "геометрия"),
    ("физика",),
    ("химия", "биология"),
    ("биология",),
    ("география",),
    ("история", "обществознание"),
    ("иностранный язык (английский)",),
    ("иностранный язык (немецкий)",),
    ("физическая культура",),
    ("начальные классы",),
    ("начальные классы",),
    ("начальные классы", "окружающий мир"),
    ("технология (труд)",),
    ("изобразительное искусство",),
    ("музыка",),
    ("информатика",),
    ("основы безопасности и защиты Родины",),
    ("русский язык", "родной язык"),
]
SCHOOL_OTHER = [
    "педагог-психолог",
    "социальный педагог",
    "учитель-логопед",
    "педагог-организатор",
    "советник директора по воспитанию",
    "педагог-библиотекарь",
    "тьютор",
]


def female(surname):
    if surname.endswith("ский"):
        return surname[:-4] + "ская"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class RegionGenerator:
    def __init__(self, people, seed, today=None):
        self.people = people
        self.rng = random.Random(seed)
        self.today = today or datetime.date.today()
        self.inn_counter = 0
        self.snils_used = set()

    def next_inn(self):
        self.inn_counter += 1
        return inn10(f"34{self.inn_counter:07d}")

    def snils(self):
        while True:
            number = self.rng.randint(1_002_000, 999_999_999)
            if number not in self.snils_used:
                self.snils_used.add(number)
                nine = f"{number:09d}"
                return nine + f"{snils_control(nine):02d}"

    @transaction.atomic
    def run(self):
        with pghistory.context(source="seed"):
            return self._run()

    def _run(self):
        with connection.cursor() as cur:  # see copy_rows: keeps the history triggers cheap
            cur.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
        rng = self.rng
        region = Region.objects.create(name=REGION, code="34")
        districts = [
            District.objects.create(region=region, name=f"{d} межмуниципальный округ") for d in DISTRICTS
        ]
        organizations = [
            Organization(
                region=region,
                name="Министерство образования Волжской области",
                short_name="Минобр",
                inn=self.next_inn(),
                kind="regional_authority",
                level="regional",
            ),
            Organization(
                region=region,
                name="Центр непрерывного повышения профессионального мастерства педагогических работников",
                short_name="ЦНППМ",
                inn=self.next_inn(),
                kind="center",
                level="regional",
            ),
            Organization(
                region=region,
                name="ГАУ ДПО «Волжская государственная академия последипломного образования»",
                short_name="ВГАПО",
                inn=self.next_inn(),
                kind="dpo_institute",
                level="regional",
            ),
        ]
        municipalities = []
        for i, (name, weight) in enumerate(MUNICIPALITIES):
            district = districts[0] if i < 5 and i % 2 == 0 else districts[(i % (len(districts) - 1)) + 1]
            municipalities.append(
                (
                    Municipality.objects.create(
                        region=region, district=district, name=name, oktmo=f"18{i + 1:03d}000"
                    ),
                    weight,
                )
            )
        total_weight = sum(w for _, w in municipalities)
        positions = {p.name: p for p in Position.objects.all()}
        subjects = {s.name: s for s in Subject.objects.all()}
        # Staff per municipality in proportion; organizations sized ~25 (school), ~15 (kindergarten).
        plan = []  # (organization, kind, staff)
        for k, (muni, weight) in enumerate(municipalities):
            short = muni.name.replace("Городской округ город ", "").replace(" муниципальный район", "")
            organizations.append(
                Organization(
                    region=region,
                    municipality=muni,
                    name=f"Управление образования: {short}",
                    inn=self.next_inn(),
                    kind="municipal_authority",
                    level="municipal",
                )
            )
            organizations.append(
                Organization(
                    region=region,
                    municipality=muni,
                    name=f"Методический центр: {short}",
                    short_name=f"ММС {short}",
                    inn=self.next_inn(),
                    kind="methodological_service",
                    level="municipal",
                )
            )
            staff = round(self.people * weight / total_weight)
            if k == len(municipalities) - 1:
                staff = self.people - sum(s for _, _, s in plan)
            for kind, share, size, label in (
                ("school", 0.62, 25, "МБОУ «Средняя школа № {n}»"),
                ("kindergarten", 0.28, 15, "МБДОУ «Детский сад № {n}»"),
                ("additional_education", 0.10, 20, "МБУ ДО «Дом детского творчества № {n}»"),
            ):
                part = (
                    round(staff * share)
                    if kind != "additional_education"
                    else staff - sum(s for o, _, s in plan if o.municipality_id == muni.pk)
                )
                count = max(1, round(part / size))
                sizes = [part // count + (1 if j < part % count else 0) for j in range(count)]
                for n, s in enumerate(sizes, start=1):
                    org = Organization(
                        region=region,
                        municipality=muni,
                        name=label.format(n=n) + f", {short}",
                        short_name=label.format(n=n).split("«")[1].rstrip("»"),
                        inn=self.next_inn(),
                        kind=kind,
                        level="institutional",
                    )
                    organizations.append(org)
                    plan.append((org, kind, s))
        for d in districts[1:]:
            organizations.append(
                Organization(
                    region=region,
                    name=f"ГБПОУ «{d.name.split()[0]} педагогический колледж»",
                    inn=self.next_inn(),
                    kind="college",
                    level="regional",
                )
            )
        Organization.objects.bulk_create(organizations, batch_size=2000)

        persons, jobs = [], []
        for org, kind, staff in plan:
            for j in range(staff):
                position, subj = self.position_for(kind, j, positions, subjects)
                persons.append(self.person(position.is_manager))
                jobs.append((org, position, subj))
        Person.objects.bulk_create(persons, batch_size=5000)
        employments = []
        for person, (org, position, _) in zip(persons, jobs, strict=True):
            employments.append(
                Employment(
                    person=person,
                    organization=org,
                    position=position,
                    is_main=True,
                    start=person.pedagogical_start if rng.random() < 0.5 else None,
                )
            )
        Employment.objects.bulk_create(employments, batch_size=5000)
        through = Employment.subjects.through
        links = [
            through(employment_id=e.pk, subject_id=s.pk)
            for e, (_, _, subj) in zip(employments, jobs, strict=True)
            for s in subj
        ]
        through.objects.bulk_create(links, batch_size=10000)
        return {
            "municipalities": len(municipalities),
            "organizations": len(organizations),
            "people": len(persons),
            "employments": len(employments),
        }

    def position_for(self, kind, j, positions, subjects):
        rng = self.rng
        if j == 0:
            return positions["руководитель организации"], ()
        if kind == "school":
            if j == 1 or (j == 2 and rng.random() < 0.4):
                return positions["заместитель руководителя"], ()
            if rng.random() < 0.12:
                return positions[rng.choice(SCHOOL_OTHER)], ()
            return positions["учитель"], tuple(subjects[s] for s in rng.choice(SCHOOL_SUBJECTS))
        if kind == "kindergarten":
            if j == 1 and rng.random() < 0.4:
                return positions["заместитель руководителя"], ()
            r = rng.random()
            if r < 0.08:
                return positions["музыкальный руководитель"], ()
            if r < 0.14:
                return positions["старший воспитатель"], ()
            if r < 0.18:
                return positions["учитель-логопед"], ()
            return positions["воспитатель"], (subjects["дошкольное образование"],)
        if rng.random() < 0.1:
            return positions["методист"], ()
        return positions["педагог дополнительного образования"], ()

    def person(self, is_manager):
        rng, today = self.rng, self.today
        sex = "f" if rng.random() < 0.8 else "m"
        young = not is_manager and rng.random() < 0.095
        if young:
            age = rng.randint(22, 34)
            experience_days = rng.randint(0, 3 * 365 - 40)
        else:
            age = max(22, min(70, int(rng.gauss(47, 10))))
            if is_manager:
                age = max(age, 32)
            start_age = rng.choice([21, 22, 22, 23, 23, 24, 25, 27, 30])
            experience_days = max(0, (age - start_age) * 365 + rng.randint(0, 300))
            if age < 35:
                experience_days = max(experience_days, 3 * 365 + 30)  # only the "young" group is young
        birth = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        start = today - datetime.timedelta(days=experience_days)
        if (start - birth).days < 20 * 365:
            start = add_years(birth, 21)
            if young is False and age < 35 and (today - start).days < 3 * 365:
                start = today - datetime.timedelta(days=3 * 365 + 30)
        surname = rng.choice(SURNAMES)
        patronymic = rng.choice(PATRONYMICS)
        if sex == "f":
            last, first, middle = female(surname), rng.choice(FEMALE_NAMES), patronymic[1]
        else:
            last, first, middle = surname, rng.choice(MALE_NAMES), patronymic[0]
        category, category_date = self.category(start)
        expiry = category_expiry(category, category_date)
        higher = rng.random() < 0.82
        return Person(
            last_name=last,
            first_name=first,
            middle_name=middle,
            birth_date=birth,
            snils=self.snils(),
            sex=sex,
            email=f"teacher{len(self.snils_used)}@school.example.ru" if rng.random() < 0.6 else "",
            phone=f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
            if rng.random() < 0.5
            else "",
            education=Education.HIGHER if higher else Education.SECONDARY_VOCATIONAL,
            has_higher_pedagogical=higher and rng.random() < 0.85,
            pedagogical_start=start,
            category=category,
            category_date=category_date,
            category_order=f"№ {rng.randint(100, 2500)}" if category_date else "",
            category_expiry=expiry,
        )

    def category(self, start):
        rng, today = self.rng, self.today
        years = (today - start).days / 365
        if years < 2:
            return QualificationCategory.NONE, None
        r = rng.random()
        if r < 0.35 and years >= 5:
            category = QualificationCategory.HIGHEST
        elif r < 0.60:
            category = QualificationCategory.FIRST
        elif r < 0.75:
            category = QualificationCategory.COMPLIANCE
        elif r < 0.78 and years >= 10:
            category = QualificationCategory.METHODOLOGIST
        else:
            return QualificationCategory.NONE, None
        awarded = today - datetime.timedelta(days=rng.randint(30, 5 * 365 - 30))
        if awarded < start:
            awarded = start + datetime.timedelta(days=365)
        return category, min(awarded, today)
