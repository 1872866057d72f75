"""`manage.py effect --decision ID | --trial ID [--outcome X] [--comparison area|kind] [--json]`:
the estimate, its interval, the evidence grade and the data behind it, at full precision."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tillid.organisation.permissions import Scope
from tillid.overview.effects import data
from tillid.overview.effects.estimate import to_json
from tillid.overview.effects.wording import grade_text, reason_text


def report(found: dict, effect: data.EffectData) -> dict:
    evidence = effect.evidence
    panel = effect.panel
    return {
        "treatment": {k: found[k] for k in ("kind", "id", "title", "url")},
        "outcome": effect.outcome,
        "outcome_label": effect.outcome_label,
        "comparison": effect.comparison,
        "treated_units": [
            {"unit": u.pk, "name": u.name, "start": effect.starts[u.pk].isoformat()}
            for u in effect.treated
        ],
        "comparison_units": [{"unit": u.pk, "name": u.name} for u in effect.comparison_units],
        "left_out": effect.left_out,
        "grade": None if evidence is None else str(evidence.grade),
        "grade_text": None if evidence is None else grade_text(evidence),
        "reasons": [] if evidence is None else [reason_text(r) for r in evidence.reasons],
        "evidence": None if evidence is None else evidence.as_dict(),
        "periods": [
            {"period": p.period, "label": p.label, "starts_on": p.starts_on.isoformat()}
            for p in effect.periods
        ],
        "observations": []
        if panel is None
        else [
            {"unit": o.unit, "period": o.period, "value": o.value, "respondents": o.respondents}
            for o in panel.observations
        ],
        "units": []
        if panel is None
        else [
            {"unit": u.unit, "group": u.group, "first_treated": u.first_treated}
            for u in panel.units
        ],
    }


class Command(BaseCommand):
    help = "The effect of a four-F decision or a trial: estimate, interval, grade and data."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--decision", type=int, help="the review (four-F decision) id")
        which.add_argument("--trial", type=int, help="the trial id")
        parser.add_argument("--outcome", help="the outcome code (default: the first offered)")
        parser.add_argument(
            "--comparison",
            choices=data.COMPARISONS,
            default=data.COMPARE_AREA,
            help="comparison units",
        )
        parser.add_argument(
            "--units",
            type=int,
            nargs="*",
            default=[],
            help="comparison unit ids (--comparison chosen)",
        )
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        found = data.treatment(decision_id=options["decision"], trial_id=options["trial"])
        if found is None:
            raise CommandError(_("No such decision or trial."))
        outcomes = dict(data.outcome_choices())
        outcome = options["outcome"] or next(iter(outcomes), None)
        if outcome is None or outcome not in outcomes:
            raise CommandError(
                _("Unknown outcome; choose one of: %(codes)s") % {"codes": ", ".join(outcomes)}
            )
        effect = data.effect_data(
            found,
            outcome=outcome,
            comparison=options["comparison"],
            scope=Scope(everything=True),
            chosen=options["units"],
        )
        result = report(found, effect)
        if options["json"]:
            self.stdout.write(to_json(result))
            return
        self.stdout.write(f"{found['title']} · {effect.outcome_label}")
        self.stdout.write(f"{result['grade_text'] or _('No figures yet.')}")
        estimate = effect.evidence.estimate if effect.evidence else None
        if estimate is not None:
            self.stdout.write(
                f"{estimate.estimate!r} [{estimate.ci_low!r}, {estimate.ci_high!r}] "
                f"p={estimate.p_value!r}"
            )
        for reason in result["reasons"]:
            self.stdout.write(f"- {reason}")
