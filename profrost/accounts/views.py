import secrets

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from profrost.accounts import actions
from profrost.accounts.forms import RoleForm, UserCreateForm
from profrost.accounts.models import Role, RoleCode, User
from profrost.core.exports import xlsx_response
from profrost.core.filters import ChoiceFilter, FilterForm, TextFilter
from profrost.core.history import history
from profrost.core.journal import journal
from profrost.core.models import JournalAction


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        form.save()
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
        "пользователи.xlsx", [("Пользователи", ["Логин", "ФИО", "Email", "Активен", "Роли"], rows)]
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
                person=data["person_snils"],
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
