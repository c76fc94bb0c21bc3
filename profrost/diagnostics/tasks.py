"""Background work of the diagnostics, with progress for the page: the campaign's report as a PDF."""

from django.contrib.auth import get_user_model
from django_tasks import task

from profrost.core import downloads
from profrost.diagnostics.exports import campaign_report_pdf
from profrost.diagnostics.models import Campaign


@task()
def build_campaign_report_pdf(progress_id, campaign_id, user_id, groups):
    """The report over the results the user who asked may see (their scope is read again here: a role taken
    away in the meantime narrows the report)."""

    def build(path, report):
        campaign = Campaign.objects.select_related("instrument").get(pk=campaign_id)
        user = get_user_model().objects.get(pk=user_id)
        report(0, 1)
        with open(path, "wb") as fh:
            fh.write(campaign_report_pdf(campaign, user, groups))
        report(1, 1)
        return f"Отчёт «{campaign.name}» готов."

    downloads.run(progress_id, build)
