from django.core.management.base import BaseCommand

from tillid.compass import mailing as sender
from tillid.compass.models import Mailing


class Command(BaseCommand):
    help = (
        "Send the survey e-mails still waiting (normally the background worker does). "
        "--resume also takes over mailings whose worker stopped halfway; run it only "
        "when no worker is sending them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, dest="round_id", help="Only this round.")
        parser.add_argument("--resume", action="store_true")

    def handle(self, *args, round_id: int | None = None, resume: bool = False, **options):
        waiting = Mailing.objects.filter(finished=False).order_by("created_at", "pk")
        if round_id is not None:
            waiting = waiting.filter(round_id=round_id)
        if not resume:
            waiting = waiting.filter(started=False)
        for pk in list(waiting.values_list("pk", flat=True)):
            mailing = sender.deliver_mailing(mailing_id=pk, resume=resume)
            if mailing is None:
                self.stdout.write(f"mailing {pk}: taken by another worker")
                continue
            self.stdout.write(
                f"mailing {pk} ({mailing.round.name}, {mailing.kind}): "
                f"{mailing.sent} sent, {mailing.failed} failed of {mailing.total}"
            )
