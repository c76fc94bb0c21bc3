"""Test data builders. SNILS numbers are generated valid (checksum computed)."""

import datetime
import itertools

from profrost.accounts.models import Role, User
from profrost.core.validators import snils_control
from profrost.people.models import Employment, Person, Position
from profrost.structure.models import District, Municipality, Organization, Region

_counter = itertools.count(2_000_000)

# The users of build_world(), one per role inside the scope (…_in) and one outside (…_out).
PERSONAS = (
    "region_admin",
    "center_staff",
    "municipal_coordinator_in",
    "municipal_coordinator_out",
    "school_coordinator_in",
    "school_coordinator_out",
    "teacher_in",
    "teacher_out",
    "methodologist",
    "mentor",
    "expert",
)


def valid_snils(number=None):
    n = number if number is not None else next(_counter)
    nine = f"{n:09d}"
    return nine + f"{snils_control(nine):02d}"


def make_person(organization=None, position="учитель", **kw):
    defaults = dict(
        last_name="Иванова",
        first_name="Мария",
        middle_name="Петровна",
        birth_date=datetime.date(1985, 3, 14),
        snils=valid_snils(),
        sex="f",
        pedagogical_start=datetime.date(2008, 9, 1),
    )
    defaults.update(kw)
    person = Person.objects.create(**defaults)
    if organization is not None:
        Employment.objects.create(
            person=person,
            organization=organization,
            position=Position.objects.get(name=position),
            is_main=True,
        )
    return person


def make_user(username, role=None, password="Пароль-для-теста-2024", person=None, **scope):
    user = User.objects.create_user(username=username, password=password, person=person, last_name=username)
    if role:
        Role.objects.create(user=user, role=role, **scope)
    return user


def ensure_reference_data():
    """Positions, subjects and the indicator sets come from data migrations; a transactional test's flush removes
    them."""
    import importlib

    from django.apps import apps

    importlib.import_module("profrost.people.migrations.0003_reference_data").load(apps, None)
    # the monitoring's shipped indicator sets (docs/monitoring.md §1), also data of a migration
    if not apps.get_model("monitoring", "Indicator").objects.exists():
        importlib.import_module("profrost.monitoring.migrations.0002_shipped_sets").load(apps, None)


def build_world():
    """2 districts × 2 municipalities × 2 schools × 2 teachers, plus one user per role inside
    scope (…_in) and one outside (…_out), like healthchecks' alice/bob/charlie."""
    ensure_reference_data()
    region = Region.objects.create(name="Тестовая область")
    center = Organization.objects.create(
        region=region,
        name="Центр непрерывного повышения профессионального мастерства",
        kind="center",
        level="regional",
    )
    w = {
        "region": region,
        "center": center,
        "districts": [],
        "municipalities": [],
        "schools": [],
        "teachers": [],
    }
    for d in range(2):
        district = District.objects.create(region=region, name=f"Округ {d + 1}")
        w["districts"].append(district)
        for m in range(2):
            mun = Municipality.objects.create(
                region=region, district=district, name=f"Муниципалитет {d + 1}.{m + 1}"
            )
            w["municipalities"].append(mun)
            for s in range(2):
                school = Organization.objects.create(
                    region=region,
                    municipality=mun,
                    name=f"МБОУ СОШ № {d + 1}{m + 1}{s + 1}",
                    inn=f"34{d}{m}{s}000000",
                    kind="school",
                    level="institutional",
                )
                w["schools"].append(school)
                for t in range(2):
                    w["teachers"].append(
                        make_person(school, last_name=f"Учитель{d}{m}{s}{t}", first_name="Анна")
                    )
    mun_a, mun_b = w["municipalities"][0], w["municipalities"][3]
    school_a, school_b = w["schools"][0], w["schools"][7]
    teacher_a, teacher_b = w["teachers"][0], w["teachers"][15]
    w["users"] = {
        "region_admin": make_user("region_admin", "region_admin", region=region),
        "center_staff": make_user("center_staff", "center_staff", region=region),
        "municipal_coordinator_in": make_user("mc_in", "municipal_coordinator", municipality=mun_a),
        "municipal_coordinator_out": make_user("mc_out", "municipal_coordinator", municipality=mun_b),
        "school_coordinator_in": make_user("sc_in", "school_coordinator", organization=school_a),
        "school_coordinator_out": make_user("sc_out", "school_coordinator", organization=school_b),
        "teacher_in": make_user("teacher_in", "teacher", person=teacher_a),
        "teacher_out": make_user("teacher_out", "teacher", person=teacher_b),
        "methodologist": make_user("methodologist", "methodologist"),
        "mentor": make_user("mentor", "mentor"),
        "expert": make_user("expert", "expert"),
    }
    w["inside"] = {"municipality": mun_a, "school": school_a, "teacher": teacher_a}
    return w


def assign_to_methodologist(world, *teachers, user=None):
    """Make `user` (the world's methodologist) an approved asset member with the teachers assigned — what a
    methodologist needs to be a route's tutor (docs/support.md §12). Rows written directly: the asset's own
    rules are tested in tests/test_support*.py."""
    from profrost.structure.models import Municipality
    from profrost.support.models import AssetMember, Assignment, MemberStatus, Order

    user = user or world["users"]["methodologist"]
    if user.person_id is None:
        user.person = make_person(world["schools"][0], last_name=user.username, first_name="Методист")
        user.save(update_fields=["person"])
    today = datetime.date.today()
    member = AssetMember.objects.filter(person=user.person, status=MemberStatus.APPROVED).first()
    if member is None:
        order, _ = Order.objects.get_or_create(number="тест-1", date=today)
        member = AssetMember.objects.create(
            person=user.person, directions=["routes"], status=MemberStatus.APPROVED, order=order, start=today
        )
        member.zone.set(Municipality.objects.all())
    for teacher in teachers:
        job = teacher.employments.select_related("organization").first()
        Assignment.objects.get_or_create(
            member=member,
            person=teacher,
            active=True,
            defaults={
                "direction": "routes",
                "municipality_id": job.organization.municipality_id,
                "since": today,
            },
        )
    return member
