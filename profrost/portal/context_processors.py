from profrost.accounts import permissions
from profrost.accounts.roles import RoleCode
from profrost.core import rules
from profrost.core.models import Notification
from profrost.core.scoping import scope_of
from profrost.mentoring import permissions as mentoring_permissions
from profrost.mentoring.workspace import is_mentee
from profrost.monitoring.permissions import may_view_monitoring
from profrost.support import permissions as support_permissions


def navigation(request):
    """Navigation entries by the same predicates the pages check (profrost.accounts.permissions), and `can`
    (profrost.core.rules.Can) for the templates: `{% if can.manage_campaigns %}`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "can": rules.Can(None)}
    registry, diagnostics, admin = [], [], []
    if permissions.may_view_registry(user):
        registry += [("structure:tree", "Организации"), ("people:list", "Педагоги")]
    if permissions.may_import_anything(user):
        registry.append(("core:import_list", "Загрузка данных"))
    if permissions.may_view_campaigns(user):
        diagnostics.append(("diagnostics:campaigns", "Диагностики"))
    if permissions.may_use_competence_catalog(user):
        diagnostics.append(("diagnostics:competences", "Компетенции"))
    if permissions.may_review_answers(user):
        diagnostics.append(("diagnostics:expert_queue", "Проверка ответов"))
    if permissions.may_take_tests(user):
        diagnostics.append(("diagnostics:my_tests", "Мои тесты"))
    if permissions.may_manage_users(user):
        admin.append(("accounts:user_list", "Пользователи"))
    if permissions.may_view_journal(user):
        admin.append(("journal", "Журнал"))
    # The asset's register sits with the registry (no new item on a coordinator's bar); an asset member has
    # their teachers.
    if support_permissions.may_view_asset(user):
        registry.append(("support:register", "Методический актив"))
    support = []
    if support_permissions.is_asset_member(user):
        support.append(("support:my_teachers", "Мои педагоги"))
    if support_permissions.may_record_support(user):
        support.append(("support:my_activities", "Посещения и консультации"))
    if support_permissions.is_asset_member(user):
        support.append(("support:my_report", "Мой отчёт"))
    # A teacher's own visits and consultations (docs/support.md §8), in the same menu.
    if RoleCode.TEACHER in scope_of(user).roles and user.person_id:
        support.append(("support:my_support", "Мои посещения и консультации"))
    # Mentoring (docs/mentoring.md §6): the pairs, the programs and the registers of mentors and young specialists
    # for those who manage it; the mentor's workspace; a mentee's «Мой наставник».
    mentoring = []
    if mentoring_permissions.may_manage_mentoring(user):
        mentoring += [
            ("mentoring:mentorships", "Пары и группы"),
            ("mentoring:programs", "Программы наставничества"),
            ("mentoring:mentors", "База наставников"),
            ("mentoring:young", "Молодые специалисты"),
            ("mentoring:proposals", "Подбор наставников"),
        ]
    if mentoring_permissions.is_mentor(user):
        mentoring.append(("mentoring:workspace", "Мои наставляемые"))
    if is_mentee(user):
        mentoring.append(("mentoring:my_mentor", "Мой наставник"))
    # The monitoring (docs/monitoring.md §6): the indicators for the region's staff and the coordinators.
    monitoring = (
        [
            ("monitoring:dashboard", "Показатели"),
            ("monitoring:rating", "Рейтинг муниципалитетов"),
            ("monitoring:recommendations", "Адресные рекомендации"),
            ("monitoring:snapshots", "Опубликованные срезы"),
            ("monitoring:report", "Отчёт мониторинга"),
            ("monitoring:sets", "Наборы показателей"),
        ]
        if may_view_monitoring(user)
        else []
    )
    # The bar: links and menus ({"label", "url"} or {"label", "entries": [(url name, label)]}); a menu of one
    # entry is that entry, so that the bar fits a 1366 px screen whatever the roles.
    items = []
    if permissions.may_take_tests(user):
        items.append({"url": "people:me", "label": "Моя карточка"})
    for label, entries in (
        ("Реестр", registry),
        ("Диагностика", diagnostics),
        ("Ресурсы", [("resources:programs", "Ресурсы")]),
        ("Маршруты", [("routes:list", "Маршруты")]),
        ("Сопровождение", support),
        ("Наставничество", mentoring),
        ("Мониторинг", monitoring),
        ("Администрирование", admin),
    ):
        if len(entries) == 1:
            items.append({"url": entries[0][0], "label": entries[0][1]})
        elif entries:
            items.append({"label": label, "entries": entries})
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {
        "nav_items": items,
        "can": rules.Can(user),
        "user_roles": sorted(scope_of(user).roles),
        "unread_notifications": unread,
    }
