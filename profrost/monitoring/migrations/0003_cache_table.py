"""The table of the monitoring's cache of computed counts (settings.CACHES["monitoring"], Django's database cache
backend; docs/monitoring.md §4, "Cached counts"): one table for every server process, so the «Пересчитать» button
clears it for all of them. The schema is Django's own (`createcachetable`)."""

from django.db import migrations

TABLE = "monitoring_cache"


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_shipped_sets")]

    operations = [
        migrations.RunSQL(
            f'CREATE TABLE IF NOT EXISTS "{TABLE}" ("cache_key" varchar(255) NOT NULL PRIMARY KEY, '
            f'"value" text NOT NULL, "expires" timestamp with time zone NOT NULL); '
            f'CREATE INDEX IF NOT EXISTS "{TABLE}_expires" ON "{TABLE}" ("expires");',
            reverse_sql=f'DROP TABLE IF EXISTS "{TABLE}";',
        ),
    ]
