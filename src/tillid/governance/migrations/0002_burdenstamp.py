"""The burden stamp and the triggers that renew it (see models.BurdenStamp).

Triggers rather than Django signals: bulk writes, queryset updates and the
organisation import bypass signals, and a stale burden must be impossible.
"""

import secrets

from django.db import migrations, models

STAMP_ID = 1
FUNCTION = "governance_burden_stamp_touch"


def _tables(apps) -> list[str]:
    Item = apps.get_model("governance", "Item")
    return [
        Item._meta.db_table,
        Item._meta.get_field("units").remote_field.through._meta.db_table,
        apps.get_model("governance", "Activity")._meta.db_table,
        apps.get_model("organisation", "Unit")._meta.db_table,
        apps.get_model("organisation", "Person")._meta.db_table,
    ]


def _stamp_table(apps) -> str:
    return apps.get_model("governance", "BurdenStamp")._meta.db_table


def create(apps, schema_editor):
    apps.get_model("governance", "BurdenStamp").objects.create(
        pk=STAMP_ID, token=secrets.token_hex(16)
    )
    vendor, stamp = schema_editor.connection.vendor, _stamp_table(apps)
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN UPDATE {stamp} SET token = md5(random()::text || clock_timestamp()::text) "
            f"WHERE id = {STAMP_ID}; RETURN NULL; END $$"
        )
        for table in _tables(apps):
            # Once per statement, so a bulk write renews the token once; TRUNCATE too.
            schema_editor.execute(
                f'CREATE TRIGGER {table}_burden_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()'
            )
    elif vendor == "sqlite":
        for table in _tables(apps):
            for op in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f'CREATE TRIGGER {table}_burden_stamp_{op.lower()} AFTER {op} ON "{table}" '
                    f"BEGIN UPDATE {stamp} SET token = lower(hex(randomblob(16))) "
                    f"WHERE id = {STAMP_ID}; END"
                )
    # Other databases get no triggers: selectors then never reuse burden inputs.


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in _tables(apps):
        if vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {table}_burden_stamp ON "{table}"')
        elif vendor == "sqlite":
            for op in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_burden_stamp_{op}")
    if vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
        ("organisation", "0002_organisation_import_progress"),
    ]

    operations = [
        migrations.CreateModel(
            name="BurdenStamp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=64)),
            ],
            options={"verbose_name": "burden stamp", "verbose_name_plural": "burden stamps"},
        ),
        migrations.RunPython(create, drop),
    ]
