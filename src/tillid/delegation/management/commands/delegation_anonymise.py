"""Anonymise delegation records past the retention period; run daily from cron.

    0 3 * * *  cd /srv/tillid && .venv/bin/python manage.py delegation_anonymise

With --enqueue the work goes to the background worker (django-tasks) instead.
"""

from django.core.management.base import BaseCommand

from tillid.delegation import services
from tillid.delegation.tasks import anonymise_expired_records


class Command(BaseCommand):
    help = "Anonymise trust dosing and breach records older than the retention period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="Run it in the background worker."
        )

    def handle(self, *args, enqueue: bool = False, **options):
        if enqueue:
            result = anonymise_expired_records.enqueue()
            self.stdout.write(f"Enqueued {result.id}")
            return
        counts = services.anonymise_expired()
        self.stdout.write(
            "Anonymised {dosings} dosings, {breaches} breaches and {trust_tests} trust tests; "
            "deleted {reads} read-log entries (retention {months} months).".format(
                months=services.retention_months(), **counts
            )
        )
