import secrets
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from profrost.accounts import actions, oidc, permissions, tasks
from profrost.accounts.forms import PasswordResetForm, RoleForm, UserCreateForm
from profrost.accounts.models import LoginSheet, Role, RoleCode, User
from profrost.core import notifications
from profrost.core.exports import xlsx_response
from profrost.core.filters import ChoiceFilter, FilterForm, TextFilter, parse_id
from profrost.core.history import history
from profrost.core.http import next_url
from profrost.core.journal import journal
from profrost.core.models import JournalAction, TaskProgress
from profrost.people.forms import PeopleFilterForm
from profrost.people.queries import filtered_people


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "oidc": oidc.enabled(),
            "oidc_name": settings.OIDC_PROVIDER_NAME,
        }


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        form.save()
        User.objects.filter(pk=form.user.pk).update(must_change_password=False)
        # A password change ends every other session and starts a new one here (docs/security.md §8).
        self.request.session.cycle_key()
        update_session_auth_hash(self.request, form.user)
        journal(JournalAction.PASSWORD_CHANGE, request=self.request)
        messages.success(self.request, "Пароль изменён.")
        return redirect(self.get_success_url())


def _require_manager(request):
    if not actions.can_manage_users(request.user):
        raise PermissionDenied


class UserFilter(FilterForm):
    q = TextFilter(label="Поиск", max_length=150)
    role = ChoiceFilter(label="Роль", choices=RoleCode.choices)
    active = ChoiceFilter(label="Активность", choices=[("1", "активные"), ("0", "отключённые")])


def _users(request, params=None):
    params = params if params is not None else UserFilter.of(request).values
    users = User.objects.visible_to(request.user)
    q = params["q"]
    if q:
        users = users.filter(Q(username__icontains=q) | Q(last_name__istartswith=q))
    if params["role"]:
        users = users.filter(roles__role=params["role"], roles__is_active=True).distinct()
    if params["active"]:
        users = users.filter(is_active=params["active"] == "1")
    return users.order_by("username")


def user_list(request):
    _require_manager(request)
    filters = UserFilter.of(request).values
    page = Paginator(
        _users(request, filters).prefetch_related(
            "roles__municipality", "roles__organization", "roles__region"
        ),
        50,
    ).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "roles": RoleCode.choices,
            "query": params.urlencode(),
            "q": filters["q"],
            "role": filters["role"],
            "active": filters["active"],
        },
    )


def user_export(request):
    _require_manager(request)
    users = _users(request).prefetch_related("roles__municipality", "roles__organization", "roles__region")
    rows = [
        [
            u.username,
            u.full_name(),
            u.email,
            "да" if u.is_active else "нет",
            "; ".join(str(r) for r in u.roles.all()),
        ]
        for u in users
    ]
    journal(JournalAction.EXPORT, request=request, what="users", rows=len(rows))
    return xlsx_response(
        "пользователи.xlsx",
        [("Пользователи", ["Логин", "ФИО", "Электронная почта", "Активен", "Роли"], rows)],
    )


def user_create(request):
    _require_manager(request)
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = data["password"] or secrets.token_urlsafe(12)
        try:
            user = actions.create_user(
                request.user,
                username=data["username"],
                password=password,
                last_name=data["last_name"],
                first_name=data["first_name"],
                middle_name=data["middle_name"],
                email=data["email"],
                person=data["person"],
                role=data["role"],
                unit=data["unit"],
                request=request,
            )
        except actions.RoleRefused as exc:
            form.add_error("role", str(exc))
        else:
            if not data["password"]:
                messages.success(
                    request, f"Учётная запись создана. Пароль (показывается один раз): {password}"
                )
            else:
                messages.success(request, "Учётная запись создана.")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


def _user_for(request, pk):
    _require_manager(request)
    return get_object_or_404(User.objects.visible_to(request.user).select_related("person"), pk=pk)


def user_detail(request, pk):
    account = _user_for(request, pk)
    roles = list(account.roles.select_related("region", "municipality", "organization", "created_by"))
    form = RoleForm(actor=request.user)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "roles": roles,
            "form": form,
            "can_manage": actions.can_manage(request.user, account),
            "history": history(account, *roles),
        },
    )


@require_POST
def role_add(request, pk):
    account = _user_for(request, pk)
    form = RoleForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            actions.grant_role(
                request.user, account, form.cleaned_data["role"], form.cleaned_data["unit"], request=request
            )
        except actions.RoleRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Роль назначена.")
    else:
        messages.error(
            request, "Роль не назначена: " + "; ".join(e for errs in form.errors.values() for e in errs)
        )
    return redirect("accounts:user_detail", pk=account.pk)


@require_POST
def role_remove(request, pk):
    role = get_object_or_404(Role.objects.filter(user__in=User.objects.visible_to(request.user)), pk=pk)
    _require_manager(request)
    try:
        actions.revoke_role(request.user, role, request=request)
    except actions.RoleRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Роль снята.")
    return redirect("accounts:user_detail", pk=role.user_id)


@require_POST
def user_set_active(request, pk):
    account = _user_for(request, pk)
    active = request.POST.get("active") == "1"
    try:
        actions.set_active(request.user, account, active, request=request)
    except actions.RoleRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Учётная запись включена." if active else "Учётная запись отключена.")
    return redirect("accounts:user_detail", pk=account.pk)


# --- sign-ins for the staff (bulk), invitations, forgotten passwords ---------------------------------------------

LOGINS_MAX = 5000  # people in one batch; a larger region creates its sign-ins municipality by municipality


@require_POST
def logins_create(request):
    """Sign-ins for the marked people of the people list, or for everyone its filter shows; runs as a task."""
    if not permissions.may_create_logins(request.user):
        raise PermissionDenied
    if request.POST.get("all") == "1":
        form = PeopleFilterForm(QueryDict(request.POST.get("query", "")[:2000]), user=request.user)
        person_ids = list(filtered_people(request, form).values_list("pk", flat=True)[: LOGINS_MAX + 1])
    else:
        person_ids = sorted(
            {pk for pk in map(parse_id, request.POST.getlist("person")[: LOGINS_MAX + 1]) if pk}
        )
    back = reverse("people:list") + (f"?{request.POST['query'][:2000]}" if request.POST.get("query") else "")
    if not person_ids:
        messages.error(request, "Отметьте педагогов в списке (или выберите «всем по фильтру»).")
        return redirect(back)
    if len(person_ids) > LOGINS_MAX:
        messages.error(
            request,
            f"За один раз — не больше {LOGINS_MAX} человек: сузьте фильтр (например, по муниципалитету).",
        )
        return redirect(back)
    invite = request.POST.get("method") == "invite"
    progress = TaskProgress.objects.create(kind="logins", user=request.user, message="В очереди")
    sheet = LoginSheet.objects.create(created_by=request.user, invite=invite, progress=progress)
    tasks.create_logins.enqueue(
        sheet.pk, request.user.pk, person_ids, invite, request.build_absolute_uri("/")
    )
    return redirect("accounts:login_sheet", pk=sheet.pk)


def _sheet_for(request, pk):
    LoginSheet.purge_expired()
    return get_object_or_404(LoginSheet.objects.select_related("progress"), pk=pk, created_by=request.user)


def login_sheet(request, pk):
    """The sheet to print and hand out (its creator only), with the progress while the batch runs."""
    sheet = _sheet_for(request, pk)
    context = {
        "sheet": sheet,
        "progress": sheet.progress,
        "expires": sheet.created_at + LoginSheet.SHEET_LIFETIME,
    }
    if request.htmx:
        return render(request, "accounts/_login_sheet_status.html", context)
    return render(request, "accounts/login_sheet.html", context)


SHEET_HEADERS = ["ФИО", "Организация", "Логин", "Одноразовый пароль", "Ссылка-приглашение", "Примечание"]


def login_sheet_xlsx(request, pk):
    sheet = _sheet_for(request, pk)
    rows = [
        [r["name"], r["organization"], r["username"], r["password"], r["link"], r["note"]] for r in sheet.rows
    ]
    journal(JournalAction.EXPORT, request=request, what="login_sheet", rows=len(rows))
    return xlsx_response("учётные записи.xlsx", [("Учётные записи", SHEET_HEADERS, rows)])


@require_POST
def login_sheet_delete(request, pk):
    _sheet_for(request, pk).delete()
    messages.success(request, "Лист с паролями удалён.")
    return redirect("people:list")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """«Забыли пароль?»: a link by email to the address of the login (the same answer whether or not the
    address is known, so the page tells nobody who has an account)."""

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "email_on": notifications.email_on()}


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class SetPasswordView(auth_views.PasswordResetConfirmView):
    """A new password through a link: the reset link of «Забыли пароль?» and the invitation of a new login.
    An expired or used link says so and offers a new one."""

    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        User.objects.filter(pk=form.user.pk).update(must_change_password=False)
        journal(JournalAction.PASSWORD_CHANGE, request=self.request, user=form.user, via="link")
        messages.success(self.request, "Пароль задан. Войдите с новым паролем.")
        return response


def two_factor(request):
    """The second step of the sign-in for the roles that need it: a code from the authenticator app — or, the
    first time, setting the app up with a QR code."""
    if not permissions.needs_two_factor(request.user):
        return redirect("home")
    device = actions.totp_device(request.user)
    error = ""
    if request.method == "POST":
        verdict = actions.verify_second_factor(request, device, request.POST.get("code", ""))
        if verdict is True:
            return redirect(next_url(request, "home"))
        if verdict == "locked":
            logout(request)
            return render(request, "accounts/locked.html", status=403)
        error = "Неверный код. Введите шесть цифр, которые приложение показывает сейчас."
    qr = ""
    if not device.confirmed:
        qr = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).to_string(
            encoding="unicode"
        )
    return render(
        request,
        "accounts/two_factor.html",
        {
            "setup": not device.confirmed,
            "qr": mark_safe(qr),  # noqa: S308 — an SVG the qrcode library drew from our own URL
            "secret": b32encode(device.bin_key).decode() if not device.confirmed else "",
            "error": error,
            "next": request.GET.get("next") or request.POST.get("next") or "",
        },
    )
