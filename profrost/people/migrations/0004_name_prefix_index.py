from django.db import migrations


class Migration(migrations.Migration):
    """Name search is a case-insensitive prefix match, UPPER(last_name) LIKE 'ИВА%': it needs a
    text_pattern_ops index on the expression (a plain btree can't serve LIKE under a Russian collation)."""

    dependencies = [("people", "0003_reference_data")]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_upper_last_name"),
        migrations.RunSQL(
            'CREATE INDEX person_last_name_prefix ON people_person ((UPPER("last_name"::text)) text_pattern_ops)',
            "DROP INDEX person_last_name_prefix",
        ),
    ]
