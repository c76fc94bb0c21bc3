"""The proposal of mentors (docs/mentoring.md §4): the reviewer (a school coordinator — their organization; a
municipal coordinator — their municipality; the region — the region or a chosen municipality) builds it for a
date as a background task, reviews it page by page with filters by form and organization, sees «Без наставника»
with the reasons, ticks rows (all by default) and applies them — each pair created through
actions.create_mentorship in its own savepoint; the page then shows what was created and what was refused.

A proposal is kept on the reviewer's own TaskProgress (mentoring/tasks.py): another user's gives 404, and only row
numbers come back from the browser, so no row can be forged through the page; every row is checked again
(scope, cap, the mentee's pairs) when applied. Mentors may work elsewhere in the municipality: the reviewer sees
their names and the reason only (no SNILS on the page; in the download only where people.sees_sensitive allows).
"""

import datetime

from django import forms as djforms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from profrost.accounts.permissions import is_region_staff
from profrost.core.exports import file_name, xlsx_response
from profrost.core.filters import ChoiceFilter, FilterForm, IdFilter
from profrost.core.forms import BootstrapMixin, date_widget
from profrost.core.journal import journal
from profrost.core.models import JournalAction, TaskProgress
from profrost.core.paging import page_of, query_without_page
from profrost.core.scoping import scope_of
from profrost.diagnostics.models import Competence
from profrost.mentoring import proposals, tasks
from profrost.mentoring.models import Mentorship, MentorshipForm, mentee_cap
from profrost.mentoring.permissions import may_manage_mentoring
from profrost.people.models import Person, sees_sensitive
from profrost.structure.models import Municipality, Organization

MAX_PICKED = 5000
MIN_YEAR, MAX_YEAR = 2000, 2100
FORM_CHOICES = [("", "Все формы")] + [(f.value, f.label) for f in proposals.FORMS]


def _require(user):
    if not may_manage_mentoring(user):
        raise PermissionDenied


def _municipalities(user):
    scope = scope_of(user)
    if scope.everything:
        return Municipality.objects.all()
    if is_region_staff(user) and scope.region_ids:
        return Municipality.objects.filter(region_id__in=scope.region_ids)
    return Municipality.objects.visible_to(user)


class StartForm(BootstrapMixin, djforms.Form):
    day = djforms.DateField(
        label="На дату",
        widget=date_widget(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": "Неверная дата: укажите дату в формате ДД.ММ.ГГГГ."},
    )
    municipality = djforms.ModelChoiceField(
        Municipality.objects.none(),
        required=False,
        label="Муниципалитет",
        empty_label="Вся область доступа",
        error_messages={"invalid_choice": "Муниципалитет не найден в вашей области: выберите из списка."},
    )
    organization = djforms.ModelChoiceField(
        Organization.objects.none(),
        required=False,
        label="Организация",
        empty_label="Все организации",
        error_messages={"invalid_choice": "Организация не найдена в вашей области: выберите из списка."},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = datetime.date.today()
        self.fields["municipality"].queryset = _municipalities(user).order_by("name")
        self.fields["organization"].queryset = Organization.objects.visible_to(user).order_by("name")

    def clean_day(self):
        day = self.cleaned_data["day"]
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise djforms.ValidationError(f"Дата вне допустимого диапазона ({MIN_YEAR}–{MAX_YEAR} годы).")
        return day

    def clean(self):
        data = super().clean()
        municipality, organization = data.get("municipality"), data.get("organization")
        if municipality and organization and organization.municipality_id != municipality.pk:
            self.add_error("organization", "Организация не из выбранного муниципалитета.")
        return data


@require_http_methods(["GET", "POST"])
def proposals_page(request):
    """Build a proposal (POST) or see the form and the user's recent proposals."""
    _require(request.user)
    form = StartForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        municipality, organization = form.cleaned_data["municipality"], form.cleaned_data["organization"]
        progress = TaskProgress.objects.create(kind=tasks.PROPOSE, user=request.user, message="В очереди")
        tasks.run_proposal.enqueue(
            progress.pk,
            form.cleaned_data["day"].isoformat(),
            municipality.pk if municipality else None,
            organization.pk if organization else None,
        )
        return redirect("mentoring:proposal", pk=progress.pk)
    recent = TaskProgress.objects.filter(user=request.user, kind=tasks.PROPOSE).order_by("-created_at")[:10]
    return render(
        request,
        "mentoring/proposals.html",
        {"form": form, "recent": recent, "cap": mentee_cap(), "strong": proposals.strong_percent()},
    )


class ReviewFilter(FilterForm):
    view = ChoiceFilter(label="Список", choices=[("", "Предложения"), ("unmatched", "Без наставника")])
    form = ChoiceFilter(label="Форма", choices=FORM_CHOICES)
    organization = IdFilter(label="Организация")
    format = ChoiceFilter(label="Формат", choices=[("xlsx", "XLSX")])


def _progress(request, pk, kind):
    """A task of this user's (another user's: 404, as if it did not exist)."""
    return get_object_or_404(TaskProgress, pk=pk, user=request.user, kind=kind)


def _matching(rows, form, organization, org_at=3, form_at=0, also_at=None):
    """Indices of the rows of the form and the organization (the pair's, or for school — school either one)."""
    out = []
    for i, row in enumerate(rows):
        if form and row[form_at] != form:
            continue
        if organization and row[org_at] != organization and (also_at is None or row[also_at] != organization):
            continue
        out.append(i)
    return out


def _people(ids):
    return {
        p.pk: p
        for p in Person.objects.filter(pk__in={i for i in ids if i}).only(
            "last_name", "first_name", "middle_name"
        )
    }


def _orgs(ids):
    return {o.pk: o for o in Organization.objects.filter(pk__in={i for i in ids if i})}


def _row_view(i, row, people, orgs, codes, labels, visible):
    form, mentor, mentee, org, mentor_org, competences, reason = row
    return {
        "index": i,
        "form": labels.get(form, form),
        "between": form == MentorshipForm.SCHOOL_SCHOOL,
        "mentor_person": people.get(mentor),
        "mentee": people.get(mentee),
        "mentee_visible": mentee in visible,
        "organization": orgs.get(org),
        "mentor_organization": orgs.get(mentor_org),
        "competences": ", ".join(codes.get(c, "") for c in competences),
        "reason": reason,
    }


def proposal(request, pk):
    """The proposal: its progress while it runs, then its rows page by page with the ticks to apply (or the
    «Без наставника» list), filtered by form and organization; ?format=xlsx downloads it."""
    _require(request.user)
    progress = _progress(request, pk, tasks.PROPOSE)
    if progress.state != TaskProgress.State.DONE:
        template = "mentoring/proposals_task.html" if request.htmx else "mentoring/proposals_review.html"
        return render(request, template, {"progress": progress})
    if request.htmx:  # the polling saw it finish: the whole page shows the list
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    data = tasks.load(progress)
    rows, unmatched = data.get("proposals", []), data.get("unmatched", [])
    filters = ReviewFilter.of(request)
    values = filters.values
    user = request.user
    if values["format"] == "xlsx":
        picked = _matching(rows, values["form"], values["organization"], also_at=4)
        missing = _matching(unmatched, values["form"], values["organization"], org_at=2)
        journal(JournalAction.EXPORT, request=request, what="mentoring proposal", rows=len(picked))
        title = f"Предложение наставников на {datetime.date.fromisoformat(data['day']):%d.%m.%Y}"
        return xlsx_response(
            file_name(title, "xlsx"),
            proposals.sheets(
                [rows[i] for i in picked],
                [unmatched[i] for i in missing],
                shows_snils=lambda person_id: sees_sensitive(user, person_id),
            ),
        )
    org_ids = {r[3] for r in rows} | {u[2] for u in unmatched}
    org_choices = sorted(
        Organization.objects.visible_to(user).filter(pk__in={i for i in org_ids if i}),
        key=lambda o: str(o),
    )
    labels = dict(MentorshipForm.choices)
    showing_unmatched = values["view"] == "unmatched"
    if showing_unmatched:
        indices = _matching(unmatched, values["form"], values["organization"], org_at=2)
    else:
        indices = _matching(rows, values["form"], values["organization"], also_at=4)
    page = page_of(request, indices)
    context = {
        "done": True,
        "progress": progress,
        "day": datetime.date.fromisoformat(data["day"]),
        "municipality": Municipality.objects.filter(pk=data.get("municipality")).first(),
        "organization": Organization.objects.filter(pk=data.get("organization")).first(),
        "filters": filters,
        "values": values,
        "org_choices": org_choices,
        "form_choices": FORM_CHOICES,
        "page": page,
        "query": query_without_page(request),
        "matching": len(indices),
        "total": len(rows),
        "unmatched_total": len(unmatched),
        "showing_unmatched": showing_unmatched,
        "kept": sum((data.get("kept") or {}).values()),
        "cap": mentee_cap(),
    }
    if showing_unmatched:
        shown = [unmatched[i] for i in page]
        people = _people(u[1] for u in shown)
        orgs = _orgs(u[2] for u in shown)
        context["missing"] = [
            {
                "form": labels.get(u[0], u[0]),
                "person": people.get(u[1]),
                "organization": orgs.get(u[2]),
                "reason": u[3],
            }
            for u in shown
        ]
    else:
        shown = [(i, rows[i]) for i in page]
        people = _people([r[1] for _, r in shown] + [r[2] for _, r in shown])
        orgs = _orgs([r[3] for _, r in shown] + [r[4] for _, r in shown])
        visible = set(
            Person.objects.visible_to(user)
            .filter(pk__in=[r[2] for _, r in shown if r[2]])
            .values_list("pk", flat=True)
        )
        codes = dict(Competence.objects.values_list("pk", "code"))
        context["rows"] = [_row_view(i, r, people, orgs, codes, labels, visible) for i, r in shown]
    return render(request, "mentoring/proposals_review.html", context)


def _int(value, limit):
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        n = int(value)
        if n < limit:
            return n
    return None


@require_POST
def proposal_apply(request, pk):
    """Apply the ticked rows («pick»: row numbers) or all the rows of the current filter («all») as a background
    task with progress."""
    _require(request.user)
    source = _progress(request, pk, tasks.PROPOSE)
    if source.state != TaskProgress.State.DONE:
        return redirect("mentoring:proposal", pk=pk)
    rows = tasks.load(source).get("proposals", [])
    if request.POST.get("all"):
        form = request.POST.get("form", "")
        organization = _int(request.POST.get("organization", ""), 2**63)
        indices = _matching(rows, form if form in proposals.FORMS else "", organization, also_at=4)
    else:
        picked = request.POST.getlist("pick")[:MAX_PICKED]
        indices = sorted({n for n in (_int(x, len(rows)) for x in picked) if n is not None})
    if not indices:
        messages.error(request, "Отметьте предложения, которые применить, или нажмите «Применить все».")
        return redirect("mentoring:proposal", pk=pk)
    progress = TaskProgress.objects.create(kind=tasks.APPLY, user=request.user, message="В очереди")
    tasks.apply_proposal.enqueue(progress.pk, source.pk, indices)
    return redirect("mentoring:proposal_applied", pk=progress.pk)


def proposal_applied(request, pk):
    """The applying's progress, then what was created (links to the pairs) and what was refused, with why."""
    _require(request.user)
    progress = _progress(request, pk, tasks.APPLY)
    created, refused = [], []
    if progress.state == TaskProgress.State.DONE:
        result = tasks.load(progress)
        source = TaskProgress.objects.filter(pk=result.get("source"), user=request.user).first()
        rows = tasks.load(source).get("proposals", []) if source else []
        labels = dict(MentorshipForm.choices)

        def described(index):
            row = rows[index] if 0 <= index < len(rows) else [None] * 7
            return row

        made = [(described(i), pk) for i, pk in result.get("created", [])[:500]]
        failed = [(described(i), message) for i, message in result.get("refused", [])[:500]]
        every = [r for r, _ in made] + [r for r, _ in failed]
        people = _people([r[1] for r in every] + [r[2] for r in every])
        orgs = _orgs([r[3] for r in every] + [r[4] for r in every])
        pairs = set(
            Mentorship.objects.visible_to(request.user)
            .filter(pk__in=[pk for _, pk in made])
            .values_list("pk", flat=True)
        )

        def view(row):
            return {
                "form": labels.get(row[0], row[0] or "—"),
                "mentor_person": people.get(row[1]),
                "mentee": people.get(row[2]),
                "organization": orgs.get(row[3]),
                "mentor_organization": orgs.get(row[4]),
            }

        created = [{**view(r), "pk": pk, "visible": pk in pairs} for r, pk in made]
        refused = [{**view(r), "message": message} for r, message in failed]
    template = "mentoring/proposals_apply_task.html" if request.htmx else "mentoring/proposals_applied.html"
    return render(request, template, {"progress": progress, "created": created, "refused": refused})


urlpatterns = [
    path("proposals/", proposals_page, name="proposals"),
    path("proposals/<int:pk>/", proposal, name="proposal"),
    path("proposals/<int:pk>/apply/", proposal_apply, name="proposal_apply"),
    path("proposals/applied/<int:pk>/", proposal_applied, name="proposal_applied"),
]
