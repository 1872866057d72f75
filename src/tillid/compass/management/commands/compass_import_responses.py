from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tillid.compass import imports, services
from tillid.compass.models import Instrument
from tillid.organisation.models import Unit


class Command(BaseCommand):
    help = "Import past responses (CSV/XLSX) into a new, closed round. All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--instrument", required=True, help="instrument code")
        parser.add_argument("--round", required=True, dest="name", help="name of the new round")
        parser.add_argument("--unit", help="external id of the top unit (default: the root)")
        parser.add_argument("--date", help="closing date of the old survey, YYYY-MM-DD")

    def handle(self, *args, file: Path, instrument: str, name: str, **options):
        services.ensure_default_instruments()
        found = Instrument.objects.filter(code=instrument).order_by("-version").first()
        if found is None:
            raise CommandError(f"No instrument with the code {instrument}")
        if options.get("unit"):
            root = Unit.objects.filter(external_id=options["unit"]).first()
        else:
            root = Unit.objects.filter(parent__isnull=True, is_active=True).order_by("pk").first()
        if root is None:
            raise CommandError("No such unit")
        closes_on = date.fromisoformat(options["date"]) if options.get("date") else date.today()
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        result = imports.import_responses(
            instrument=found,
            name=name,
            root=root,
            closes_on=closes_on,
            filename=file.name,
            content=content,
        )
        if result.errors:
            for e in result.errors:
                self.stderr.write(f"linje {e.line}, kolonne {e.column or '-'}: {e.message}")
            raise CommandError(f"{len(result.errors)} fejl; intet er importeret.")
        self.stdout.write(
            f"{result.report.count} svar importeret i runden {result.report.round.name} "
            f"(id {result.report.round.pk})"
        )
