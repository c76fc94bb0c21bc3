"""The bell's notifications move from routes to core (a generic facility every app may use): the table is
taken over as it is, renamed, and its index renamed — no row is copied."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_import_job_options"),
        ("routes", "0002_generated_file_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("text", models.CharField(max_length=500, verbose_name="текст")),
                        ("url", models.CharField(blank=True, max_length=300, verbose_name="ссылка")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "уведомление",
                        "verbose_name_plural": "уведомления",
                        "ordering": ["-created_at"],
                        "db_table": "routes_notification",
                        "indexes": [
                            models.Index(fields=["user", "read_at"], name="routes_noti_user_id_5692dd_idx")
                        ],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="notification", table=None),
        migrations.RenameIndex(
            model_name="notification",
            old_name="routes_noti_user_id_5692dd_idx",
            new_name="core_notification_unread",
        ),
    ]
