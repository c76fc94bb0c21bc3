"""`profrost trial`: the embedded demo. Generates a region if the database is empty, (re)creates one
demo login per role with fresh random passwords, prints them, and serves with a task worker."""

import atexit
import datetime
import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from profrost.accounts.models import Role, RoleCode, User
from profrost.mentoring import actions as mentoring
from profrost.mentoring.models import MentoringProgram, MentorshipForm
from profrost.people.models import Person
from profrost.people.seeding import RegionGenerator
from profrost.portal.demo import build_demo
from profrost.structure.models import Organization, Region
from profrost.support import actions as support
from profrost.support.models import AssetMember, Direction, MemberStatus


def demo_label(role):
    """The name of a demo login without a person: «Региональный методист (демо)»."""
    return f"{RoleCode(role).label} (демо)"


class Command(BaseCommand):
    help = "Демонстрационный запуск: регион, учётные записи по ролям, сервер на 127.0.0.1:8000"

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve", action="store_true", help="только подготовить данные и вывести логины"
        )

    def handle(self, people, seed, port, no_serve, **options):
        if not settings.DEBUG:
            raise CommandError("trial — только для демонстрационного запуска (DEBUG=true)")
        if not Region.objects.exists():
            self.stdout.write(f"Генерация региона: {people} педагогов…")
            counts = RegionGenerator(people, seed).run()
            self.stdout.write(
                f"Создано организаций: {counts['organizations']}, педагогов: {counts['people']}"
            )
            demo = build_demo(seed)
            self.stdout.write(
                f"Демонстрационные данные: результатов диагностики {demo.get('results', 0)}, "
                f"программ {demo.get('programs', 0)}, маршрутов {demo.get('routes', 0)}"
            )
        logins = self.demo_users()
        self.stdout.write("\nДемонстрационные учётные записи (пароли новые при каждом запуске):\n")
        self.stdout.write(f"{'Логин':<28}{'Пароль':<20}{'Роль':<28}Область")
        for username, password, role, scope in logins:
            self.stdout.write(f"{username:<28}{password:<20}{role:<28}{scope}")
        if no_serve:
            return
        self.stdout.write(f"\nОткройте http://127.0.0.1:{port}/ (остановка: Ctrl+C)\n")
        worker = subprocess.Popen(
            [sys.executable, "-m", "profrost.cli", "db_worker"],
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
        )
        atexit.register(worker.terminate)
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            worker.terminate()

    @transaction.atomic
    def demo_users(self):
        region = Region.objects.order_by("pk").first()
        school = (
            Organization.objects.filter(kind="school", municipality__isnull=False)
            .order_by("municipality__name", "name")
            .select_related("municipality")
            .first()
        )
        municipality = school.municipality
        staff = list(
            Person.objects.filter(employments__organization=school).order_by("last_name", "pk").distinct()[:3]
        )
        # The demo methodologist is a teacher of another school of the same municipality (an asset member is a
        # practising teacher, docs/support.md §1).
        colleague = (
            Person.objects.filter(employments__organization__municipality=municipality)
            .exclude(employments__organization=school)
            .order_by("last_name", "pk")
            .first()
        )
        specs = [
            ("demo_region_admin", RoleCode.REGION_ADMIN, {"region": region}, None),
            ("demo_center_staff", RoleCode.CENTER_STAFF, {"region": region}, None),
            ("demo_methodologist", RoleCode.METHODOLOGIST, {}, colleague),
            ("demo_municipal", RoleCode.MUNICIPAL_COORDINATOR, {"municipality": municipality}, None),
            ("demo_school", RoleCode.SCHOOL_COORDINATOR, {"organization": school}, None),
            ("demo_mentor", RoleCode.MENTOR, {}, staff[1] if len(staff) > 1 else None),
            ("demo_teacher", RoleCode.TEACHER, {}, staff[0] if staff else None),
            ("demo_expert", RoleCode.EXPERT, {}, None),
        ]
        out = []
        User.objects.filter(is_demo=True).update(person=None)
        for username, role, scope, person in specs:
            password = secrets.token_urlsafe(12)
            user, _ = User.objects.get_or_create(username=username, defaults={"is_demo": True})
            user.is_demo = True
            user.is_active = True
            user.person = person
            # A demo login's name is its role, spelled one way everywhere: «Региональный методист (демо)».
            user.last_name = person.last_name if person else demo_label(role)
            user.first_name = person.first_name if person else ""
            user.middle_name = person.middle_name if person else ""
            user.set_password(password)
            user.save()
            Role.objects.filter(user=user).delete()
            Role.objects.create(user=user, role=role, **scope)
            label = str(scope and next(iter(scope.values())) or (person or "собственные данные"))
            out.append((username, password, RoleCode(role).label, label))
        if colleague is not None:
            self.demo_asset(colleague, school, municipality)
        if len(staff) > 1:
            self.demo_mentoring(school, staff[1])
        return out

    def demo_mentoring(self, school, mentor):
        """The demo school's approved mentoring program with the demo mentor mentoring the school's young
        specialists (or, when it has none, the demo teacher) by a personal plan of two tasks, so that «Мои
        наставляемые» and the young specialists' base are not empty (docs/mentoring.md)."""
        coordinator = User.objects.get(username="demo_school")
        if MentoringProgram.objects.filter(organization=school).exists():
            return
        today = datetime.date.today()
        start = datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
        program = mentoring.save_program(
            coordinator,
            organization=school,
            title="Программа наставничества педагогических работников",
            start=start,
            end=datetime.date(start.year + 1, 8, 31),
            forms=[MentorshipForm.TEACHER_TEACHER, MentorshipForm.COMPETENCE, MentorshipForm.GROUP],
            act_number="15-о",
            act_date=start,
        )
        program = mentoring.approve_program(coordinator, program)
        young = list(
            Person.objects.young_specialists(on=today)
            .filter(employments__organization=school)
            .exclude(pk=mentor.pk)
            .order_by("last_name", "pk")
            .distinct()[:2]
        )
        mentees = young or list(
            Person.objects.filter(employments__organization=school)
            .exclude(pk=mentor.pk)
            .order_by("last_name")[:1]
        )
        for mentee in mentees:
            try:
                pair = mentoring.create_mentorship(
                    coordinator,
                    form=MentorshipForm.TEACHER_TEACHER,
                    mentors=[mentor],
                    mentees=[mentee],
                    program=program,
                    start=start,
                    end=program.end,
                    directions="проектирование урока по обновлённым ФГОС, работа с родителями",
                    order_number="16-о",
                    order_date=start,
                    notify_people=False,
                )
            except mentoring.MentoringError:
                continue  # the demo mentor is a young specialist or over the cap: the demo goes on
            mentoring.save_task(
                coordinator,
                pair,
                title="Посещение и анализ уроков наставника",
                due=start + datetime.timedelta(60),
            )
            mentoring.save_task(
                coordinator, pair, title="Открытый урок наставляемого", due=today + datetime.timedelta(20)
            )

    def demo_asset(self, person, school, municipality):
        """The demo methodologist in the regional methodological asset (approved by a demo order, serving the
        demo municipality) with the demo school's teachers assigned, so that «Мои педагоги» is not empty; the
        assignment makes them the tutor of those teachers' routes (support.actions.assign)."""
        center = User.objects.get(username="demo_center_staff")
        if AssetMember.objects.filter(person=person, status=MemberStatus.APPROVED).exists():
            return
        AssetMember.objects.filter(person=person, status=MemberStatus.NOMINATED).delete()
        member = support.nominate(
            center,
            person,
            directions=[Direction.ROUTES, Direction.DEFICITS, Direction.CONSULTING],
            zone=[municipality],
            note="Демонстрационная запись",
        )
        support.approve(
            center,
            [member.pk],
            order_number="1-демо",
            order_date=datetime.date.today(),
            justifications={member.pk: "Демонстрационная запись"},
        )
        member.refresh_from_db()
        teachers = (
            Person.objects.filter(employments__organization=school).order_by("last_name", "pk").distinct()
        )
        for teacher in teachers[:15]:
            try:
                support.assign(center, member, teacher, direction=Direction.ROUTES)
            except support.SupportError:
                continue  # outside the zone or over a limit: the demo goes on without them
