"""Round.tree: the round's units frozen as they hung together when it opened."""

from django.db import migrations, models


def freeze_current_trees(apps, schema_editor):
    # Rounds stored before this migration get today's tree: the best there is.
    Round = apps.get_model("compass", "Round")
    Unit = apps.get_model("organisation", "Unit")
    for round_ in Round.objects.select_related("root"):
        root = round_.root
        round_.tree = {
            str(pk): (None if pk == root.pk else parent_id)
            for pk, parent_id in Unit.objects.filter(path__startswith=root.path).values_list(
                "pk", "parent_id"
            )
        }
        round_.save(update_fields=["tree"])


class Migration(migrations.Migration):
    dependencies = [
        ("compass", "0002_response_packed"),
        ("organisation", "0002_organisation_import_progress"),
    ]

    operations = [
        migrations.AddField(
            model_name="round",
            name="tree",
            field=models.JSONField(default=dict, editable=False),
        ),
        migrations.RunPython(freeze_current_trees, migrations.RunPython.noop),
    ]
