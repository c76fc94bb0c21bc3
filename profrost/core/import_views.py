"""Import pages: upload, preview with row errors, commit, progress, result, template, skipped rows.

Which kinds a user may load, and what each kind needs besides the file, come from the importers' declarations
(`permission`, `options`: profrost.core.imports): no kind is special-cased here.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profrost.core import actions, tasks
from profrost.core.exports import file_name, xlsx_response
from profrost.core.filters import FilterForm, IdFilter, TextFilter
from profrost.core.imports import IMPORTERS, FileRejected, get_importer, importable_kinds, may_import
from profrost.core.journal import journal
from profrost.core.models import ImportJob, JournalAction


def _options(request, importer):
    """The importer's declared options, given in the query string (a link from the campaign or the cohort) or
    posted with the file: ({name: value} for those given and valid, {name: (option, object or value, choices)}).
    An id must name one of the option's choices."""
    fields = {
        o.name: IdFilter(label=o.label) if o.choices else TextFilter(label=o.label, max_length=300)
        for o in importer.options
    }
    data = {name: request.POST.get(name) or request.GET.get(name) for name in fields}
    form = type("ImportOptions", (FilterForm,), fields)(data)  # (the form's metaclass takes the fields away)
    form.notify(request)
    values, given = {}, {}
    for option in importer.options:
        value = form.values[option.name]
        choices = option.choices() if option.choices else None
        if choices is not None:
            found = choices.filter(pk=value).first() if value else None
            if found is not None:
                values[option.name] = found.pk
            given[option.name] = (option, found, choices)
        else:
            if value:
                values[option.name] = value
            given[option.name] = (option, value, None)
    return values, given


def _check_kind(user, kind):
    if kind not in IMPORTERS:
        raise Http404
    if not may_import(user, kind):
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
    kinds = importable_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    jobs = list(ImportJob.objects.filter(user=request.user).select_related("progress")[:50])
    titles = {kind: get_importer(kind).title for kind in kinds}
    for job in jobs:  # the kind by its importer's Russian title, never its code («staff»)
        job.kind_title = titles.get(job.kind) or getattr(IMPORTERS.get(job.kind), "title", job.kind)
    return render(request, "core/import_list.html", {"jobs": jobs, "kinds": titles.items()})


def import_upload(request, kind):
    _check_kind(request.user, kind)
    importer_class = get_importer(kind)
    options, given = _options(request, importer_class)
    for option, _, choices in given.values():
        if option.name in options:
            continue
        if option.ask:  # first the campaign (its instrument decides the item columns), the name, …
            return render(request, option.ask, {"kind": kind, "option": option, "choices": choices})
        messages.info(request, option.missing)
        return redirect("core:import_list")
    importer = importer_class(user=request.user, **options)
    # What the file goes into, by name (the link from its page carries only the id).
    targets = [(option.label, value) for option, value, _ in given.values()]
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
            "options_query": urlencode(options),
            "targets": targets,
        },
    )


def import_template(request, kind):
    _check_kind(request.user, kind)
    options, _ = _options(request, get_importer(kind))
    try:
        importer = get_importer(kind)(user=request.user, **options)
    except FileRejected as exc:  # e.g. no campaign: the item columns are unknown
        raise Http404 from exc
    sheets = [("Данные", importer.headers, [importer.example])]
    for title, values in importer.reference_sheets:
        sheets.append((f"Справочник {title}"[:31], [title], [[v] for v in values]))
    title = importer.title[:1].lower() + importer.title[1:]  # «Программы ДПП» → «программы ДПП»
    return xlsx_response(file_name(f"Шаблон — {title}", "xlsx"), sheets)


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
