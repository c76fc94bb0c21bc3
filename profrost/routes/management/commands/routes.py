"""`profrost routes generate --campaign ID [--hours 72] [--start DATE --end DATE]`,
`profrost routes export --campaign ID --out FILE.xlsx`, `profrost routes remind` (daily deadline notices)."""

from django.core.management.base import BaseCommand, CommandError

from profrost.core.exports import check_output, write_xlsx
from profrost.core.imports import parse_date
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.diagnostics.models import Campaign
from profrost.routes.actions import remind_deadlines
from profrost.routes.exports import route_sheets
from profrost.routes.generation import academic_year, generate_for_campaign
from profrost.routes.models import Route


class Command(BaseCommand):
    help = "Индивидуальные образовательные маршруты: построение по диагностике, выгрузка, напоминания"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        generate = sub.add_parser("generate")
        generate.add_argument("--campaign", type=int, required=True)
        generate.add_argument("--hours", type=int, default=72)
        generate.add_argument("--start")
        generate.add_argument("--end")
        export = sub.add_parser("export")
        export.add_argument("--campaign", type=int, required=True)
        export.add_argument("--out", required=True)
        sub.add_parser("remind")

    def handle(self, action, **options):
        if action == "remind":
            self.stdout.write(f"Напоминаний о сроках: {remind_deadlines()}")
            return
        if options.get("out"):
            check_output(options["out"])
        campaign = Campaign.objects.filter(pk=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"диагностика {options['campaign']} не найдена")
        if action == "export":
            routes = Route.objects.filter(result__campaign=campaign)
            write_xlsx(options["out"], route_sheets(routes))
            journal(JournalAction.EXPORT, obj=campaign, what="routes", source="cli")
            self.stdout.write(f"Маршрутов: {routes.count()}; выгружено: {options['out']}")
            return
        if options["hours"] < 0:
            raise CommandError("--hours: не меньше 0")
        start, end = academic_year()
        try:
            if options["start"]:
                start = parse_date(options["start"])
            if options["end"]:
                end = parse_date(options["end"])
        except Exception as exc:
            raise CommandError(f"дата: {exc}") from exc
        if end < start:
            raise CommandError("--end раньше --start")
        counts = generate_for_campaign(campaign, options["hours"], start, end)
        self.stdout.write(
            f"Создано маршрутов: {counts['created']}; непокрытых дефицитов: {counts['uncovered']}; "
            f"пропущено (маршрут уже есть): {counts['skipped']}"
        )
