"""`profrost diagnostics create-campaign …`, `… export-results …` and `… report …` (item analysis)."""

from django.core.management.base import BaseCommand, CommandError

from profrost.core.exports import check_output, write_xlsx
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
        report = sub.add_parser("report")
        report.add_argument("campaign", type=int)
        report.add_argument("--municipality", help="наименование муниципалитета")
        report.add_argument("--out", required=True)

    def handle(self, action, **options):
        if action == "create-campaign":
            instrument = Instrument.objects.filter(pk=options["instrument"]).first()
            if instrument is None:
                raise CommandError(f"инструмент {options['instrument']} не найден")
            campaign = Campaign.objects.create(
                instrument=instrument, name=options["name"], kind=options["kind"]
            )
            self.stdout.write(str(campaign.pk))
            return
        if options.get("out"):
            check_output(options["out"])
        campaign = Campaign.objects.select_related("instrument").filter(pk=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"диагностика {options['campaign']} не найдена")
        if action == "report":
            self.report(campaign, options)
        else:
            headers, rows = results_sheet(campaign, campaign.results.all())
            write_xlsx(options["out"], [("Результаты", headers, rows)])
            journal(JournalAction.EXPORT, obj=campaign, what="results", source="cli")
            self.stdout.write(f"Выгружено: {options['out']}")

    def report(self, campaign, options):
        from profrost.diagnostics import analysis
        from profrost.structure.models import Municipality

        groups = {}
        if options["municipality"]:
            found = list(Municipality.objects.filter(name__iexact=options["municipality"].strip())[:2])
            if len(found) != 1:
                raise CommandError(f"муниципалитет «{options['municipality']}» не найден")
            groups["municipality"] = str(found[0].pk)
        data = analysis.report(campaign, campaign.results.all(), **groups)
        write_xlsx(options["out"], analysis.report_sheets(data))
        journal(JournalAction.EXPORT, obj=campaign, what="item analysis", groups=groups, source="cli")
        self.stdout.write(f"Участников: {data['participants']}; выгружено: {options['out']}")
