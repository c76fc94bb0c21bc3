"""Pages of the diagnostics: the competence framework, instruments and items, campaigns with their analysis
and exports, the assessment sheet, online test taking, the experts' review of open answers."""

from decimal import InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from profrost.accounts import permissions
from profrost.accounts.models import User
from profrost.accounts.roles import RoleCode
from profrost.core import downloads
from profrost.core.exports import attachment, file_name, xlsx_response
from profrost.core.filters import (
    ChoiceFilter,
    FilterForm,
    IdFilter,
    IntFilter,
    TextFilter,
    parse_id,
    wanted_format,
    without_nul,
)
from profrost.core.history import history
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.paging import page_of, query_without_page
from profrost.diagnostics import actions, analysis, charts, taking
from profrost.diagnostics.exports import results_sheet
from profrost.diagnostics.forms import (
    CampaignForm,
    CompetenceForm,
    InstrumentSettingsForm,
    InviteForm,
    ItemForm,
)
from profrost.diagnostics.models import (
    Campaign,
    CampaignKind,
    Competence,
    CompetenceGroup,
    Instrument,
    Item,
    Result,
    ResultStatus,
)
from profrost.diagnostics.tasks import build_campaign_report_pdf
from profrost.people.models import Position, Subject, name_q
from profrost.structure.models import District, Municipality, Organization


def _can_edit(user):
    return permissions.may_manage_campaigns(user)


def competence_list(request):
    groups = CompetenceGroup.objects.prefetch_related(
        Prefetch("competences", queryset=Competence.objects.order_by("order", "code"))
    )
    return render(
        request, "diagnostics/competence_list.html", {"groups": groups, "can_edit": _can_edit(request.user)}
    )


def competence_form(request, pk=None):
    if not _can_edit(request.user):
        raise PermissionDenied
    competence = get_object_or_404(Competence, pk=pk) if pk else None
    form = CompetenceForm(request.POST or None, instance=competence)
    if request.method == "POST" and form.is_valid():
        actions.save_competence(form)
        messages.success(request, "Компетенция сохранена.")
        return redirect("diagnostics:competences")
    return render(
        request,
        "diagnostics/competence_form.html",
        {"form": form, "competence": competence, "history": history(competence) if competence else []},
    )


@require_POST
def competence_active(request, pk):
    if not _can_edit(request.user):
        raise PermissionDenied
    competence = get_object_or_404(Competence, pk=pk)
    active = request.POST.get("active") == "1"
    actions.set_competence_active(competence, active)
    messages.success(
        request, f"Компетенция {competence.code} {'восстановлена' if active else 'выведена из употребления'}."
    )
    return redirect("diagnostics:competences")


def _require_campaign_viewer(user):
    if not permissions.may_view_campaigns(user):
        raise PermissionDenied


def campaign_list(request):
    _require_campaign_viewer(request.user)
    visible = Result.objects.visible_to(request.user).values("pk")
    campaigns = Campaign.objects.select_related("instrument").annotate(
        participants=Count("results", filter=Q(results__in=visible)),
        scored=Count("results", filter=Q(results__in=visible, results__status=ResultStatus.SCORED)),
    )
    return render(
        request,
        "diagnostics/campaign_list.html",
        {"campaigns": campaigns, "can_import_results": _can_edit(request.user)},
    )


def _campaign_results(request, campaign):
    return Result.objects.visible_to(request.user).filter(campaign=campaign)


class ReportGroupFilter(FilterForm):
    """The group a campaign's analysis is narrowed to (analysis.GROUPS), as ids."""

    district = IdFilter(label="Округ")
    municipality = IdFilter(label="Муниципалитет")
    organization = IdFilter(label="Организация")
    position = IdFilter(label="Должность")
    subject = IdFilter(label="Предмет")


class ParticipantFilter(FilterForm):
    """The participants' table of a campaign: by name and by status."""

    q = TextFilter(label="ФИО участника", max_length=100)
    status = ChoiceFilter(label="Статус", choices=ResultStatus.choices)


def _report_groups(request, notify=True):
    """{group: id as text, "" when not given or invalid} — the page's selects compare with text."""
    values = ReportGroupFilter.of(request, notify=notify).values
    return {key: str(value) if value else "" for key, value in values.items()}


def campaign_detail(request, pk):
    _require_campaign_viewer(request.user)
    campaign = get_object_or_404(Campaign.objects.select_related("instrument"), pk=pk)
    results = _campaign_results(request, campaign)
    groups = _report_groups(request)
    data = analysis.report(campaign, results, **groups)
    trend = analysis.trend(campaign, Result.objects.visible_to(request.user), **groups)
    drawn = charts.report_charts(campaign, data, trend)
    data["heat_map"] = [
        (name, [(value, analysis.heat_class(value)) for value in values]) for name, values in data["heat_map"]
    ]
    organizations = ()
    if groups["municipality"].isdigit():
        organizations = (
            Organization.objects.visible_to(request.user)
            .filter(municipality_id=groups["municipality"])
            .order_by("name")
            .values_list("pk", "name")
        )
    statuses = dict(results.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    participants = ParticipantFilter.of(request)
    found = analysis.in_groups(results, **groups).filter(name_q(participants.values["q"], "person__"))
    if participants.values["status"]:
        found = found.filter(status=participants.values["status"])
    page = page_of(
        request, found.select_related("person").order_by("person__last_name", "person__first_name", "pk")
    )
    return render(
        request,
        "diagnostics/campaign_detail.html",
        {
            "campaign": campaign,
            "page": page,
            "participants": participants.values,
            "participants_total": sum(statuses.values()),
            "status_choices": ResultStatus.choices,
            "report": data,
            "trend": trend,
            "charts": drawn,
            "statuses": [(label, statuses.get(value, 0)) for value, label in ResultStatus.choices],
            "groups": groups,
            "query": query_without_page(request),
            "districts": District.objects.values_list("pk", "name"),
            "municipalities": _municipality_choices(request.user),
            "organizations": organizations,
            "positions": Position.objects.values_list("pk", "name"),
            "subjects": Subject.objects.values_list("pk", "name"),
            "can_invite": _can_edit(request.user),
        },
    )


def campaign_chart(request, pk, name):
    """One chart of the campaign's report as SVG (an <img> of the page), for the same group and over the same
    results in the viewer's scope as the page."""
    _require_campaign_viewer(request.user)
    campaign = get_object_or_404(Campaign.objects.select_related("instrument"), pk=pk)
    if name not in charts.NAMES:
        raise Http404
    drawn = charts.chart(
        name,
        campaign,
        _campaign_results(request, campaign),
        Result.objects.visible_to(request.user),
        **_report_groups(request, notify=False),  # the page has told about bad values already
    )
    return drawn.response()


@require_POST
def campaign_report_pdf(request, pk):
    """The campaign's report as a PDF, for the group chosen on the page: charts and WeasyPrint take seconds on a
    large campaign, so the worker makes it while the page shows its progress (core/downloads.py)."""
    _require_campaign_viewer(request.user)
    campaign = get_object_or_404(Campaign, pk=pk)
    groups = ReportGroupFilter(request.POST).values
    groups = {key: value or None for key, value in groups.items()}
    journal(JournalAction.EXPORT, request=request, obj=campaign, what="report pdf", groups=groups)
    progress = downloads.start(request.user, file_name(f"Анализ — {campaign.name}", "pdf"))
    build_campaign_report_pdf.enqueue(progress.pk, campaign.pk, request.user.pk, groups)
    return redirect("download", pk=progress.pk)


def campaign_report(request, pk):
    """The item analysis as XLSX, for the same group as on the page."""
    _require_campaign_viewer(request.user)
    campaign = get_object_or_404(Campaign.objects.select_related("instrument"), pk=pk)
    groups = _report_groups(request)
    data = analysis.report(campaign, _campaign_results(request, campaign), **groups)
    journal(JournalAction.EXPORT, request=request, obj=campaign, what="item analysis", groups=groups)
    return xlsx_response(file_name(f"Анализ — {campaign.name}", "xlsx"), analysis.report_sheets(data))


def campaign_export(request, pk):
    _require_campaign_viewer(request.user)
    campaign = get_object_or_404(Campaign, pk=pk)
    results = _campaign_results(request, campaign)
    journal(JournalAction.EXPORT, request=request, obj=campaign, what="results", rows=results.count())
    headers, rows = results_sheet(campaign, results, request.user)
    return xlsx_response(file_name(f"Результаты — {campaign.name}", "xlsx"), [("Результаты", headers, rows)])


def result_detail(request, pk):
    """The participant's assessment sheet (оценочный лист)."""
    result = get_object_or_404(
        Result.objects.visible_to(request.user).select_related("person", "campaign__instrument"), pk=pk
    )
    if request.user.person_id != result.person_id:
        journal(
            JournalAction.VIEW_PERSON, request=request, obj=result.person, what="result", result_id=result.pk
        )
    scores = (
        result.item_scores.select_related("item")
        .prefetch_related("item__competences")
        .order_by("item__position")
    )
    competences = result.competence_results.select_related("competence").order_by("competence__code")
    user = request.user
    context = {
        "result": result,
        "scores": scores,
        "competences": competences,
        "can_generate": permissions.may_build_route_from(user, result),
    }
    if wanted_format(request) == "pdf":
        return _sheet_pdf(request, result, context)
    return render(request, "diagnostics/result_detail.html", context)


def _sheet_pdf(request, result, context):
    """The assessment sheet as a PDF (WeasyPrint; DejaVu fonts render Cyrillic)."""
    import weasyprint  # ~1 s to import: loaded by the PDF exports only, not by every process that loads the URLs

    html = render_to_string("diagnostics/result_sheet_pdf.html", context, request=request)
    response = HttpResponse(weasyprint.HTML(string=html).write_pdf(), content_type="application/pdf")
    return attachment(response, f"Лист оценивания {result.person.short_name} — {result.campaign.name}", "pdf")


def _municipality_choices(user):
    return Municipality.objects.visible_to(user).values_list("pk", "name")


# --- online testing -------------------------------------------------------------------------------


def _my_result(request, pk):
    if not request.user.person_id:
        raise Http404
    return get_object_or_404(
        Result.objects.select_related("campaign__instrument"), pk=pk, person_id=request.user.person_id
    )


class QuestionFilter(FilterForm):
    q = IntFilter(label="Номер вопроса", min_value=1, max_value=100_000)


# Taken in the browser; federal results are imported.
ONLINE_KINDS = (CampaignKind.REGIONAL, CampaignKind.COURSE)


def my_tests(request):
    results = (
        Result.objects.filter(person_id=request.user.person_id, campaign__kind__in=ONLINE_KINDS)
        .select_related("campaign")
        .order_by("-pk")
        if request.user.person_id
        else Result.objects.none()
    )
    return render(request, "diagnostics/my_tests.html", {"results": results})


def take_test(request, pk):
    result = _my_result(request, pk)
    if result.campaign.kind not in ONLINE_KINDS:
        return redirect("diagnostics:result", pk=result.pk)  # federal results are imported, not taken here
    if result.status not in (ResultStatus.INVITED, ResultStatus.IN_PROGRESS):
        return redirect("diagnostics:result", pk=result.pk)
    try:
        taking.check_open(result)  # the campaign's dates, before the clock starts
        result = taking.start(result)
        taking.check_open(result)  # the time limit
    except taking.TestClosed as exc:
        messages.info(request, str(exc))
        result.refresh_from_db()
        if result.status == ResultStatus.INVITED:
            return redirect("diagnostics:my_tests")
        return redirect("diagnostics:result", pk=result.pk)
    saved = {s.item_id: s.answer for s in result.item_scores.all()}
    items = [
        (item, saved.get(item.pk, ""), saved.get(item.pk, "").split(";"))
        for item in result.campaign.instrument.items.order_by("position")
    ]
    context = {"result": result, "items": items, "deadline": taking.deadline(result), "total": len(items)}
    if result.campaign.one_per_screen and items:
        # One question per screen: ?q=N (1-based), with «назад» / «далее»; answers still save on change.
        number = min(max(QuestionFilter.of(request).values["q"] or 1, 1), len(items))
        context.update(
            items=[items[number - 1]],
            current=number,
            previous=number - 1,
            next=number + 1 if number < len(items) else None,
        )
    return render(request, "diagnostics/take_test.html", context)


@require_POST
def save_answer(request, pk):
    result = _my_result(request, pk)
    item = get_object_or_404(Item, pk=parse_id(request.POST.get("item")) or 0)
    answer = without_nul(";".join(request.POST.getlist("answer")))
    try:
        taking.save_answer(result, item, answer)
    except taking.TestClosed as exc:
        return HttpResponse(f'<span class="text-danger">{exc}</span>', status=409)
    return HttpResponse('<span class="text-success small">сохранено</span>')


@require_POST
def submit_test(request, pk):
    result = _my_result(request, pk)
    if result.status not in (ResultStatus.INVITED, ResultStatus.IN_PROGRESS):
        messages.info(request, "Тест уже отправлен; повторная отправка не принимается, результат не изменён.")
        return redirect("diagnostics:result", pk=result.pk)
    try:
        taking.check_open(result)
    except taking.TestClosed as exc:
        messages.info(request, str(exc))
        return redirect("diagnostics:result", pk=result.pk)
    result = taking.submit(result)
    messages.success(
        request,
        "Тест завершён."
        + (" Развёрнутые ответы проверит эксперт." if result.status == ResultStatus.SUBMITTED else ""),
    )
    return redirect("diagnostics:result", pk=result.pk)


@require_POST
def campaign_invite(request, pk):
    if not _can_edit(request.user):
        raise PermissionDenied
    campaign = get_object_or_404(Campaign, pk=pk)
    if "pick" in request.POST:  # the teachers picked by name (InviteForm), within the user's scope
        form = InviteForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, f"Никто не приглашён: {form.errors['people'][0]}")
            return redirect("diagnostics:campaign", pk=campaign.pk)
        lines = [person.snils for person in form.cleaned_data["people"]]
    elif "snils" in request.POST:  # a list pasted from a spreadsheet
        lines = request.POST["snils"].splitlines()[:5000]
    else:
        lines = None
    if lines is not None:
        invited, already, errors = taking.invite_list(campaign, lines, request.user)
        if errors:
            shown = "; ".join(errors[:20]) + (
                f"; и ещё ошибок: {len(errors) - 20}" if len(errors) > 20 else ""
            )
            messages.error(request, f"Никто не приглашён, исправьте список: {shown}.")
        else:
            messages.success(request, f"Приглашено участников: {invited}; уже были приглашены: {already}.")
        return redirect("diagnostics:campaign", pk=campaign.pk)
    n = taking.invite_participants(campaign)
    messages.success(request, f"Приглашено участников: {n}.")
    return redirect("diagnostics:campaign", pk=campaign.pk)


# --- expert review of open answers -----------------------------------------------------------------


def _require_reviewer(user):
    if not permissions.may_review_answers(user):
        raise PermissionDenied


def expert_queue(request):
    _require_reviewer(request.user)
    page = Paginator(taking.expert_queue(request.user).order_by("result__submitted_at", "pk"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "diagnostics/expert_queue.html", {"page": page})


def expert_score(request, pk):
    _require_reviewer(request.user)
    # Blind review: the expert sees the task, the rubric and the answer, not who wrote it.
    item_score = get_object_or_404(taking.expert_queue(request.user), pk=pk)
    error = ""
    center = permissions.may_assign_reviewers(request.user)
    if request.method == "POST" and "assign" in request.POST:
        if not center:
            raise PermissionDenied
        expert = User.objects.filter(
            pk=parse_id(request.POST["assign"]) or 0,
            is_active=True,
            roles__role=RoleCode.EXPERT,
        ).first()
        if expert is None:
            messages.error(request, "Выберите эксперта из списка.")
        else:
            taking.assign_answer(item_score, expert)
            messages.success(request, f"Ответ передан эксперту {expert.in_case('dative')}.")
        return redirect("diagnostics:expert_score", pk=pk)
    if request.method == "POST":
        try:
            taking.score_open_answer(
                item_score,
                request.POST.get("score", "").replace(",", "."),
                without_nul(request.POST.get("comment", ""))[:5000],
                request.user,
            )
        except (ValueError, InvalidOperation) as exc:
            error = (
                str(exc)
                if isinstance(exc, ValueError) and str(exc).startswith("балл")
                else "укажите балл числом"
            )
        else:
            messages.success(request, "Оценка сохранена.")
            return redirect("diagnostics:expert_queue")
    experts = ()
    if center:
        experts = (
            User.objects.filter(is_active=True, roles__role=RoleCode.EXPERT)
            .distinct()
            .order_by("last_name", "username")
        )
    return render(
        request, "diagnostics/expert_score.html", {"s": item_score, "error": error, "experts": experts}
    )


def instrument_list(request):
    _require_campaign_viewer(request.user)
    instruments = Instrument.objects.annotate(n_items=Count("items")).order_by("name", "-version")
    return render(
        request,
        "diagnostics/instrument_list.html",
        {"instruments": instruments, "can_edit": _can_edit(request.user)},
    )


def instrument_detail(request, pk):
    _require_campaign_viewer(request.user)
    instrument = get_object_or_404(Instrument, pk=pk)
    newer = Instrument.objects.filter(previous=instrument).first()
    form = (
        InstrumentSettingsForm(request.POST or None, instance=instrument)
        if _can_edit(request.user) and newer is None
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            saved = actions.edit_instrument(Instrument.objects.get(pk=pk), form.cleaned_data)
            if saved.pk != instrument.pk:
                messages.success(
                    request,
                    f"Инструмент уже использовался: создана версия {saved.version}; прежние результаты остаются на версии {instrument.version}.",
                )
            else:
                messages.success(request, "Настройки инструмента сохранены.")
            return redirect("diagnostics:instrument", pk=saved.pk)
    items = instrument.items.prefetch_related("competences").order_by("position")
    return render(
        request,
        "diagnostics/instrument_detail.html",
        {"instrument": instrument, "items": items, "form": form, "newer": newer},
    )


def item_edit(request, pk):
    if not _can_edit(request.user):
        raise PermissionDenied
    item = get_object_or_404(Item.objects.select_related("instrument"), pk=pk)
    newer = Instrument.objects.filter(previous=item.instrument_id).first()
    if newer is not None:
        messages.error(request, f"Это не последняя версия инструмента; изменяйте версию {newer.version}.")
        return redirect("diagnostics:instrument", pk=newer.pk)
    form = ItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        used = item.instrument.campaigns.exists()
        saved = actions.edit_item(Item.objects.select_related("instrument").get(pk=pk), form.cleaned_data)
        if used:
            messages.success(
                request,
                f"Инструмент уже использовался: изменение внесено в новую версию {saved.instrument.version}; "
                f"прежние результаты остаются на версии {item.instrument.version}.",
            )
        else:
            messages.success(request, f"Задание № {saved.number} сохранено.")
        return redirect("diagnostics:instrument", pk=saved.instrument_id)
    return render(request, "diagnostics/item_form.html", {"item": item, "form": form})


def campaign_create(request, pk=None):
    """A new campaign, or the settings of one (dates, scope, time limit, experts)."""
    if not _can_edit(request.user):
        raise PermissionDenied
    campaign = get_object_or_404(Campaign, pk=pk) if pk else None
    form = CampaignForm(request.POST or None, instance=campaign, user=request.user)
    if campaign is not None and campaign.results.exists():
        form.fields["instrument"].disabled = True  # results are scored with this instrument version
        form.fields["kind"].disabled = True
    if request.method == "POST" and form.is_valid():
        saved = actions.save_campaign(form.cleaned_data, campaign)
        messages.success(request, "Диагностика сохранена." if campaign else "Диагностика создана.")
        return redirect("diagnostics:campaign", pk=saved.pk)
    return render(request, "diagnostics/campaign_form.html", {"form": form, "campaign": campaign})
