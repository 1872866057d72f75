from django.core.management.base import BaseCommand

from tillid.overview import tasks


class Command(BaseCommand):
    help = (
        "Hand the background worker the daily reminders: each owner gets one e-mail "
        "with their late follow-ups, and is never reminded of the same one twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://localhost:8000/",
            help="The site's address, for the links in the e-mails.",
        )

    def handle(self, *args, base_url: str, **options):
        result = tasks.send_followup_reminders.enqueue(base_url)
        self.stdout.write(f"enqueued reminders: {result.id}")
