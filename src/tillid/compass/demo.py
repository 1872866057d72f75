"""Demo data for the trust compass: three closed rounds, one open, dialogue, actions, checks.

Deterministic for a seed (the open round's link tokens excepted: they are
real secrets, and only their hashes are stored). Units differ in a stable
way (a unit trust level per compass element), and units that held a
dialogue meeting after the first round improve a little in the second.
"""

import random
from datetime import timedelta
from statistics import NormalDist

from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.compass import followup, services
from tillid.compass.instruments import spec_for
from tillid.compass.models import (
    ActionStatus,
    ActionVerdict,
    Delivery,
    DialogueAction,
    DialogueMeeting,
    Invitation,
    Response,
    RoleGroup,
    Round,
    SelfAssessment,
)
from tillid.core import contracts
from tillid.organisation.models import Person, Unit, UnitKind

COMMENTS = [
    "Vi har fået mere ro til at planlægge selv, og det mærker borgerne.",
    "Der bruges stadig meget tid på at registrere ting, som ingen læser.",
    "Vores leder er god til at spørge, hvad vi selv tænker, før der bliver besluttet noget.",
    "Det er svært at sige fra, når der kommer nye krav oppefra.",
    "Samarbejdet med visitationen er blevet bedre det sidste halve år.",
    "Jeg savner, at vi taler om fejl uden at det bliver personligt.",
    "Vi har prøvet at droppe et skema, og det gik fint.",
    "Det er uklart, hvem der bestemmer hvad, når vagtplanen ændres.",
    "Der er god stemning i teamet, men vi når ikke at sparre med hinanden.",
    "Tak for at vi blev spurgt. Husk at følge op på det.",
]
AGREEMENTS = [
    "Vi afprøver i tre måneder kun at dokumentere afvigelser fra planen.",
    "Hvert teammøde starter med ti minutter om en situation, vi kan lære af.",
    "Lederen deltager i morgenmødet to gange om ugen for at være tilgængelig.",
    "Vi tager de tre mest meningsløse registreringer med til Meningssamlingen.",
    "Nye medarbejdere får en makker de første seks uger.",
]
ACTIONS = [
    ("Liste over registreringer, der kan fjernes", "Teamleder"),
    ("Aftale om hvornår vi ringer til lederen", "Arbejdsmiljørepræsentant"),
    ("Prøvehandling med selvplanlagte besøg", "Koordinator"),
    ("Fælles spilleregler skrives ned og hænges op", "Tillidsrepræsentant"),
    ("Opfølgning på dialogmødet om tre måneder", "Leder"),
]


# Standard normal noise drawn by table look-up: much faster than gauss() per item.
_NORMAL = [NormalDist().inv_cdf((i + 0.5) / 512) for i in range(512)]


def _item_plan(spec) -> list[tuple[str, str, bool]]:
    reverse = dict(spec.items)
    first_dimension = {}
    for code, _family, members in spec.dimensions:
        for m in members:
            first_dimension.setdefault(m, code)
    return [(code, first_dimension[code], reverse[code]) for code in spec.item_codes]


def _answers(rng, plan, level: dict[str, float], person_shift: float) -> dict[str, int]:
    noise = rng.choices(_NORMAL, k=len(plan))
    skips = rng.choices((True, False), weights=(3, 97), k=len(plan))
    answers = {}
    for (code, dimension, reverse), z, skip in zip(plan, noise, skips, strict=True):
        if skip:
            continue  # don't know
        value = min(5, max(1, round(level[dimension] + person_shift + 0.7 * z)))
        answers[code] = 6 - value if reverse else value
    return answers


def build_demo(*, seed: int, log) -> None:
    rng = random.Random(seed * 7919 + 4)
    employee, leader_instrument = services.ensure_default_instruments()
    spec = spec_for(employee)
    leader_spec = spec_for(leader_instrument)
    plan = _item_plan(spec)
    root = Unit.objects.filter(parent__isnull=True, is_active=True).order_by("pk").first()
    if root is None:
        log(_("No organisation; the compass demo is skipped."))
        return
    people = list(
        Person.objects.filter(is_active=True, unit__is_active=True)
        .select_related("unit")
        .order_by("pk")
    )
    units = {u.pk: u for u in Unit.objects.filter(is_active=True)}
    # A stable trust level per unit and dimension: institution effect + team effect.
    dims = spec.dimension_codes()
    unit_level: dict[int, dict[str, float]] = {}
    for unit_id in sorted(units):
        base = rng.gauss(3.5, 0.35)
        unit_level[unit_id] = {d: base + rng.gauss(0, 0.25) for d in dims}
    today = timezone.localdate()
    freed_since = _freed_since(units)
    # Four rounds over two years (the last still open), named by season and year.
    schedule = [
        (_round_name(today - timedelta(days=days)), today - timedelta(days=days), rate, trend)
        for days, rate, trend in (
            (760, 0.74, -0.1),
            (400, 0.78, 0.0),
            (200, 0.82, 0.15),
            (7, 0.46, 0.25),
        )
    ]
    # After each closed round, the share of units that hold their dialogue meeting grows.
    meeting_share = [0.35, 0.55, 0.75]
    improved: set[int] = set()
    rounds = []
    for index, (name, opens_on, rate, trend) in enumerate(schedule):
        closes_on = opens_on + timedelta(days=21)
        round_ = Round.objects.create(
            name=name,
            instrument=employee,
            leader_instrument=leader_instrument,
            root=root,
            tree=services.unit_tree(root),
            opens_on=opens_on,
            closes_on=closes_on,
            min_group=5,
            min_comment_group=8,
        )
        rounds.append(round_)
        open_now = index == len(schedule) - 1
        invitations, responses = [], []
        per_unit_rate = {
            unit_id: min(0.97, max(0.3, rate + rng.gauss(0, 0.08))) for unit_id in sorted(units)
        }
        for person in people:
            answered = rng.random() < per_unit_rate[person.unit_id]
            token = services.new_token() if open_now else f"demo-{seed}-{index}-{person.pk}"
            invitations.append(
                Invitation(
                    round_id=round_.pk,
                    person_id=person.pk,
                    unit_id=person.unit_id,
                    role_group=RoleGroup.LEADER if person.is_leader else RoleGroup.EMPLOYEE,
                    token_hash=services.token_hash(token) if open_now else _hash(token),
                    used=answered,
                    has_email=bool(person.email),
                    delivery=Delivery.SENT if person.email else Delivery.LETTER,
                )
            )
            if not answered:
                continue
            level = dict(unit_level[person.unit_id])
            inst = _institution_of(person.unit, units)
            bonus = trend + (0.3 if inst in improved or person.unit_id in improved else 0.0)
            freed = freed_since.get(person.unit_id)
            if freed is not None and freed < opens_on:
                bonus += FREED_BONUS  # governance removed or changed here: trust rises
            for d in level:
                level[d] += bonus
            shift = rng.gauss(0.25 if person.is_leader else 0.0, 0.45)
            comment = rng.choice(COMMENTS) if rng.random() < 0.12 else ""
            responses.append(
                services.response_sheet(
                    spec=spec,
                    round_id=round_.pk,
                    unit_id=person.unit_id,
                    role_group=RoleGroup.LEADER if person.is_leader else RoleGroup.EMPLOYEE,
                    submitted_on=min(closes_on, opens_on + timedelta(days=rng.randint(0, 20)))
                    if not open_now
                    else today - timedelta(days=rng.randint(0, 6)),
                    answers=_answers(rng, plan, level, shift),
                    comment=comment,
                )
            )
        Invitation.objects.bulk_create(invitations, batch_size=2000)
        Response.objects.bulk_create(responses, batch_size=2000)
        log(
            _("%(name)s: %(invited)s invited, %(answered)s answered")
            % {"name": name, "invited": len(invitations), "answered": len(responses)}
        )
        if open_now:
            break
        meetings, actions = _dialogue(
            rng, round_, share=meeting_share[min(index, len(meeting_share) - 1)], today=today
        )
        improved.update(m.unit_id for m in meetings)
        log(
            _("%(name)s: %(meetings)s dialogue meetings, %(actions)s actions")
            % {"name": name, "meetings": len(meetings), "actions": len(actions)}
        )
    _self_assessment(rounds[-2], leader_spec, rng)


# Where a four-F decision removed or changed governance before a round, the
# answers in the units it bound rise by this much (on the 1-5 scale), so that
# the effect pages have effects to find (issue 12).
FREED_BONUS = 0.6


def _freed_since(units: dict[int, Unit]) -> dict[int, object]:
    """Per unit, the earliest date a removal or change bound it (through the
    governance module's decisions, asked for by contract; none without it)."""
    starts: dict[int, object] = {}
    for decision in ("remove", "change"):
        for _app, found in contracts.collect(
            "effects.treatments", group={"decision": decision, "area_id": None, "year": None}
        ):
            for unit_id, start, _label in (found or {}).get("units", []):
                if start is not None and (unit_id not in starts or start < starts[unit_id]):
                    starts[unit_id] = start
    found_below: dict[int, object] = {}
    for unit in units.values():
        ids = [int(p) for p in unit.path.strip("/").split("/") if p]
        days = [starts[i] for i in ids if i in starts]
        if days:
            found_below[unit.pk] = min(days)
    return found_below


def _round_name(opens_on) -> str:
    season = _("spring") if opens_on.month <= 6 else _("autumn")
    return _("Trust compass %(season)s %(year)s") % {"season": season, "year": opens_on.year}


def _dialogue(rng, round_: Round, *, share: float, today):
    """Dialogue meetings after a closed round in a share of the units expected to hold one
    (some after the deadline), their actions, and the checks of whether they worked."""
    leader = Person.objects.filter(user__username="leder").select_related("user").first()
    units = [d.unit for d in followup.dialogues(round_)]
    if not units:  # a small organisation without results per unit: its institutions meet
        units = list(Unit.objects.filter(is_active=True, kind=UnitKind.INSTITUTION).order_by("pk"))
    meetings = []
    for unit in units:
        mine = leader is not None and unit.pk == leader.unit_id
        if not mine and rng.random() > share:
            continue
        late = rng.random() < 0.15
        held_on = round_.closes_on + timedelta(
            days=rng.randint(followup.meeting_days() + 3, followup.meeting_days() + 40)
            if late
            else rng.randint(7, followup.meeting_days() - 2)
        )
        if held_on > today:
            continue
        meetings.append(
            DialogueMeeting(
                round=round_,
                unit=unit,
                held_on=held_on,
                participants=rng.randint(6, 30),
                agreements=rng.choice(AGREEMENTS),
                created_by=leader.user if mine else None,
            )
        )
    DialogueMeeting.objects.bulk_create(meetings)
    actions = []
    check_days = followup.check_days()
    for meeting in DialogueMeeting.objects.filter(round=round_).order_by("pk"):
        for title, owner in rng.sample(ACTIONS, rng.randint(1, 3)):
            action = DialogueAction(
                meeting=meeting,
                title=title,
                owner=owner,
                due_on=meeting.held_on + timedelta(days=rng.randint(30, 120)),
            )
            # Older actions are mostly closed and checked; recent ones are still under way.
            old = action.due_on < today - timedelta(days=180)
            if action.due_on < today and rng.random() < (0.95 if old else 0.7):
                action.status = ActionStatus.DONE
                action.closed_on = min(today, action.due_on + timedelta(days=rng.randint(-20, 10)))
            elif rng.random() < 0.08:
                action.status = ActionStatus.DROPPED
                action.closed_on = min(today, meeting.held_on + timedelta(days=20))
            check_on = max(meeting.held_on + timedelta(days=check_days), action.due_on)
            checked = rng.random() < (0.95 if old else 0.7)
            if action.status != ActionStatus.DROPPED and check_on < today and checked:
                leader_verdict = rng.choices(
                    [ActionVerdict.WORKED, ActionVerdict.PARTLY, ActionVerdict.DID_NOT_WORK],
                    weights=(6, 3, 1),
                )[0]
                team_verdict = leader_verdict if rng.random() < 0.7 else ActionVerdict.PARTLY
                action.leader_verdict, action.team_verdict = leader_verdict, team_verdict
                action.checked_on = min(today, check_on + timedelta(days=rng.randint(0, 14)))
                if team_verdict != leader_verdict:
                    action.check_note = "Teamet oplever det mindre tydeligt end lederen."
            actions.append(action)
    DialogueAction.objects.bulk_create(actions)
    return meetings, actions


def _hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def _institution_of(unit: Unit, units: dict[int, Unit]) -> int | None:
    for anc in reversed([int(p) for p in unit.path.strip("/").split("/") if p]):
        if units.get(anc) is not None and units[anc].kind == UnitKind.INSTITUTION:
            return anc
    return None


def _self_assessment(round_: Round, leader_spec, rng) -> None:
    person = Person.objects.filter(user__username="leder").select_related("unit", "user").first()
    if person is None:
        return
    answers = {code: rng.choice([4, 4, 5, 3]) for code in leader_spec.item_codes}
    SelfAssessment.objects.create(
        round=round_, unit=person.unit, user=person.user, answers=answers, shared=False
    )
