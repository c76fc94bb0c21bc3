"""`profrost diagnostics create-campaign …` and `profrost diagnostics export-results …`."""

from django.core.management.base import BaseCommand, CommandError

from profrost.core.exports import write_xlsx
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.diagnostics.exports import results_sheet
from profrost.diagnostics.models import Campaign, CampaignKind, Instrument


class Command(BaseCommand):
    help = "Диагностика: создание кампании, выгрузка результатов"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create-campaign")
        create.add_argument("--instrument", type=int, required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--kind", choices=CampaignKind.values, required=True)
        export = sub.add_parser("export-results")
        export.add_argument("campaign", type=int)
        export.add_argument("--out", required=True)

    def handle(self, action, **options):
        if action == "create-campaign":
            instrument = Instrument.objects.filter(pk=options["instrument"]).first()
            if instrument is None:
                raise CommandError(f"инструмент {options['instrument']} не найден")
            campaign = Campaign.objects.create(
                instrument=instrument, name=options["name"], kind=options["kind"]
            )
            self.stdout.write(str(campaign.pk))
        else:
            campaign = Campaign.objects.filter(pk=options["campaign"]).first()
            if campaign is None:
                raise CommandError(f"диагностика {options['campaign']} не найдена")
            headers, rows = results_sheet(campaign, campaign.results.all())
            write_xlsx(options["out"], [("Результаты", headers, rows)])
            journal(JournalAction.EXPORT, obj=campaign, what="results", source="cli")
            self.stdout.write(f"Выгружено: {options['out']}")
