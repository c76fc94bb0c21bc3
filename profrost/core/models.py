"""The security journal (append-only) and the background-task progress every long job reports."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

from profrost.core.imports import IMPORTERS


class JournalAction(models.TextChoices):
    LOGIN = "login", "Вход"
    LOGIN_FAILED = "login_failed", "Неудачный вход"
    LOCKOUT = "lockout", "Блокировка входа"
    LOGOUT = "logout", "Выход"
    PASSWORD_CHANGE = "password_change", "Смена пароля"
    ACCESS_DENIED = "access_denied", "Отказ в доступе"
    VIEW_PERSON = "view_person", "Просмотр карточки педагога"
    EXPORT = "export", "Выгрузка"
    IMPORT = "import", "Загрузка"
    CREATE = "create", "Создание"
    UPDATE = "update", "Изменение"
    DELETE = "delete", "Удаление"
    ROLE_CHANGE = "role_change", "Изменение ролей"


# How an action ended, as the journal page says it (the stored codes are English and stay so).
JOURNAL_RESULTS = {
    "success": "успешно",
    "failure": "неудача",
    "failed": "неудача",
    "denied": "отказано",
    "locked": "заблокировано",
    "preview": "проверка без записи",
}


class JournalEntry(models.Model):
    """Who did what to personal data, from where, with what result (docs/security.md §16–§17).

    Append-only: a trigger refuses UPDATE and DELETE. The user is kept as id + name, not a foreign
    key, so that deleting a user never needs to touch the journal.
    """

    at = models.DateTimeField("время (UTC)", default=timezone.now, db_index=True)
    user_id = models.BigIntegerField("id пользователя", null=True, blank=True, db_index=True)
    username = models.CharField("пользователь", max_length=150, blank=True)
    roles = models.CharField("роли", max_length=300, blank=True)
    ip = models.GenericIPAddressField("IP-адрес", null=True, blank=True)
    action = models.CharField("действие", max_length=32, choices=JournalAction.choices)
    object_type = models.CharField("объект", max_length=100, blank=True)
    object_id = models.CharField("id объекта", max_length=64, blank=True)
    object_repr = models.CharField("описание объекта", max_length=300, blank=True)
    result = models.CharField("результат", max_length=32, default="success")
    details = models.JSONField("подробности", default=dict, blank=True)

    class Meta:
        verbose_name = "запись журнала"
        verbose_name_plural = "журнал безопасности"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"], name="journal_object")]
        triggers = [
            pgtrigger.Protect(name="journal_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        return f"{self.at:%d.%m.%Y %H:%M} {self.username} {self.get_action_display()}"

    def get_result_display(self):
        return JOURNAL_RESULTS.get(self.result, self.result)


class TaskProgress(models.Model):
    """Progress of a background job, polled by the page (htmx) so the user can leave and come back."""

    class State(models.TextChoices):
        QUEUED = "queued", "В очереди"
        RUNNING = "running", "Выполняется"
        DONE = "done", "Завершено"
        FAILED = "failed", "Ошибка"

    kind = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A file the job made for its user to download (core.downloads), named as the user will see it.
    file = models.FileField(upload_to="downloads/%Y/%m/", blank=True)
    filename = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind}: {self.get_state_display()} {self.done}/{self.total}"

    @property
    def percent(self):
        if not self.total:
            return 100 if self.state == self.State.DONE else 0
        return min(100, round(self.done * 100 / self.total))

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)


class ImportJob(models.Model):
    """One uploaded file going through the import pipeline (preview, then commit)."""

    class State(models.TextChoices):
        VALIDATING = "validating", "Проверяется"
        VALIDATED = "validated", "Проверен, ждёт подтверждения"
        IMPORTING = "importing", "Загружается"
        DONE = "done", "Загружен"
        REJECTED = "rejected", "Отклонён"
        CANCELLED = "cancelled", "Отменён"
        FAILED = "failed", "Ошибка"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField("вид", max_length=32)
    original_name = models.CharField("файл", max_length=255)
    stored_name = models.CharField(max_length=64, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField("состояние", max_length=16, choices=State.choices, default=State.VALIDATING)
    skip_invalid = models.BooleanField("только корректные строки", default=False)
    options = models.JSONField("параметры загрузки", default=dict, blank=True)  # e.g. {"campaign": 3}
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)  # «строка N, «Поле»: сообщение», first 1000
    skipped = models.JSONField(default=list, blank=True)  # [[row, {header: value}, message]]
    progress = models.OneToOneField(
        TaskProgress, on_delete=models.SET_NULL, null=True, related_name="import_job"
    )
    created_at = models.DateTimeField("создан", auto_now_add=True)
    finished_at = models.DateTimeField("завершён", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        """«Педагоги: штат.xlsx» — the kind by its importer's title, never its code («staff»): the journal
        shows it."""
        importer = IMPORTERS.get(self.kind)
        return f"{importer.title if importer else 'Загрузка'}: {self.original_name}"

    @property
    def finished(self):
        return self.state not in (self.State.VALIDATING, self.State.IMPORTING)


class Notification(models.Model):
    """An in-system notification (the bell), for any app's events: approvals, returns, deadlines.
    Written by profrost.core.notifications.notify."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField("текст", max_length=500)
    url = models.CharField("ссылка", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="core_notification_unread")]

    def __str__(self):
        return self.text
