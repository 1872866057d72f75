"""The demo register on the fixture organisation: every state, deterministic for the seed."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from tillid.core.indicators import Period, Scope, Status
from tillid.governance import followup, indicators, selectors
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
        sorted(
            RedTapeReport.objects.values_list(
                "title", "status", "is_anonymous", "reported_on", "due_on", "answered_on"
            )
        ),
        sorted(
            Review.objects.values_list(
                "item__reference", "decided_on", "follow_up_on", "follow_up_verdict"
            ),
            key=str,
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
    # Two years of history for the overview: decisions with verdicts and overdue
    # follow-ups, a granted and a waiting escalation, late and answered reports.
    today = timezone.localdate()
    decided = Review.objects.filter(status=ReviewStatus.DECIDED)
    assert decided.filter(decided_on__lt=today - timedelta(days=365)).exists()
    assert decided.exclude(follow_up_verdict="").exists()
    assert decided.filter(follow_up_verdict="", follow_up_on__lt=today).exists()
    assert Review.objects.filter(escalation_answer="granted").exists()
    assert Review.objects.filter(escalation_answer="waiting").exists()
    assert RedTapeReport.objects.filter(followup.late_q(today)).exists()
    assert RedTapeReport.objects.filter(answered_on__lte=F("due_on")).exists()
    assert RedTapeReport.objects.filter(reported_on__lt=today - timedelta(days=365)).exists()
    found = {
        i.code: i
        for i in indicators.indicators(
            scope=Scope(), period=Period(today - timedelta(days=729), today)
        )
    }
    for code in (
        "governance.council_decided",
        "governance.council_waiting",
        "governance.hours_freed",
        "governance.register_coverage",
        "governance.reviews",
        "governance.review_lead_time",
        "governance.red_tape_received",
        "governance.red_tape_within_promise",
    ):
        assert found[code].value, code
        assert found[code].status != Status.NO_DATA, code
        assert sum(1 for p in found[code].trend if p.value) >= 2, code
    first = _snapshot()
    _clear()
    build_demo(seed=7, log=lambda line: None)
    assert _snapshot() == first
