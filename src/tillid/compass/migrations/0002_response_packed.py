"""Response.packed: the answers once more, packed in item order for fast results."""

from django.db import migrations, models


def pack_existing(apps, schema_editor):
    # A copy of instruments.pack_answers as it was when this migration was
    # written: migrations must not change meaning when the app code does.
    Round = apps.get_model("compass", "Round")
    Response = apps.get_model("compass", "Response")
    for round_ in Round.objects.select_related("instrument").iterator():
        instrument = round_.instrument
        codes = [item["code"] for item in instrument.source["items"]]
        low = instrument.scale["min"]
        batch = []
        for response in Response.objects.filter(round=round_).only("pk", "answers").iterator():
            response.packed = "".join(
                "-" if response.answers.get(c) is None else chr(48 + response.answers[c] - low)
                for c in codes
            )
            batch.append(response)
            if len(batch) >= 2000:
                Response.objects.bulk_update(batch, ["packed"])
                batch = []
        Response.objects.bulk_update(batch, ["packed"])


class Migration(migrations.Migration):
    dependencies = [
        ("compass", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="packed",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(pack_existing, migrations.RunPython.noop),
    ]
