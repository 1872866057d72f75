"""The demo municipality gives the effect pages something to show (issue 12.5): a
decision with clear evidence, one with an indication, and ones that cannot tell,
gathered the way the pages do, through the contracts."""

from io import StringIO

import pytest
from django.core.management import call_command

from tillid.governance.models import Review
from tillid.organisation.permissions import Scope
from tillid.overview.effects import data
from tillid.overview.effects.grade import Grade

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_the_demo_has_an_effect_an_indication_and_a_cannot_tell():
    call_command("demo_municipality", "--employees", "1500", "--seed", "2026", stdout=StringIO())
    outcome = data.outcome_choices()[0][0]
    grades = set()
    for review in Review.objects.exclude(decision="").filter(decided_on__isnull=False):
        found = data.treatment(decision_id=review.pk)
        effect = data.effect_data(
            found, outcome=outcome, comparison=data.COMPARE_AREA, scope=Scope(everything=True)
        )
        if effect.evidence is not None:
            grades.add(effect.evidence.grade)
    assert Grade.CLEAR_EVIDENCE in grades
    assert Grade.INDICATION in grades
    assert Grade.CANNOT_TELL in grades
