"""`profrost mentoring propose [--municipality NAME] [--date DATE] --out FILE.xlsx [--apply --as-user LOGIN]` — the
proposal of mentors (docs/mentoring.md §4, §9) written to a spreadsheet (one row per proposal and the sheet «Без
наставника»); with --apply each row is applied through actions.create_mentorship as the region's staff member
named by --as-user (or the first active one), and the counts created and refused are printed."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from profrost.accounts.models import User
from profrost.accounts.permissions import is_region_staff
from profrost.core.exports import check_output, write_xlsx
from profrost.core.imports import norm_key
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.mentoring import proposals
from profrost.mentoring.permissions import may_manage_mentoring
from profrost.people.models import Person
from profrost.structure.models import Municipality

DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")
MIN_YEAR, MAX_YEAR = 2000, 2100


def parse_date(text):
    for fmt in DATE_FORMATS:
        try:
            day = datetime.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
        if MIN_YEAR <= day.year <= MAX_YEAR:
            return day
        raise CommandError(f"дата вне допустимого диапазона ({MIN_YEAR}–{MAX_YEAR}): {text[:50]}")
    raise CommandError(f"неверная дата «{text[:50]}»: укажите ДД.ММ.ГГГГ или ГГГГ-ММ-ДД")


class Command(BaseCommand):
    help = "Наставничество: предложение наставников (подбор с объяснением), его применение"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        propose = sub.add_parser("propose", help="предложение наставников в XLSX")
        propose.add_argument("--municipality", help="название муниципалитета (без него — весь регион)")
        propose.add_argument("--date", help="дата, на которую подбирать (ДД.ММ.ГГГГ; по умолчанию сегодня)")
        propose.add_argument("--out", required=True, help="файл XLSX")
        propose.add_argument("--apply", action="store_true", help="применить предложение")
        propose.add_argument(
            "--as-user", default="", help="логин сотрудника региона, от имени которого назначать"
        )

    def handle(self, action, **options):
        if action == "propose":
            return self.propose(options)

    def propose(self, options):
        check_output(options["out"])
        if not options["out"].lower().endswith(".xlsx"):
            raise CommandError("файл для выгрузки должен иметь расширение .xlsx")
        day = parse_date(options["date"]) if options.get("date") else datetime.date.today()
        municipality = None
        if options.get("municipality"):
            wanted = norm_key(options["municipality"])
            found = [m for m in Municipality.objects.all() if norm_key(m.name) == wanted]
            if not found:
                raise CommandError(f"муниципалитет «{options['municipality'][:100]}» не найден")
            municipality = found[0]
        actor = self.actor(options["as_user"]) if options["apply"] or options["as_user"] else None
        outcome = proposals.propose(actor, day=day, municipality_id=municipality.pk if municipality else None)
        rows = [p.as_row() for p in outcome.proposals]
        unmatched = [u.as_row() for u in outcome.unmatched]
        try:
            write_xlsx(options["out"], proposals.sheets(rows, unmatched))
        except OSError as exc:
            raise CommandError(f"не удалось записать файл {options['out']}: {exc.strerror or exc}") from exc
        journal(JournalAction.EXPORT, what="mentoring proposal", source="cli")
        self.stdout.write(
            f"Предложено: {len(rows)}; без наставника: {len(unmatched)}; "
            f"уже в паре: {sum(outcome.kept.values())}; выгружено: {options['out']}"
        )
        if options["apply"]:
            start = max(day, datetime.date.today())
            result = proposals.apply(actor, rows, start=start)
            self.stdout.write(f"Назначено: {len(result['created'])}; отказано: {len(result['refused'])}")
            people = Person.objects.in_bulk({rows[n][2] for n, _ in result["refused"][:50] if rows[n][2]})
            for n, message in result["refused"][:50]:
                mentee = people.get(rows[n][2])
                self.stdout.write(f"  {mentee.full_name if mentee else 'строка ' + str(n + 1)}: {message}")

    def actor(self, username):
        """Who the pairs are created and journaled as: the named login, else the first active region staff
        member who may manage mentoring."""
        users = User.objects.filter(is_active=True)
        if username:
            users = users.filter(username=username)
        candidates = [u for u in users.order_by("pk")[:50] if is_region_staff(u) and may_manage_mentoring(u)]
        if not candidates:
            raise CommandError(
                "нужен активный сотрудник региона (--as-user ЛОГИН): от его имени назначаются наставники"
            )
        return candidates[0]
