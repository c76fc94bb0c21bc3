from django.contrib.auth import views as auth_views
from django.urls import path

from profrost.accounts import oidc, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/forgot/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/forgot/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/set/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="invitation"),
    path("2fa/", views.two_factor, name="two_factor"),
    path("oidc/start/", oidc.Start.as_view(), name="oidc_start"),
    path("oidc/callback/", oidc.Callback.as_view(), name="oidc_callback"),
    path("logins/", views.logins_create, name="logins_create"),
    path("logins/<int:pk>/", views.login_sheet, name="login_sheet"),
    path("logins/<int:pk>/sheet.xlsx", views.login_sheet_xlsx, name="login_sheet_xlsx"),
    path("logins/<int:pk>/delete/", views.login_sheet_delete, name="login_sheet_delete"),
    path("users/", views.user_list, name="user_list"),
    path("users/export.xlsx", views.user_export, name="user_export"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", views.role_add, name="role_add"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("roles/<int:pk>/remove/", views.role_remove, name="role_remove"),
]
