from profrost.accounts import permissions
from profrost.core.scoping import scope_of


def navigation(request):
    """Navigation entries by the same predicates the pages check (profrost.accounts.permissions), and `can`
    for the templates: `{% if can.manage_campaigns %}`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "can": permissions.Can(None)}
    items = []
    if permissions.may_view_registry(user):
        items.append(("structure:tree", "Организации"))
        items.append(("people:list", "Педагоги"))
    if permissions.may_import_anything(user):
        items.append(("core:import_list", "Загрузка данных"))
    if permissions.may_view_campaigns(user):
        items.append(("diagnostics:campaigns", "Диагностики"))
    items.append(("resources:programs", "Ресурсы"))
    items.append(("routes:list", "Маршруты"))
    if permissions.may_use_competence_catalog(user):
        items.append(("diagnostics:competences", "Компетенции"))
    if permissions.may_review_answers(user):
        items.append(("diagnostics:expert_queue", "Проверка ответов"))
    if permissions.may_manage_users(user):
        items.append(("accounts:user_list", "Пользователи"))
    if permissions.may_view_journal(user):
        items.append(("journal", "Журнал"))
    if permissions.may_take_tests(user):
        items.append(("diagnostics:my_tests", "Мои тесты"))
        items.append(("people:me", "Моя карточка"))
    from profrost.routes.models import Notification

    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {
        "nav_items": items,
        "can": permissions.Can(user),
        "user_roles": sorted(scope_of(user).roles),
        "unread_notifications": unread,
    }
