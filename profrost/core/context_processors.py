from profrost.core.scoping import scope_of


def navigation(request):
    """Navigation entries by the user's roles."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    scope = scope_of(user)
    roles = scope.roles
    items = []
    staff_roles = {"region_admin", "center_staff", "municipal_coordinator", "school_coordinator"}
    if roles & staff_roles or scope.everything:
        items.append(("structure:tree", "Организации"))
        items.append(("people:list", "Педагоги"))
        items.append(("core:import_list", "Загрузка данных"))
    if (
        roles
        & {"region_admin", "center_staff", "municipal_coordinator", "school_coordinator", "methodologist"}
        or user.is_superuser
    ):
        items.append(("diagnostics:campaigns", "Диагностики"))
    items.append(("resources:programs", "Ресурсы"))
    items.append(("routes:list", "Маршруты"))
    if roles & {"region_admin", "center_staff", "methodologist", "expert"} or user.is_superuser:
        items.append(("diagnostics:competences", "Компетенции"))
    if roles & {"region_admin", "center_staff", "expert"} or user.is_superuser:
        items.append(("diagnostics:expert_queue", "Проверка ответов"))
    if roles & {"region_admin", "center_staff", "municipal_coordinator"} or user.is_superuser:
        items.append(("accounts:user_list", "Пользователи"))
    if "region_admin" in roles or user.is_superuser:
        items.append(("journal", "Журнал"))
    if user.person_id:
        items.append(("diagnostics:my_tests", "Мои тесты"))
        items.append(("people:me", "Моя карточка"))
    from profrost.routes.models import Notification

    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"nav_items": items, "user_roles": sorted(roles), "unread_notifications": unread}
