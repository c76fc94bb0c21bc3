from django.contrib.auth import views as auth_views
from django.urls import path

from profrost.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("users/", views.user_list, name="user_list"),
    path("users/export.xlsx", views.user_export, name="user_export"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", views.role_add, name="role_add"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("roles/<int:pk>/remove/", views.role_remove, name="role_remove"),
]
