"""The demo register on the fixture organisation: every state, deterministic for the seed."""

import pytest

from tillid.governance import selectors
from tillid.governance.demo import build_demo
from tillid.governance.models import (
    Activity,
    Assessment,
    BalanceBaseline,
    Decision,
    Item,
    RedTapeReport,
    ReportStatus,
    Review,
    ReviewStatus,
)
from tillid.organisation import services as org_services
from tillid.organisation.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_logins(org, make_user):
    make_user(Role.CONSULTANT, None, username="konsulent")
    org_services.create_user_for_person(person=org.people["P1"], username="leder")
    org_services.create_user_for_person(person=org.people["P2"], username="medarbejder")


def _snapshot():
    return (
        list(Item.objects.order_by("reference").values_list("reference", "title", "introduced_on")),
        list(
            Activity.objects.order_by("item__reference", "pk").values_list(
                "name", "minutes_per_occurrence", "retired_on"
            )
        ),
        sorted(
            Assessment.objects.values_list(
                "item__reference", "professional", "meaningful", "comment"
            )
        ),
        list(
            Review.objects.order_by("item__reference").values_list(
                "status", "decision", "decided_on"
            )
        ),
        list(
            RedTapeReport.objects.order_by("title").values_list("title", "status", "is_anonymous")
        ),
    )


def _clear():
    RedTapeReport.objects.all().delete()
    Review.objects.all().delete()
    Item.objects.update(controls=None, compensated_by=None)
    Item.objects.all().delete()
    BalanceBaseline.objects.all().delete()


def test_demo_covers_every_state_and_is_deterministic(org, demo_logins):
    lines = []
    build_demo(seed=7, log=lines.append)
    assert lines
    assert Item.objects.count() >= 25
    assert {r.status for r in Review.objects.all()} == set(ReviewStatus.values)
    assert {r.decision for r in Review.objects.exclude(decision="")} == set(Decision.values)
    assert {r.status for r in RedTapeReport.objects.all()} == set(ReportStatus.values)
    assert RedTapeReport.objects.filter(is_anonymous=True, reporter__isnull=True).exists()
    assert RedTapeReport.objects.filter(item__isnull=False, review__isnull=False).exists()
    assert Assessment.objects.exists()
    # The leader's care home carries burden, and the balance shows removals.
    totals = selectors.unit_totals()
    assert totals[org.care_home.pk].hours > 0
    assert selectors.balance().removed.hours > 0
    assert selectors.deep_control_chains()
    first = _snapshot()
    _clear()
    build_demo(seed=7, log=lambda line: None)
    assert _snapshot() == first
