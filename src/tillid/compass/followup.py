"""The compass's follow-up loop: round → dialogue meeting → actions → the check (issue 11).

After a round closes, every unit with results of its own and a leader placed
in it holds a dialogue meeting on them within settings.TILLID_DIALOGUE_MEETING_DAYS.
Each action agreed there has an owner and a due date, and is checked
settings.TILLID_DIALOGUE_CHECK_DAYS after the meeting (not before the action
was due): did it work, as the leader sees it and as the team does?

The leader who recorded the meeting answers for its actions and checks (the
unit's leader when nobody did). Offered to the overview as "overview.followups".
Nothing here describes the people who answered: which units have results is
the anonymity engine's decision (selectors.round_results).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from tillid.compass import selectors
from tillid.compass.models import (
    ActionStatus,
    DialogueAction,
    DialogueMeeting,
    InstrumentKind,
    Round,
)
from tillid.core.indicators import FollowUp, Scope
from tillid.organisation.models import Person, Unit

RECENT_DAYS = 30  # closed items stay in the lists this long
# Rounds older than this are not followed up any more: a newer round has replaced them.
FOLLOW_ROUNDS_DAYS = 400

KIND_MEETING = "dialogue_meeting"
KIND_ACTION = "dialogue_action"
KIND_CHECK = "dialogue_check"


def meeting_days() -> int:
    return int(settings.TILLID_DIALOGUE_MEETING_DAYS)


def check_days() -> int:
    return int(settings.TILLID_DIALOGUE_CHECK_DAYS)


def meeting_due_on(round_: Round) -> dt.date:
    return round_.closes_on + dt.timedelta(days=meeting_days())


def check_due_on(action: DialogueAction) -> dt.date:
    """A set time after the meeting, and not before the action itself was due."""
    return max(action.meeting.held_on + dt.timedelta(days=check_days()), action.due_on)


def needs_check(action: DialogueAction) -> bool:
    return action.status != ActionStatus.DROPPED


def closed_rounds(until: dt.date) -> list[Round]:
    """Closed rounds of the survey for everyone that closed by `until`, oldest first."""
    rounds = Round.objects.filter(
        instrument__kind=InstrumentKind.EMPLOYEE, closes_on__lte=until
    ).select_related("root", "instrument")
    return sorted((r for r in rounds if r.is_closed), key=lambda r: (r.closes_on, r.pk))


def in_scope(path: str, scope: Scope | None) -> bool:
    return scope is None or scope.everything or path.startswith(scope.path)


@dataclass
class UnitDialogue:
    """One unit's dialogue after a round: due, held (the meeting) or not."""

    unit: Unit
    round: Round
    due_on: dt.date
    meeting: DialogueMeeting | None
    leaders: list[tuple[int | None, str]] = field(default_factory=list)  # (user id, name)

    def held_by(self, on: dt.date) -> bool:
        return self.meeting is not None and self.meeting.held_on <= on

    def late(self, on: dt.date) -> bool:
        return not self.held_by(on) and self.due_on < on


def _leaders(unit_ids) -> dict[int, list[tuple[int | None, str]]]:
    found: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
    for unit_id, user_id, name in (
        Person.objects.filter(is_active=True, is_leader=True, unit_id__in=list(unit_ids))
        .order_by("name", "pk")
        .values_list("unit_id", "user_id", "name")
    ):
        found[unit_id].append((user_id, name))
    return found


def dialogues(
    round_: Round, *, following: Round | None = None, unit_ids: set[int] | None = None
) -> list[UnitDialogue]:
    """Every unit expected to hold a dialogue meeting after the round, with its meeting.

    Expected: units whose own results the round shows (the anonymity engine's
    decision) and with a leader placed in them. A meeting counts when it names
    the round, or names none and was held after the round closed (and before
    the next round did). `unit_ids` narrows it to those units (one owner's).
    """
    results = selectors.round_results(round_)
    candidates = results.units if unit_ids is None else unit_ids & results.units.keys()
    shown = [uid for uid in candidates if results.is_visible(uid)]
    leaders = _leaders(shown)
    expected = [uid for uid in shown if leaders.get(uid)]
    meetings: dict[int, DialogueMeeting] = {}
    unlinked = Q(round__isnull=True, held_on__gte=round_.closes_on)
    if following is not None:
        unlinked &= Q(held_on__lt=following.closes_on)
    for meeting in DialogueMeeting.objects.filter(
        Q(round=round_) | unlinked, unit_id__in=expected
    ).order_by("held_on", "pk"):
        meetings.setdefault(meeting.unit_id, meeting)
    due = meeting_due_on(round_)
    return [
        UnitDialogue(
            unit=results.units[uid],
            round=round_,
            due_on=due,
            meeting=meetings.get(uid),
            leaders=leaders[uid],
        )
        for uid in sorted(expected, key=lambda u: results.units[u].path)
    ]


def latest_dialogues(
    today: dt.date, *, until: dt.date | None = None, unit_ids: set[int] | None = None
) -> list[UnitDialogue]:
    """Per unit, its dialogue after the latest closed round that covered it
    (only for `unit_ids` when given)."""
    rounds = closed_rounds(until or today)
    found: dict[int, UnitDialogue] = {}
    oldest = (until or today) - dt.timedelta(days=FOLLOW_ROUNDS_DAYS)
    for index in range(len(rounds) - 1, -1, -1):
        round_ = rounds[index]
        if round_.closes_on < oldest:
            break
        following = rounds[index + 1] if index + 1 < len(rounds) else None
        for dialogue in dialogues(round_, following=following, unit_ids=unit_ids):
            found.setdefault(dialogue.unit.pk, dialogue)
    return sorted(found.values(), key=lambda d: d.unit.path)


def actions_to_follow():
    """Actions still open, or not yet checked (dropped ones need no check), oldest due first."""
    return (
        DialogueAction.objects.filter(
            Q(status=ActionStatus.OPEN)
            | Q(checked_on__isnull=True) & ~Q(status=ActionStatus.DROPPED)
        )
        .select_related("meeting__unit", "meeting__round")
        .order_by("due_on", "pk")
    )


# --- the follow-ups offered to the overview -----------------------------------------


def _recent(done_on: dt.date | None, today: dt.date) -> bool:
    return done_on is None or done_on >= today - dt.timedelta(days=RECENT_DAYS)


def _led_units(owner_id: int) -> set[int]:
    """The units where the user is placed as an active leader."""
    return set(
        Person.objects.filter(user_id=owner_id, is_active=True, is_leader=True).values_list(
            "unit_id", flat=True
        )
    )


def _meeting_followups(*, scope, owner_id, today) -> list[FollowUp]:
    found: list[FollowUp] = []
    # One owner's front page looks only at the units they lead, not at every
    # unit of every round (a meeting's owner is a leader placed in its unit).
    led = _led_units(owner_id) if owner_id is not None else None
    if led is not None and not led:
        return found
    for dialogue in latest_dialogues(today, unit_ids=led):
        if not in_scope(dialogue.unit.path, scope):
            continue
        users = [uid for uid, _name in dialogue.leaders if uid]
        if owner_id is not None and owner_id not in users:
            continue
        held = dialogue.meeting
        if held is not None and not _recent(held.held_on, today):
            continue
        owner = owner_id if owner_id is not None else (users[0] if users else None)
        names = [name for uid, name in dialogue.leaders if uid == owner] or [
            name for _uid, name in dialogue.leaders
        ]
        found.append(
            FollowUp(
                kind=KIND_MEETING,
                kind_label=_("Dialogue meeting after a round"),
                title=_("Dialogue meeting in %(unit)s on %(round)s")
                % {"unit": dialogue.unit.name, "round": dialogue.round.name},
                url=reverse("compass:dialogue", args=[dialogue.unit.pk]),
                due_on=dialogue.due_on,
                owner_id=owner,
                owner_name=names[0] if names else "",
                unit_id=dialogue.unit.pk,
                done=held is not None,
                done_on=held.held_on if held else None,
            )
        )
    return found


def _action_owner(action: DialogueAction, leaders) -> tuple[int | None, str]:
    user = action.meeting.created_by
    if user is not None:
        return user.pk, user.get_full_name() or user.username
    first = next(iter(leaders.get(action.meeting.unit_id, [])), (None, ""))
    return first


def _action_followups(*, scope, owner_id, today) -> list[FollowUp]:
    since = today - dt.timedelta(days=RECENT_DAYS)
    actions = (
        DialogueAction.objects.filter(
            Q(status=ActionStatus.OPEN)
            | Q(closed_on__gte=since)
            | Q(checked_on__isnull=True)
            | Q(checked_on__gte=since)
        )
        .select_related("meeting__unit", "meeting__created_by")
        .order_by("due_on", "pk")
    )
    if scope is not None and not scope.everything:
        actions = actions.filter(meeting__unit__path__startswith=scope.path)
    if owner_id is not None:
        # An action's owner: the meeting's author, else a leader of its unit.
        actions = actions.filter(
            Q(meeting__created_by_id=owner_id)
            | Q(meeting__created_by__isnull=True, meeting__unit_id__in=_led_units(owner_id))
        )
    actions = list(actions)
    leaders = _leaders({a.meeting.unit_id for a in actions})
    found = []
    for action in actions:
        owner, name = _action_owner(action, leaders)
        if owner_id is not None and owner != owner_id:
            continue
        url = reverse("compass:dialogue", args=[action.meeting.unit_id])
        closed = action.status != ActionStatus.OPEN
        if not closed or (action.closed_on is not None and _recent(action.closed_on, today)):
            found.append(
                FollowUp(
                    kind=KIND_ACTION,
                    kind_label=_("Action from a dialogue meeting"),
                    title=action.title,
                    url=url,
                    due_on=action.due_on,
                    owner_id=owner,
                    owner_name=name,
                    unit_id=action.meeting.unit_id,
                    done=closed,
                    done_on=action.closed_on,
                )
            )
        if needs_check(action) and _recent(action.checked_on, today):
            found.append(
                FollowUp(
                    kind=KIND_CHECK,
                    kind_label=_("Check: did the action work?"),
                    title=action.title,
                    url=reverse("compass:action_check", args=[action.pk]),
                    due_on=check_due_on(action),
                    owner_id=owner,
                    owner_name=name,
                    unit_id=action.meeting.unit_id,
                    done=action.checked_on is not None,
                    done_on=action.checked_on,
                )
            )
    return found


def followups(*, scope: Scope | None, owner_id: int | None, today: dt.date) -> list[FollowUp]:
    """Dialogue meetings owed after a round, their actions and the checks of the actions."""
    found = _meeting_followups(scope=scope, owner_id=owner_id, today=today)
    found += _action_followups(scope=scope, owner_id=owner_id, today=today)
    found.sort(key=lambda f: (f.done, f.due_on or dt.date.max, f.title))
    return found
