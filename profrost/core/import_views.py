"""Import pages: upload, preview with row errors, commit, progress, result, template, skipped rows."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profrost.accounts import permissions
from profrost.core import actions, tasks
from profrost.core.exports import xlsx_response
from profrost.core.filters import FilterForm, IdFilter, TextFilter
from profrost.core.imports import FileRejected, get_importer
from profrost.core.journal import journal
from profrost.core.models import ImportJob, JournalAction


class ImportOptions(FilterForm):
    """The kind-specific parameters of an upload, given in the query string (a link from the campaign or the
    cohort) or posted with the file."""

    name = TextFilter(label="Название инструмента", max_length=300)
    cohort = IdFilter(label="Группа")
    campaign = IdFilter(label="Диагностика")


def _options(request, kind):
    """Kind-specific parameters: the campaign that results are loaded into, the name of an instrument, the
    cohort whose training results are loaded."""
    form = ImportOptions(
        {key: request.POST.get(key) or request.GET.get(key) for key in ImportOptions.base_fields}
    )
    form.notify(request)
    params = form.values
    if kind == "instrument":
        return ({"name": params["name"]} if params["name"] else {}), None
    if kind == "cohort_results":
        from profrost.resources.models import Cohort

        cohorts = Cohort.objects.select_related("program").order_by("-start", "pk")
        cohort = cohorts.filter(pk=params["cohort"]).first() if params["cohort"] else None
        return ({"cohort": cohort.pk} if cohort else {}), cohorts
    if kind != "results":
        return {}, None
    from profrost.diagnostics.models import Campaign

    campaigns = Campaign.objects.select_related("instrument").order_by("-created_at")
    campaign = campaigns.filter(pk=params["campaign"]).first() if params["campaign"] else None
    return ({"campaign": campaign.pk} if campaign else {}), campaigns


def _allowed_kinds(user):
    return permissions.importable_kinds(user)


def _check_kind(user, kind):
    if kind not in permissions.IMPORT_KINDS:
        from django.http import Http404

        raise Http404
    if not permissions.may_import(user, kind):
        raise PermissionDenied


def _my_job(request, pk):
    # An import job is its own user's only.
    return get_object_or_404(ImportJob.objects.select_related("progress"), pk=pk, user=request.user)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Файл XLSX или CSV",
        error_messages={"required": "Выберите файл", "empty": "Файл пуст"},
    )


def import_list(request):
    kinds = _allowed_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    jobs = ImportJob.objects.filter(user=request.user).select_related("progress")[:50]
    titles = {kind: get_importer(kind).title for kind in kinds}
    return render(request, "core/import_list.html", {"jobs": jobs, "kinds": titles.items()})


def import_upload(request, kind):
    _check_kind(request.user, kind)
    options, campaigns = _options(request, kind)  # campaigns, or cohorts for cohort_results
    if kind == "results" and not options:
        # First choose the campaign; its instrument decides the item columns.
        return render(request, "core/import_choose_campaign.html", {"campaigns": campaigns, "kind": kind})
    if kind == "instrument" and not options:
        return render(request, "core/import_instrument_name.html", {"kind": kind})
    if kind == "cohort_results" and not options:
        # Results are loaded into one cohort: the link on the cohort's page carries it (?cohort=<id>).
        messages.info(
            request,
            "Результаты обучения загружаются в одну учебную группу: откройте страницу группы и загрузите "
            "файл оттуда (список группы для заполнения выгружается там же).",
        )
        return redirect("core:import_list")
    importer = get_importer(kind)(user=request.user, **options)
    # The campaign or cohort the file goes into, by name (the link from its page carries only the id).
    target = None
    if options.get("campaign"):
        target = ("Диагностика", campaigns.get(pk=options["campaign"]))
    elif options.get("cohort"):
        target = ("Учебная группа", campaigns.get(pk=options["cohort"]))
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = actions.store_upload(request.user, kind, form.cleaned_data["file"], options=options)
        except FileRejected as exc:
            form.add_error("file", str(exc))
        else:
            if actions.runs_in_background(job):
                tasks.validate_import.enqueue(job.pk)
            else:
                actions.validate_job(job.pk)
            return redirect("core:import_job", pk=job.pk)
    return render(
        request,
        "core/import_upload.html",
        {
            "form": form,
            "kind": kind,
            "importer": importer,
            "options": options,
            "campaign": options.get("campaign"),
            "target": target,
        },
    )


def import_template(request, kind):
    _check_kind(request.user, kind)
    options, _ = _options(request, kind)
    if kind == "results" and not options:
        from django.http import Http404

        raise Http404
    if kind == "instrument":
        options = {"name": options.get("name", "")}
    importer = get_importer(kind)(user=request.user, **options)
    sheets = [("Данные", importer.headers, [importer.example])]
    for title, values in importer.reference_sheets:
        sheets.append((f"Справочник {title}"[:31], [title], [[v] for v in values]))
    return xlsx_response(f"шаблон-{kind}.xlsx", sheets)


def import_job(request, pk):
    job = _my_job(request, pk)
    template = "core/_import_status.html" if request.htmx else "core/import_job.html"
    return render(request, template, {"job": job, "title": get_importer(job.kind).title})


@require_POST
def import_commit(request, pk):
    job = _my_job(request, pk)
    if job.state != ImportJob.State.VALIDATED:
        messages.error(request, "Этот файл уже обработан или ещё проверяется.")
        return redirect("core:import_job", pk=job.pk)
    skip_invalid = request.POST.get("skip_invalid") == "1"
    if job.counts.get("error_rows") and not skip_invalid:
        messages.error(
            request, "В файле есть ошибки: исправьте их или отметьте «загрузить только корректные строки»."
        )
        return redirect("core:import_job", pk=job.pk)
    # Only one commit of a job: the state moves from «validated» to «importing» in one conditional UPDATE,
    # and only the request that moved it goes on (a double submit, or two tabs, finds it already moved).
    won = ImportJob.objects.filter(pk=job.pk, user=request.user, state=ImportJob.State.VALIDATED).update(
        state=ImportJob.State.IMPORTING
    )
    if not won:
        messages.warning(request, "Этот файл уже загружается или загружен: повторная загрузка не выполнена.")
        return redirect("core:import_job", pk=job.pk)
    job.state = ImportJob.State.IMPORTING
    if actions.runs_in_background(job):
        tasks.commit_import.enqueue(job.pk, skip_invalid=skip_invalid)
    else:
        actions.commit_job(job.pk, skip_invalid=skip_invalid)
    return redirect("core:import_job", pk=job.pk)


@require_POST
def import_cancel(request, pk):
    job = _my_job(request, pk)
    if job.state == ImportJob.State.VALIDATED:
        actions.cancel_job(job)
        messages.info(request, "Загрузка отменена, файл удалён.")
    return redirect("core:import_list")


def import_skipped(request, pk):
    job = _my_job(request, pk)
    headers = get_importer(job.kind)(user=request.user, **job.options).headers
    rows = [[row] + [raw.get(h) for h in headers] + [msg] for row, raw, msg in job.skipped]
    journal(JournalAction.EXPORT, request=request, obj=job, what="skipped_rows", rows=len(rows))
    return xlsx_response(
        f"пропущенные-строки-{job.pk}.xlsx", [("Пропущенные строки", ["Строка", *headers, "Ошибка"], rows)]
    )
