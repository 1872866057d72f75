import json

from django.core.management.base import BaseCommand, CommandError

from tillid.compass import selectors
from tillid.compass.models import Round


class Command(BaseCommand):
    help = "Reliability per dimension of a round: alpha (Feldt 95 % CI), item-rest r, omega total."

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, required=True, dest="round_id")
        parser.add_argument(
            "--json", action="store_true", help="Full double precision, for checking elsewhere."
        )

    def handle(self, *args, round_id: int, **options):
        round_ = Round.objects.filter(pk=round_id).select_related("instrument").first()
        if round_ is None:
            raise CommandError(f"No round {round_id}")
        report = selectors.reliability_report(round_)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        for code, rel in report["dimensions"].items():
            if rel is None:
                self.stdout.write(f"{code:28} too few answers")
                continue
            low, high = rel["alpha_ci95"]
            omega = "-" if rel["omega_total"] is None else f"{rel['omega_total']:.3f}"
            self.stdout.write(
                f"{code:28} n={rel['n']:5} alpha={rel['alpha']:.3f} ({low:.3f}-{high:.3f}) "
                f"omega_t={omega}"
            )
