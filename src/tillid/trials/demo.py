"""Demo trial actions: about 75 across elder care, in every stage.

Modelled on the elder-care practice in Middelfart (Bentzen 2024, seed 002):
coordination in the citizen's home, free hours for home care, cooperation
with relatives, reception after discharge, volunteer exercise communities.
Deterministic for a seed; dates are set back in time after the services
have written each trial, so the history looks lived.
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.organisation.models import Person, Unit, UnitKind
from tillid.trials import selectors, services
from tillid.trials.models import (
    Adoption,
    Evaluation,
    Observation,
    Stage,
    StageChange,
    StageTask,
    Trial,
)

TRIAL_COUNT = 75

# (title, question, area, origin, participant kinds, success criteria)
IDEAS = [
    (
        "Frie timer til hjemmeplejen",
        "Hvad sker der, når hjemmeplejen selv råder over nogle timer om ugen hos borgerne?",
        "self_determination",
        "employee",
        ["employees", "citizens"],
        "Borgerne oplever mere indflydelse; ingen flere klager end før.",
    ),
    (
        "Ét team omkring borgeren",
        "Hvordan koordinerer vi bedre, når flere faggrupper kommer i samme hjem?",
        "coordination",
        "employee",
        ["employees", "citizens"],
        "Færre forskellige medarbejdere pr. borger og færre dobbeltbesøg.",
    ),
    (
        "Velkomst efter udskrivelse",
        "Hvordan tager vi imod en borger, der kommer hjem fra sygehuset?",
        "coordination",
        "relative",
        ["employees", "citizens", "relatives"],
        "Første besøg inden for fire timer; færre genindlæggelser.",
    ),
    (
        "Pårørendekaffe hver måned",
        "Hvordan bliver de pårørende en del af hverdagen i stedet for gæster?",
        "relatives",
        "relative",
        ["employees", "relatives"],
        "Flere pårørende deltager; færre utilfredse henvendelser.",
    ),
    (
        "Motionshold med frivillige",
        "Kan et motionsfællesskab drives af frivillige med lidt støtte fra os?",
        "civil_society",
        "citizen",
        ["citizens", "volunteers", "associations"],
        "Ti faste deltagere efter tre måneder.",
    ),
    (
        "Spisevenner",
        "Kan frivillige spisevenner mindske ensomhed ved måltiderne?",
        "civil_society",
        "citizen",
        ["citizens", "volunteers"],
        "Beboerne spiser mere og fortæller om mindre ensomhed.",
    ),
    (
        "Kun afvigelser i journalen",
        "Hvad sker der, hvis vi kun dokumenterer det, der afviger fra planen?",
        "documentation",
        "employee",
        ["employees"],
        "Mindre tid ved skærmen uden tab af sikkerhed.",
    ),
    (
        "Besøgsblokke i stedet for ydelser",
        "Kan få besøgsblokke erstatte de mange enkeltydelser i besøgsplanen?",
        "work_organisation",
        "leader",
        ["employees", "citizens"],
        "Borgeren og medarbejderen aftaler selv indholdet; samme tidsforbrug.",
    ),
    (
        "Teamet lægger selv vagtplanen",
        "Hvordan går det, når teamet selv lægger vagtplanen inden for en ramme?",
        "work_organisation",
        "employee",
        ["employees"],
        "Færre ubesatte vagter og højere trivsel.",
    ),
    (
        "Borgerens egen dagsorden",
        "Hvad vil borgeren selv bruge besøget til?",
        "self_determination",
        "citizen",
        ["citizens", "employees"],
        "Borgeren sætter dagsordenen ved mindst halvdelen af besøgene.",
    ),
    (
        "Fælles morgenmøde med sygeplejen",
        "Kan et kort fælles morgenmøde spare telefonopkald resten af dagen?",
        "coordination",
        "employee",
        ["employees"],
        "Færre opkald mellem faggrupperne.",
    ),
    (
        "Sociale fællesskaber i lokalområdet",
        "Hvordan bygger vi bro til foreninger, der allerede findes i byen?",
        "civil_society",
        "leader",
        ["citizens", "associations", "volunteers"],
        "Tre nye aftaler med foreninger.",
    ),
    (
        "Pårørende som medplanlæggere",
        "Hvad sker der, når de pårørende er med til at lægge planen for hjælpen?",
        "relatives",
        "relative",
        ["relatives", "citizens", "employees"],
        "Planen holder bedre; færre ændringer i sidste øjeblik.",
    ),
    (
        "Tillid til medicinrunden",
        "Kan erfarne medarbejdere selv tilrettelægge medicinrunden inden for faste rammer?",
        "leadership",
        "leader",
        ["employees"],
        "Ingen flere fejl end før; mere ro på runden.",
    ),
    (
        "Hverdagsdirektør i hjemmeplejen",
        "Hvad betyder det, at medarbejderen må vælge en anden løsning og forklare den bagefter?",
        "leadership",
        "leader",
        ["employees", "citizens"],
        "Medarbejderne bruger råderummet og kan begrunde valgene.",
    ),
]

SUB_TRIALS = [
    "Første uge hjemme",
    "Telefon dagen efter",
    "Fast kontaktperson",
]

OBSERVATIONS = {
    "effect": [
        "Borgeren genkendte medarbejderen og var tryggere.",
        "To pårørende har selv foreslået næste skridt.",
        "Vi brugte mindre tid på at ringe rundt.",
        "Flere borgere deltog end ventet.",
        "Ingen hændelser i perioden.",
    ],
    "process": [
        "Det tog tid at finde en fælles rytme i teamet.",
        "De frivillige havde brug for en fast kontakt hos os.",
        "Aftalerne skulle skrives ned et sted, alle kan finde dem.",
        "Weekenden var sværest at få med.",
    ],
}

# How many demo trials end in each stage (sums to TRIAL_COUNT).
STAGE_MIX = [
    (Stage.IDEA, 12),
    (Stage.APPROVED, 10),
    (Stage.RUNNING, 20),
    (Stage.EVALUATED, 9),
    (Stage.SPREADING, 16),
    (Stage.STOPPED, 8),
]
PATH = [Stage.IDEA, Stage.APPROVED, Stage.RUNNING, Stage.EVALUATED, Stage.SPREADING]


def _units() -> tuple[list[Unit], Unit | None]:
    elder = (
        Unit.objects.filter(is_active=True, external_id="SOS-AELD").first()
        or Unit.objects.filter(is_active=True, name__icontains="Ældre").order_by("path").first()
    )
    qs = Unit.objects.filter(is_active=True, kind__in=[UnitKind.INSTITUTION, UnitKind.TEAM])
    if elder is not None:
        qs = qs.filter(path__startswith=elder.path)
    units = list(qs.order_by("external_id"))
    care_home = Unit.objects.filter(external_id="SOS-AELD-PC01").first()
    return units, care_home


@transaction.atomic
def build_demo(*, seed: int, log) -> None:
    rng = random.Random(seed)
    units, care_home = _units()
    if not units:
        log(_("No units for trial actions; skipped."))
        return
    User = get_user_model()
    leader = User.objects.filter(username="leder").first()
    employee = User.objects.filter(username="medarbejder").first()
    people_by_unit: dict[int, list[Person]] = {}
    for person in Person.objects.filter(is_active=True, unit__in=units).order_by("external_id"):
        people_by_unit.setdefault(person.unit_id, []).append(person)
    items = selectors.governance_choices()
    today = timezone.localdate()
    # The demo leader's care home gets a fair share, so the demo logins see trials.
    home_units = [u for u in units if care_home and u.path.startswith(care_home.path)]

    stages = [stage for stage, n in STAGE_MIX for _copy in range(n)]
    rng.shuffle(stages)
    made: list[Trial] = []
    for index, final in enumerate(stages):
        title, question, area, origin, kinds, criteria = IDEAS[index % len(IDEAS)]
        unit = rng.choice(home_units) if home_units and index % 4 == 0 else rng.choice(units)
        people = people_by_unit.get(unit.pk) or []
        in_home = care_home is not None and unit.path.startswith(care_home.path)
        by_leader = leader if in_home else None
        suffix = f" ({unit.name})" if index >= len(IDEAS) else ""
        trial = services.propose_trial(
            proposed_by=employee if in_home else None,
            unit=unit,
            title=f"{title}{suffix}"[:200],
            question=question,
            origin=origin,
            area=area,
            participant_kinds=kinds,
            success_criteria=criteria,
        )
        started_days_ago = rng.randint(20, 540)
        if final == Stage.STOPPED:
            stop_after = rng.choice([Stage.IDEA, Stage.APPROVED, Stage.RUNNING])
            path = PATH[: PATH.index(stop_after) + 1]
        else:
            path = PATH[: PATH.index(final) + 1]
        owner = rng.choice(people) if people else None
        for stage in path[1:]:
            if stage == Stage.APPROVED:
                services.approve(trial=trial, by=by_leader, owner=owner)
                if trial.owner_id is None:
                    # No person for this unit: the trial waits for an owner.
                    break
            elif stage == Stage.RUNNING:
                services.transition(trial=trial, to_stage=Stage.RUNNING, by=by_leader)
                for n in range(rng.randint(2, 5)):
                    kind = "effect" if n % 2 == 0 else "process"
                    services.add_observation(
                        trial=trial,
                        kind=kind,
                        text=rng.choice(OBSERVATIONS[kind]),
                        observed_on=today - dt.timedelta(days=rng.randint(0, 60)),
                        by=by_leader,
                    )
                for n in range(rng.randint(0, 3)):
                    milestone = services.add_milestone(
                        trial=trial,
                        title=f"Milepæl {n + 1}",
                        due_date=today + dt.timedelta(days=30 * (n - 1)),
                    )
                    if n == 0:
                        services.set_milestone_done(milestone=milestone, done=True)
            elif stage == Stage.EVALUATED:
                services.record_evaluation(
                    trial=trial,
                    what_worked=rng.choice(
                        [
                            "Faste ansigter gav ro hos borgerne.",
                            "Teamet tog ejerskab og fandt selv løsningerne.",
                            "De frivillige bar fællesskabet, da rammen var klar.",
                        ]
                    ),
                    what_did_not=rng.choice(["", "Weekenderne var svære at dække."]),
                    evidence=rng.choice(
                        [
                            "Observationer fra tolv besøg og en kort rundspørge.",
                            "Færre opkald i logbogen og udsagn fra fem borgere.",
                            "Deltagerlister og samtaler med de pårørende.",
                        ]
                    ),
                    criteria_met=rng.choice(["yes", "yes", "partly"]),
                    by=by_leader,
                )
            elif stage == Stage.SPREADING:
                others = [u for u in units if u.pk != unit.pk]
                for target in rng.sample(others, k=min(len(others), rng.randint(1, 4))):
                    services.adopt(trial=trial, unit=target, by=None)
        if final == Stage.STOPPED and trial.owner_id is not None:
            services.transition(
                trial=trial,
                to_stage=Stage.STOPPED,
                by=by_leader,
                reason=rng.choice(
                    [
                        "Rammen kunne ikke holdes i sommerferien.",
                        "Borgerne ønskede det ikke.",
                        "En anden prøvehandling svarer på samme spørgsmål.",
                    ]
                ),
            )
        if items and rng.random() < 0.45:
            item_id, _title = rng.choice(items)
            services.link_governance(
                trial=trial,
                governance_item_id=item_id,
                title="",
                effect=rng.choice(["suspends", "changes"]),
                note="Aftalt med ejeren af styringen for prøveperioden.",
            )
        _backdate(trial, started_days_ago, rng)
        made.append(trial)

    # A few trials carry sub-trials.
    parents = [t for t in made if t.stage in (Stage.RUNNING, Stage.SPREADING)][:3]
    for parent in parents:
        for title in SUB_TRIALS[: rng.randint(1, 3)]:
            services.propose_trial(
                proposed_by=None,
                unit=parent.unit,
                title=f"{title} · {parent.title}"[:200],
                question="Hvilken del af forløbet gør den største forskel?",
                origin="employee",
                area=parent.area,
                parent=parent,
            )
    log(
        _(
            "%(trials)s trial actions, %(adoptions)s adoptions, %(observations)s "
            "observations, %(evaluations)s evaluations."
        )
        % {
            "trials": len(made),
            "adoptions": Adoption.objects.count(),
            "observations": Observation.objects.count(),
            "evaluations": Evaluation.objects.count(),
        }
    )


def _backdate(trial: Trial, days_ago: int, rng: random.Random) -> None:
    """Spread the trial's history over the past instead of today."""
    now = timezone.now()
    created = now - dt.timedelta(days=days_ago)
    changes = list(trial.stage_changes.order_by("pk"))
    step = dt.timedelta(days=max(1, days_ago // max(1, len(changes))))
    for n, change in enumerate(changes):
        StageChange.objects.filter(pk=change.pk).update(changed_at=created + step * n)
        if change.to_stage == Stage.SPREADING:
            # Other units take it up from the day it started spreading, one by one.
            spread_on = (created + step * n).date()
            for i, adoption in enumerate(trial.adoptions.order_by("pk")):
                adopted_on = min(
                    now.date(), spread_on + dt.timedelta(days=rng.randint(0, 20) + 15 * i)
                )
                Adoption.objects.filter(pk=adoption.pk).update(adopted_on=adopted_on)
    start = (created + step).date() if trial.start_date else None
    end = start + dt.timedelta(days=rng.choice([90, 120, 180])) if start else None
    Trial.objects.filter(pk=trial.pk).update(created_at=created, start_date=start, end_date=end)
    StageTask.objects.filter(trial=trial, done_at__isnull=True).exclude(stage=trial.stage).update(
        done_at=now
    )


def demo_trust_test(
    *,
    by,
    task: str,
    step_from: int,
    step_to: int,
    risk: str,
    risk_note: str = "",
    subject_person=None,
    subject_unit=None,
    start_date=None,
    end_date=None,
    outcome: str = "",
    outcome_note: str = "",
    happened_at=None,
) -> Trial:
    """For delegation's demo (contract "delegation.demo_trust_test"): a trust test,
    its outcome when given, dated as if it happened at `happened_at`."""
    test = services.plan_trust_test(
        by=by,
        subject_person=subject_person,
        subject_unit=subject_unit,
        task=task,
        step_from=step_from,
        step_to=step_to,
        risk=risk,
        risk_note=risk_note,
        start_date=start_date,
        end_date=end_date,
    )
    if outcome:
        services.record_trust_outcome(trial=test, outcome=outcome, note=outcome_note, by=by)
    if happened_at is not None:
        Trial.objects.filter(pk=test.pk).update(created_at=happened_at - dt.timedelta(days=20))
        StageChange.objects.filter(trial=test).update(changed_at=happened_at)
    return test
