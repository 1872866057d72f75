from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tillid.compass import instruments, services


class Command(BaseCommand):
    help = "Load a trust compass instrument (JSON file) as a new version."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            data = instruments.parse(file.read_bytes())
            instrument, created = services.import_instrument(data=data)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except instruments.InstrumentFileError as exc:
            raise CommandError("\n".join(exc.errors)) from exc
        state = "loaded" if created else "unchanged"
        self.stdout.write(
            f"{instrument.code} v{instrument.version} {state}: "
            f"{instrument.dimensions.count()} dimensions, {instrument.items.count()} items"
        )
