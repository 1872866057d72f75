"""Demo trust dosing: histories, trust tests and a few breaches with repair.

The demo leader (`leder`) doses trust for the people in the care home's
teams; other elder-care institutions get a dosing or two per person so the
aggregate figures have something to count. Deterministic for a seed.
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.core import contracts
from tillid.delegation import services
from tillid.delegation.access import Subject
from tillid.delegation.ladder import suggest_step
from tillid.delegation.models import Breach, BreachOutcome, Dosing
from tillid.organisation.models import Person, Unit, UnitKind

TASKS = [
    "Planlægge weekendvagter",
    "Aftale besøgstider med borgeren",
    "Bestille hjælpemidler",
    "Medicinrunden om aftenen",
    "Kontakt til pårørende",
    "Introducere nye kolleger",
]


def _dose(rng, subject, by, task, ratings, risk, when, *, breach=None, review=True):
    c, i, r = ratings
    suggested = suggest_step(
        competence=c, intention=i, resources=r, consequence=risk[0], reversibility=risk[1]
    ).step
    # Now and then the leader leaps further, or holds back, and says why.
    roll = rng.random()
    chosen, reason = suggested, ""
    if roll < 0.15 and suggested < 5:
        chosen, reason = suggested + 1, "Et reflekteret spring: hun har vist det før."
    elif roll < 0.25 and suggested > 1:
        chosen, reason = suggested - 1, "Ny i opgaven; vi tager et trin ad gangen."
    return services.record_dosing(
        subject=subject,
        task=task,
        competence=c,
        intention=i,
        resources=r,
        consequence=risk[0],
        reversibility=risk[1],
        chosen_step=chosen,
        reason=reason,
        review_on=(when + dt.timedelta(days=rng.choice([60, 90, 120]))).date() if review else None,
        decided_by=by,
        breach=breach,
        created_at=when,
    )


def _clamp(value: int) -> int:
    return max(1, min(4, value))


@transaction.atomic
def build_demo(*, seed: int, log) -> None:
    rng = random.Random(seed + 5)
    User = get_user_model()
    leader = User.objects.filter(username="leder").select_related("person__unit").first()
    now = timezone.now()
    dosings = breaches = tests = 0
    if leader is not None and hasattr(leader, "person"):
        care_home = leader.person.unit
        people = list(
            Person.objects.filter(
                is_active=True, unit__path__startswith=care_home.path, is_leader=False
            ).order_by("external_id")[:10]
        )
        for index, person in enumerate(people):
            subject = Subject(person=person)
            task = TASKS[index % len(TASKS)]
            ratings = [rng.randint(2, 3), rng.randint(2, 4), rng.randint(2, 3)]
            risk = (rng.randint(1, 3), rng.randint(1, 2))
            when = now - dt.timedelta(days=rng.randint(420, 540))
            last = None
            for _round in range(rng.randint(2, 5)):
                # Each dosing names a review date; the next one reviews it, on time or late.
                last = _dose(rng, subject, leader, task, ratings, risk, when)
                dosings += 1
                # Trust mostly grows as competence and resources settle.
                grow = rng.choice([0, 1, 1, 1, -1])
                ratings = [_clamp(v + grow * rng.randint(0, 1)) for v in ratings]
                when += dt.timedelta(days=rng.randint(60, 110))
            if index < 4 and last is not None and last.chosen_step < 5:
                risk_level = rng.choice(["low", "medium"])
                outcome = "not_held" if index == 1 else rng.choice(["held", "held", "partly"])
                contracts.call(
                    "delegation.demo_trust_test",
                    by=leader,
                    subject_person=person,
                    task=task,
                    step_from=last.chosen_step,
                    step_to=last.chosen_step + 1,
                    risk=risk_level,
                    risk_note="Vi aftaler, hvornår hun skal ringe, hvis noget går skævt.",
                    start_date=(when - dt.timedelta(days=20)).date(),
                    outcome=outcome,
                    outcome_note="Vi talte om forløbet bagefter.",
                    happened_at=when,
                )
                tests += 1
            if index in (1, 2, 5) and last is not None:
                happened = (when - dt.timedelta(days=10)).date()
                breach = services.record_breach(
                    dosing=last,
                    happened_on=min(happened, timezone.localdate()),
                    what_happened="Aftalen med borgeren blev ikke fulgt op, og ingen fik besked.",
                    causes={
                        "cause_competence": index == 1,
                        "cause_resources": index != 1,
                        "cause_circumstances": index == 5,
                    },
                    bad_faith_suspected=False,
                    recorded_by=leader,
                )
                outcome = {
                    1: BreachOutcome.STRENGTHENED,
                    2: BreachOutcome.FRAGILE,
                    5: BreachOutcome.OPEN,
                }[index]
                if outcome != BreachOutcome.OPEN:
                    services.record_repair(
                        breach=breach,
                        steps={
                            "shared_own_mistakes": True,
                            "explored_both_sides": True,
                            "learning_over_blame": True,
                            "automatic_reactions_noticed": index == 1,
                        },
                        repair_notes="Vi gennemgik forløbet sammen og aftalte en ny ramme.",
                        outcome=outcome,
                        lesson="Aftal på forhånd, hvem der giver besked, når en plan ændres.",
                        lesson_shared=index == 1,
                    )
                    lowered = [
                        _clamp(last.competence - (index == 1)),
                        last.intention,
                        _clamp(last.resources - (index != 1)),
                    ]
                    _dose(
                        rng,
                        Subject(person=person),
                        leader,
                        task,
                        lowered,
                        (last.consequence, last.reversibility),
                        min(now, when + dt.timedelta(days=5)),
                        breach=breach,
                    )
                    dosings += 1
                breaches += 1
            Breach.objects.filter(dosing__subject_person=person).update(created_at=when)
        team = Unit.objects.filter(parent=care_home, kind=UnitKind.TEAM).order_by("external_id")
        first_team = team.first()
        if first_team is not None:
            mandate = _dose(
                rng,
                Subject(team=first_team),
                leader,
                "Egen vagtplan i teamet",
                [3, 4, 3],
                (2, 1),
                now - dt.timedelta(days=30),
            )
            dosings += 1
            if mandate is not None and mandate.chosen_step < 5:
                # A running trust test for the whole team: its members read it too.
                contracts.call(
                    "delegation.demo_trust_test",
                    by=leader,
                    subject_unit=first_team,
                    task="Teamet lægger selv vagtplanen for julen",
                    step_from=mandate.chosen_step,
                    step_to=mandate.chosen_step + 1,
                    risk="low",
                    risk_note="Lederen godkender planen, før den sendes ud.",
                    start_date=(now - dt.timedelta(days=14)).date(),
                    end_date=(now + dt.timedelta(days=30)).date(),
                )
                tests += 1
    # Other elder-care institutions: one current dosing per person, for the aggregates.
    elder = Unit.objects.filter(external_id="SOS-AELD").first()
    if elder is not None:
        others = (
            Person.objects.filter(
                is_active=True, is_leader=False, unit__path__startswith=elder.path
            )
            .exclude(dosings__isnull=False)
            .order_by("external_id")[:120]
        )
        for person in others:
            task = rng.choice(TASKS)
            ratings = [rng.randint(1, 4), rng.randint(2, 4), rng.randint(1, 4)]
            risk = (rng.randint(1, 3), rng.randint(1, 3))
            first = _dose(
                rng,
                Subject(person=person),
                None,
                task,
                ratings,
                risk,
                now - dt.timedelta(days=rng.randint(1, 600)),
                review=rng.random() < 0.7,
            )
            dosings += 1
            # Most reviews that fell due were made, some after their date.
            due = first.review_on
            if due is not None and due < now.date() and rng.random() < 0.75:
                when = timezone.make_aware(
                    dt.datetime.combine(due + dt.timedelta(days=rng.randint(-20, 12)), dt.time(9))
                )
                _dose(
                    rng,
                    Subject(person=person),
                    None,
                    task,
                    [_clamp(v + 1) for v in ratings],
                    risk,
                    min(now, max(first.created_at + dt.timedelta(days=1), when)),
                    review=rng.random() < 0.5,
                )
                dosings += 1
    log(
        _(
            "%(dosings)s dosings, %(tests)s trust tests, %(breaches)s breaches "
            "(%(teams)s for a team)."
        )
        % {
            "dosings": dosings,
            "tests": tests,
            "breaches": breaches,
            "teams": Dosing.objects.filter(subject_unit__isnull=False).count(),
        }
    )
