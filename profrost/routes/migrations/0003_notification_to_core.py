"""The notifications now belong to core (core.0004 took the table over); routes forgets the model."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("routes", "0002_generated_file_names"),
        ("core", "0004_notification_from_routes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Notification")]),
    ]
