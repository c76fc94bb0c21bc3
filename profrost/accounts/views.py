from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator

from profrost.accounts.models import User
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
        response = super().form_valid(form)
        journal(JournalAction.PASSWORD_CHANGE, request=self.request)
        messages.success(self.request, "Пароль изменён.")
        return response


def user_list(request):
    users = User.objects.visible_to(request.user).prefetch_related("roles")[:200]
    return render(request, "accounts/user_list.html", {"users": users})
