import json

from django.core.management.base import BaseCommand, CommandError

from tillid.compass import selectors
from tillid.compass.models import Round


class Command(BaseCommand):
    help = "Results of a round per unit and role group, under the anonymity rules."

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, required=True, dest="round_id")
        parser.add_argument(
            "--json", action="store_true", help="Full double precision, for checking elsewhere."
        )

    def handle(self, *args, round_id: int, **options):
        round_ = Round.objects.filter(pk=round_id).select_related("instrument", "root").first()
        if round_ is None:
            raise CommandError(f"No round {round_id}")
        report = selectors.results_report(selectors.round_results(round_))
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        for unit in report["units"]:
            scores = unit["groups"]["all"]["scores"]
            shown = ", ".join(
                f"{code}={cell['mean']:.0f}" for code, cell in scores.items() if cell is not None
            )
            self.stdout.write(f"{unit['name']:40} n={unit['groups']['all']['n']:5} {shown or '-'}")
