"""Each delegation write that spans several tables saves all or nothing."""

import pytest

from tillid.core.tests.atomic import LastStepFailed, fail_update, snapshot
from tillid.delegation.models import Breach
from tillid.delegation.tests.helpers import breach, dose

pytestmark = pytest.mark.django_db


def test_record_dosing_after_a_breach(org, roles, monkeypatch):
    person = org.people["P2"]
    first = dose(person, roles.leader)
    bruised = breach(first, roles.leader)
    before = snapshot("delegation")
    fail_update(monkeypatch, Breach)  # linking the breach to the new dosing comes last
    with pytest.raises(LastStepFailed):
        dose(person, roles.leader, ratings=(2, 3, 3), breach=bruised)
    assert snapshot("delegation") == before
