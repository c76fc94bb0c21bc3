"""`profrost diagnostics create-campaign …`, `… export-results …` and `… report …` (item analysis).

create-campaign goes through the page's form and action (CampaignForm, actions.save_campaign): the same checks,
the same scope (municipalities, organizations — named here by INN —, positions, subjects), the same experts; --invite then
invites the participants as the page's button does (taking.invite_participants)."""

from django.core.management.base import BaseCommand, CommandError

from profrost.accounts.models import User
from profrost.core.exports import check_output, write_xlsx
from profrost.core.journal import journal
from profrost.core.lookups import COMMAND_LINE
from profrost.core.models import JournalAction
from profrost.diagnostics import actions, analysis, taking
from profrost.diagnostics.exports import results_sheet
from profrost.diagnostics.forms import CampaignForm
from profrost.diagnostics.models import Campaign, CampaignKind
from profrost.people.models import Position, Subject
from profrost.structure.models import Municipality, Organization


class Command(BaseCommand):
    help = "Диагностика: создание кампании, выгрузка результатов"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create-campaign")
        create.add_argument("--instrument", type=int, required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--kind", choices=CampaignKind.values, required=True)
        create.add_argument("--start", help="ДД.ММ.ГГГГ")
        create.add_argument("--end", help="ДД.ММ.ГГГГ")
        create.add_argument("--time-limit", type=int, help="минут (онлайн-тестирование)")
        create.add_argument("--one-per-screen", action="store_true")
        create.add_argument("--cohort", type=int, help="учебная группа (диагностика курса)")
        create.add_argument(
            "--municipality", action="append", default=[], help="наименование; можно несколько"
        )
        create.add_argument("--organization", action="append", default=[], help="ИНН; можно несколько")
        create.add_argument("--position", action="append", default=[], help="должность; можно несколько")
        create.add_argument("--subject", action="append", default=[], help="предмет; можно несколько")
        create.add_argument(
            "--expert", dest="experts", action="append", default=[], help="логин эксперта; можно несколько"
        )
        create.add_argument("--invite", action="store_true", help="сразу пригласить участников")
        export = sub.add_parser("export-results")
        export.add_argument("campaign", type=int)
        export.add_argument("--out", required=True)
        report = sub.add_parser("report")
        report.add_argument("campaign", type=int)
        report.add_argument("--municipality", help="наименование муниципалитета")
        report.add_argument("--out", required=True)

    def handle(self, action, **options):
        if action == "create-campaign":
            self.create_campaign(options)
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

    def create_campaign(self, options):
        form = CampaignForm(
            {
                "instrument": options["instrument"],
                "name": options["name"],
                "kind": options["kind"],
                "start": options["start"] or "",
                "end": options["end"] or "",
                "time_limit": options["time_limit"] or "",
                "one_per_screen": options["one_per_screen"],
                "cohort": options["cohort"] or "",
                "municipalities": _ids(
                    Municipality.objects, "name__iexact", options["municipality"], "муниципалитет"
                ),
                "organizations": _organizations(options["organization"]),
                "positions": _ids(Position.objects, "name__iexact", options["position"], "должность"),
                "subjects": _ids(Subject.objects, "name__iexact", options["subject"], "предмет"),
                "experts": _ids(
                    User.objects.filter(is_active=True), "username", options["experts"], "эксперт"
                ),
            },
            user=COMMAND_LINE,
        )
        if not form.is_valid():
            raise CommandError(
                "; ".join(
                    f"{form.fields[name].label if name in form.fields else name}: {' '.join(errors)}"
                    for name, errors in form.errors.items()
                )
            )
        campaign = actions.save_campaign(form.cleaned_data)
        if options["invite"]:
            self.stdout.write(f"Приглашено участников: {taking.invite_participants(campaign)}")
        self.stdout.write(str(campaign.pk))

    def report(self, campaign, options):
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


def _ids(queryset, lookup, values, what):
    """The ids of the rows named by `values` (one each), or CommandError naming the first unknown one."""
    ids = []
    for value in values:
        found = list(queryset.filter(**{lookup: value.strip()}).values_list("pk", flat=True)[:2])
        if len(found) != 1:
            raise CommandError(f"{what} «{value}» {'не найдена' if what == 'должность' else 'не найден'}")
        ids.append(found[0])
    return ids


def _organizations(inns):
    """The ids of the organizations named by INN, or CommandError naming the unknown ones."""
    inns = [inn.strip() for inn in inns if inn.strip()]
    found = dict(Organization.objects.filter(inn__in=inns).values_list("inn", "pk"))
    unknown = [inn for inn in inns if inn not in found]
    if unknown:
        raise CommandError("Не найдены организации с ИНН: " + ", ".join(unknown[:20]))
    return [found[inn] for inn in inns]
