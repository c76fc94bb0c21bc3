"""`profrost support propose-assignments [--municipality NAME] --out FILE.xlsx [--apply]` — the automatic
proposal of assignments (docs/support.md §13), written to a spreadsheet and, with --apply, applied through
support.actions.assign as the center's service user; `profrost support load --out FILE.xlsx` — each approved
member's load against the limit, with lessons visited and consultations held."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from profrost.accounts.models import User
from profrost.core.exports import check_output, write_xlsx
from profrost.core.imports import norm_key
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.people.models import Person
from profrost.structure.models import Municipality
from profrost.support import permissions, proposals
from profrost.support.models import (
    ActivityStatus,
    AssetMember,
    Consultation,
    Direction,
    LessonVisit,
    load_limit,
)

PROPOSAL_HEADERS = [
    "СНИЛС педагога",
    "ФИО педагога",
    "СНИЛС методиста",
    "ФИО методиста",
    "Направление",
    "Причина",
]
LOAD_HEADERS = ["СНИЛС", "ФИО", "Закреплено", "Лимит", "Посещено уроков", "Консультаций"]


def _count(model):
    """Done activities of each member, as a subquery (no join multiplying the rows)."""
    rows = (
        model.objects.filter(member_id=OuterRef("pk"), status=ActivityStatus.DONE)
        .order_by()
        .values("member_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


class Command(BaseCommand):
    help = "Методический актив: предложение закреплений педагогов, нагрузка методистов"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        propose = sub.add_parser("propose-assignments")
        propose.add_argument("--municipality", help="название муниципалитета (без него — весь регион)")
        propose.add_argument("--out", required=True)
        propose.add_argument("--apply", action="store_true", help="применить предложение")
        propose.add_argument(
            "--as-user", default="", help="логин сотрудника центра, от имени которого закреплять"
        )
        load = sub.add_parser("load")
        load.add_argument("--out", required=True)

    def handle(self, action, **options):
        check_output(options["out"])
        if action == "load":
            return self.load(options["out"])
        municipality = None
        if options.get("municipality"):
            wanted = norm_key(options["municipality"])
            found = [m for m in Municipality.objects.all() if norm_key(m.name) == wanted]
            if not found:
                raise CommandError(f"муниципалитет «{options['municipality']}» не найден")
            municipality = found[0]
        actor = None
        if options["apply"]:
            actor = self.actor(options["as_user"])
        outcome = proposals.propose(municipality.pk if municipality else None)
        people = Person.objects.in_bulk({p.teacher_id for p in outcome.proposals})
        members = AssetMember.objects.select_related("person").in_bulk(
            {p.member_id for p in outcome.proposals}
        )
        labels = dict(Direction.choices)
        rows = (
            [
                people[p.teacher_id].snils_display,
                people[p.teacher_id].full_name,
                members[p.member_id].person.snils_display,
                members[p.member_id].person.full_name,
                labels.get(p.direction, p.direction),
                p.reason,
            ]
            for p in outcome.proposals
        )
        write_xlsx(options["out"], [("Предложение", PROPOSAL_HEADERS, rows)])
        journal(JournalAction.EXPORT, what="assignment proposal", source="cli")
        self.stdout.write(
            f"Предложено закреплений: {len(outcome.proposals)}; без подходящего методиста: "
            f"{len(outcome.unmatched)}; уже закреплены: {outcome.kept}; выгружено: {options['out']}"
        )
        if actor is not None:
            result = proposals.apply(actor, [p.as_row() for p in outcome.proposals])
            self.stdout.write(f"Закреплено: {result['applied']}; отказано: {len(result['refused'])}")
            for teacher_id, _member, message in result["refused"][:50]:
                name = people[teacher_id].full_name if teacher_id in people else teacher_id
                self.stdout.write(f"  {name}: {message}")

    def actor(self, username):
        """Who the assignments are journaled as: the named login, else the only active center staff member."""
        users = User.objects.filter(is_active=True)
        if username:
            users = users.filter(username=username)
        candidates = [u for u in users.order_by("pk")[:50] if permissions.may_assign_teachers(u)]
        if not candidates:
            raise CommandError(
                "нужен активный сотрудник центра (--as-user ЛОГИН): от его имени закрепляются педагоги"
            )
        return candidates[0]

    def load(self, out):
        members = (
            AssetMember.objects.approved()
            .select_related("person")
            .annotate(
                load=Count("assignments", filter=Q(assignments__active=True), distinct=True),
                visits_done=_count(LessonVisit),
                consultations_done=_count(Consultation),
            )
            .order_by("person__last_name", "person__first_name", "pk")
        )
        limit = load_limit()
        rows = (
            [m.person.snils_display, m.person.full_name, m.load, limit, m.visits_done, m.consultations_done]
            for m in members.iterator(chunk_size=2000)
        )
        write_xlsx(out, [("Нагрузка", LOAD_HEADERS, rows)])
        journal(JournalAction.EXPORT, what="asset load", source="cli")
        self.stdout.write(f"Методистов: {members.count()}; выгружено: {out}")
