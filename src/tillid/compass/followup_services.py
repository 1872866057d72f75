"""Writes of the compass's follow-up loop: closing a dialogue action, and its check.

After a round each unit holds a dialogue meeting on its results; the actions
agreed there get an owner and a due date, and some time after the meeting
(settings.TILLID_DIALOGUE_CHECK_DAYS) the unit is asked whether each action
worked, recorded as the leader's verdict and the team's. Each function is one
transaction and validates before writing; permission checks are the caller's.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.compass.models import ActionStatus, ActionVerdict, DialogueAction


@transaction.atomic
def set_action_status(
    *, action: DialogueAction, status: str, follow_up: str = ""
) -> DialogueAction:
    """Open, done or dropped, with a note; the day it was closed is kept."""
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    if status == ActionStatus.OPEN:
        action.closed_on = None
    elif action.status != status or action.closed_on is None:
        action.closed_on = timezone.localdate()
    action.status = status
    action.follow_up = follow_up.strip()
    action.save(update_fields=["status", "follow_up", "closed_on"])
    return action


@transaction.atomic
def record_action_check(
    *, action: DialogueAction, leader_verdict: str, team_verdict: str, note: str = "", user
) -> DialogueAction:
    """Did the action work? The leader's verdict and the team's, as agreed with the team."""
    errors = {}
    if leader_verdict not in ActionVerdict.values:
        errors["leader_verdict"] = _("Choose the leader's verdict.")
    if team_verdict not in ActionVerdict.values:
        errors["team_verdict"] = _("Choose the team's verdict.")
    if leader_verdict != team_verdict and not note.strip():
        errors["note"] = _(
            "The leader and the team see it differently: write down what each of you found."
        )
    if errors:
        raise ValidationError(errors)
    action.leader_verdict = leader_verdict
    action.team_verdict = team_verdict
    action.check_note = note.strip()
    action.checked_on = timezone.localdate()
    action.checked_by = user
    action.save(
        update_fields=["leader_verdict", "team_verdict", "check_note", "checked_on", "checked_by"]
    )
    return action
