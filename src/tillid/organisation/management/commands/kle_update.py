"""manage.py kle_update [FILE|URL] [--dry-run]

Brings Tillid's list of KLE numbers (KL's subject classification, the
municipal task areas) in line with a file in KL's KLE-Emneplan format, XML or
JSON, from disk or a URL. Without an argument it loads the list shipped with
Tillid (organisation/data/kle-emneplan.xml, a hand-written subset for the
demo). All or nothing: a bad file is rejected with every problem listed.
"""

import urllib.request

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from tillid.organisation import services
from tillid.organisation.kle import SHIPPED_FILE, KLEFormatError, parse_kle


class DryRun(Exception):
    pass


def read_source(source: str) -> bytes:
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=60) as answer:  # a URL the operator gives
            return answer.read()
    with open(source, "rb") as handle:
        return handle.read()


class Command(BaseCommand):
    help = "Update the KLE numbers (task areas) from KL's KLE-Emneplan file (XML or JSON) or URL."

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="?", help="File or URL; default: the shipped list.")
        parser.add_argument("--dry-run", action="store_true", help="Report, save nothing.")

    def handle(self, *args, source: str | None, dry_run: bool, **options):
        source = source or str(SHIPPED_FILE)
        try:
            content = read_source(source)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(source)s: %(error)s") % {"source": source, "error": exc}
            ) from exc
        try:
            plan = parse_kle(content)
        except KLEFormatError as exc:
            raise CommandError(
                _("The KLE file was rejected; nothing was saved:")
                + "".join(f"\n  - {e}" for e in exc.errors)
            ) from exc
        try:
            with transaction.atomic():
                report = services.update_kle(plan=plan)
                if dry_run:
                    raise DryRun
        except DryRun:
            pass
        self.stdout.write(
            _(
                "KLE %(published)s: %(added)s added, %(changed)s changed, %(retired)s retired, "
                "%(unchanged)s unchanged."
            )
            % {
                "published": report.published_on or "?",
                "added": report.added,
                "changed": report.changed,
                "retired": report.retired,
                "unchanged": report.unchanged,
            }
            + (" " + _("(Dry run: nothing was saved.)") if dry_run else "")
        )
