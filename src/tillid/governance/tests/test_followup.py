"""The follow-up loop in governance: red-tape reports and four-F decisions get an owner,
a due date and a visible answer; late ones are listed (issue 11)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tillid.core.indicators import Scope
from tillid.governance import followup, services
from tillid.governance.models import (
    EscalationAnswer,
    FollowUpVerdict,
    ItemStatus,
    Layer,
    RedTapeReport,
    ReportStatus,
    ReviewStatus,
)
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = timezone.localdate()


def _report(user, title="Dobbelt registrering", **extra):
    report, _code = services.report_red_tape(
        user=user, title=title, description="Vi skriver det samme to steder.", **extra
    )
    return report


def _decided(roles, item, decision="remove", on=None, **extra):
    review = services.open_review(item=item, user=roles.consultant, stake_groups=["employees"])
    return services.decide_review(
        review=review,
        user=roles.consultant,
        decision=decision,
        rationale="Det gav ingen ny viden.",
        decided_on=on or TODAY - dt.timedelta(days=10),
        **extra,
    )


# --- red tape ------------------------------------------------------------------------


def test_a_report_is_promised_an_answer_and_the_first_answer_is_dated(roles, settings):
    settings.TILLID_RED_TAPE_PROMISE_DAYS = 10
    report = _report(roles.employee)
    assert report.due_on == TODAY + dt.timedelta(days=10)
    assert report.answered_on is None
    services.handle_report(report=report, status=ReportStatus.EXAMINING)
    assert report.answered_on is None  # no answer in writing yet
    services.handle_report(report=report, status=ReportStatus.EXAMINING, answer="Vi ser på det.")
    assert report.answered_on == TODAY
    RedTapeReport.objects.filter(pk=report.pk).update(answered_on=TODAY - dt.timedelta(days=3))
    report.refresh_from_db()
    services.handle_report(report=report, status=ReportStatus.RESOLVED, answer="Skemaet er væk.")
    assert report.answered_on == TODAY - dt.timedelta(days=3)  # the first answer counts


def test_the_reporter_sees_the_promise_and_the_date_of_the_answer(client, roles):
    report = _report(roles.employee)
    login(client, roles.employee)
    page = client.get(reverse("governance:red_tape_report_mine", args=[report.pk]))
    assert "Du er lovet et svar senest" in page.content.decode()
    services.handle_report(report=report, status=ReportStatus.RESOLVED, answer="Fjernet.")
    page = client.get(reverse("governance:red_tape_report_mine", args=[report.pk]))
    assert "Besvaret" in page.content.decode()


def test_the_meningssamling_chooses_a_responsible(client, roles):
    report = _report(roles.employee)  # from Team Nord, in Social og Sundhed
    login(client, roles.consultant)
    url = reverse("governance:queue_assign", args=[report.pk])
    page = client.get(url)
    candidates = set(page.context["form"].fields["assignee"].queryset)
    # The organisation-wide consultant and administrator, and the one for Social og Sundhed.
    assert {roles.consultant, roles.area_consultant, roles.administrator} <= candidates
    assert roles.employee not in candidates
    assert roles.leader not in candidates
    response = client.post(url, {"assignee": roles.area_consultant.pk})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.assignee == roles.area_consultant
    response = client.post(url, {"assignee": roles.employee.pk})
    assert response.status_code == 200
    assert "Marker en gyldig valgmulighed" in response.content.decode()
    report.refresh_from_db()
    assert report.assignee == roles.area_consultant


def test_someone_who_may_not_answer_cannot_be_made_responsible(org, roles):
    report = _report(roles.other_employee)  # from Egeskolen, in Børn og Unge
    with pytest.raises(ValidationError, match="Meningssamling"):
        services.assign_report(report=report, assignee=roles.area_consultant, user=None)
    anonymous = _report(roles.employee, anonymous=True)
    with pytest.raises(ValidationError):
        services.assign_report(report=anonymous, assignee=roles.area_consultant, user=None)
    services.assign_report(report=anonymous, assignee=roles.consultant, user=None)


def test_late_reports_are_listed_for_the_meningssamling(client, roles):
    late = _report(roles.employee, title="Sen")
    answered = _report(roles.employee, title="Besvaret i tide")
    waiting = _report(roles.employee, title="Inden for fristen")
    RedTapeReport.objects.filter(pk__in=[late.pk, answered.pk]).update(
        reported_on=TODAY - dt.timedelta(days=40), due_on=TODAY - dt.timedelta(days=10)
    )
    services.handle_report(report=answered, status=ReportStatus.RESOLVED, answer="Løst.")
    login(client, roles.consultant)
    page = client.get(reverse("governance:queue"), {"late": "1"})
    assert list(page.context["page_obj"].object_list) == [late]
    assert "(for sent)" in page.content.decode()
    everything = client.get(reverse("governance:queue"))
    assert set(everything.context["page_obj"].object_list) == {late, answered, waiting}


def test_the_responsible_finds_the_report_among_their_follow_ups(roles):
    report = _report(roles.employee, title="Kursusansøgning i tre skemaer")
    services.assign_report(report=report, assignee=roles.consultant, user=None)
    RedTapeReport.objects.filter(pk=report.pk).update(due_on=TODAY - dt.timedelta(days=1))
    found = followup.followups(scope=None, owner_id=roles.consultant.pk, today=TODAY)
    assert [(f.kind, f.title, f.owner_id, f.done) for f in found] == [
        ("red_tape", "Kursusansøgning i tre skemaer", roles.consultant.pk, False)
    ]
    assert found[0].is_late(TODAY)
    assert found[0].url == reverse("governance:queue_report", args=[report.pk])
    services.handle_report(report=report, status=ReportStatus.RESOLVED, answer="Ét skema nu.")
    (done,) = followup.followups(scope=None, owner_id=roles.consultant.pk, today=TODAY)
    assert (done.done, done.done_on, done.is_late(TODAY)) == (True, TODAY, False)
    # Long answered, it leaves the list.
    later = TODAY + dt.timedelta(days=followup.RECENT_DAYS + 1)
    assert followup.followups(scope=None, owner_id=roles.consultant.pk, today=later) == []
    assert followup.followups(scope=None, owner_id=roles.area_consultant.pk, today=TODAY) == []


def test_a_scope_lists_reports_only_where_enough_have_reported(org, roles, settings):
    """A team's list would say who in it has complained: it needs k reporters."""
    settings.TILLID_ANONYMITY_MIN_GROUP = 3
    for n in range(2):
        RedTapeReport.objects.create(
            title=f"Nord {n}", description="x", unit=org.team_north, reported_on=TODAY
        )
    for n in range(4):
        RedTapeReport.objects.create(
            title=f"Skole {n}", description="x", unit=org.primary, reported_on=TODAY
        )

    def listed(unit):
        scope = Scope() if unit is None else Scope(unit_id=unit.pk, path=unit.path)
        return followup.followups(scope=scope, owner_id=None, today=TODAY)

    assert listed(org.team_north) == []
    assert len(listed(org.primary)) == 4
    # Team Nord's two would follow from the whole list minus Indskoling's: the engine
    # leaves them out of every scope's list (their responsible still sees them).
    everything = listed(None)
    assert len(everything) == 4
    for n in range(3):
        RedTapeReport.objects.create(
            title=f"Syd {n}", description="x", unit=org.team_south, reported_on=TODAY
        )
    assert listed(org.team_north) == []
    assert len(listed(None)) == 9
    # No reporter's words and no unit in a scope's list.
    assert all(
        f.unit_id is None and f.title.startswith("Bøvl-indberetning fra") for f in everything
    )


# --- four-F decisions ---------------------------------------------------------------------


@pytest.fixture
def item(org, item_factory):
    return item_factory(
        title="Stikprøver",
        units=[org.care_home],
        minutes_per_occurrence=D(10),
        occurrences_per_year=D(12),
    )


def test_a_decision_is_followed_up_six_months_later_by_its_facilitator(roles, item, settings):
    settings.TILLID_DECISION_FOLLOW_UP_MONTHS = 6
    review = _decided(roles, item, on=dt.date(2026, 5, 31))
    assert review.follow_up_on == dt.date(2026, 11, 30)
    (found,) = followup.followups(scope=None, owner_id=roles.consultant.pk, today=TODAY)
    assert (found.kind, found.title, found.due_on, found.done) == (
        "decision",
        "Stikprøver",
        dt.date(2026, 11, 30),
        False,
    )
    assert found.is_late(dt.date(2026, 12, 1))
    assert found.url == reverse("governance:review_follow_up", args=[review.pk])


def test_the_facilitator_records_the_verdict_with_what_was_found(client, roles, item):
    review = _decided(roles, item)
    url = reverse("governance:review_follow_up", args=[review.pk])
    login(client, roles.consultant)
    follow_up_on = (TODAY + dt.timedelta(days=30)).isoformat()
    response = client.post(url, {"follow_up_on": follow_up_on, "verdict": "worked", "note": ""})
    assert response.status_code == 200
    assert "Skriv, hvad opfølgningen viste." in response.content.decode()
    review.refresh_from_db()
    assert review.followed_up_on is None
    response = client.post(url, {"follow_up_on": "2000-01-01", "verdict": ""})
    assert "Opfølgningsdatoen kan ikke ligge før beslutningen." in response.content.decode()
    # Moving the date alone.
    client.post(url, {"follow_up_on": follow_up_on, "verdict": ""})
    review.refresh_from_db()
    assert (review.follow_up_on.isoformat(), review.followed_up_on) == (follow_up_on, None)
    response = client.post(
        url,
        {
            "follow_up_on": follow_up_on,
            "verdict": FollowUpVerdict.WORKED,
            "note": "Medarbejderne bruger ikke længere tid på stikprøverne.",
        },
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.follow_up_verdict, review.followed_up_on, review.followed_up_by) == (
        "worked",
        TODAY,
        roles.consultant,
    )
    page = client.get(reverse("governance:review", args=[review.pk])).content.decode()
    assert "Det virkede som besluttet" in page
    (found,) = followup.followups(scope=None, owner_id=roles.consultant.pk, today=TODAY)
    assert found.done
    assert found.done_on == TODAY


def test_only_those_who_manage_the_item_record_a_follow_up(client, roles, item):
    review = _decided(roles, item)
    url = reverse("governance:review_follow_up", args=[review.pk])
    login(client, roles.politician)
    assert client.get(url).status_code == 200
    assert client.get(url).context["form"] is None
    assert client.post(url, {"follow_up_on": TODAY.isoformat()}).status_code == 403


def test_an_escalation_waits_for_the_state_and_its_grant_removes_the_item(
    client, org, roles, item_factory
):
    item = item_factory(
        title="Samtalekrav",
        layer=Layer.STATE,
        units=[org.care_home],
        minutes_per_occurrence=D(30),
        occurrences_per_year=D(4),
    )
    review = _decided(roles, item, on=TODAY - dt.timedelta(days=60))
    assert review.status == ReviewStatus.ESCALATED
    assert review.escalation_answer == EscalationAnswer.WAITING
    (found,) = followup.followups(scope=None, owner_id=roles.consultant.pk, today=TODAY)
    assert (found.kind, found.done) == ("escalation", False)
    login(client, roles.consultant)
    url = reverse("governance:review_follow_up", args=[review.pk])
    response = client.post(
        url,
        {"follow_up_on": TODAY.isoformat(), "answer": "granted", "answered_on": "", "note": ""},
    )
    body = response.content.decode()
    assert "Angiv datoen for svaret." in body
    assert "Skriv, hvad svaret sagde." in body
    response = client.post(
        url,
        {
            "follow_up_on": TODAY.isoformat(),
            "answer": "granted",
            "answered_on": (TODAY - dt.timedelta(days=5)).isoformat(),
            "note": "Ministeriet giver frikommuneforsøg i tre år.",
        },
    )
    assert response.status_code == 302
    review.refresh_from_db()
    item.refresh_from_db()
    assert (review.status, review.minutes_after) == (ReviewStatus.DECIDED, 0)
    assert (item.status, item.ended_on) == (ItemStatus.REMOVED, TODAY - dt.timedelta(days=5))
    (found,) = followup.followups(scope=None, owner_id=roles.consultant.pk, today=TODAY)
    assert (found.kind, found.done) == ("decision", True)


def test_a_refused_escalation_keeps_the_item(roles, org, item_factory):
    item = item_factory(title="Lovkrav", layer=Layer.STATE, units=[org.care_home])
    review = _decided(roles, item)
    services.record_escalation_answer(
        review=review,
        user=roles.consultant,
        follow_up_on=TODAY,
        answer=EscalationAnswer.REFUSED,
        answered_on=TODAY,
        note="Kravet står ved magt.",
    )
    review.refresh_from_db()
    item.refresh_from_db()
    assert (review.status, review.escalation_answer) == (ReviewStatus.ESCALATED, "refused")
    assert item.status == ItemStatus.ACTIVE


def test_a_scope_lists_the_decisions_on_governance_that_binds_it(roles, org, item_factory):
    home = item_factory(title="Plejecentrets regel", units=[org.care_home])
    everyone = item_factory(title="Hele kommunens regel", units=[org.root])
    school = item_factory(title="Skolens regel", units=[org.school])
    for item in (home, everyone, school):
        _decided(roles, item, decision="keep")
    team = Scope(unit_id=org.team_north.pk, path=org.team_north.path)
    titles = {f.title for f in followup.followups(scope=team, owner_id=None, today=TODAY)}
    assert titles == {"Plejecentrets regel", "Hele kommunens regel"}


def test_the_review_page_links_to_the_follow_up(client, roles, item):
    review = _decided(roles, item, decision="keep")
    login(client, roles.consultant)
    page = client.get(reverse("governance:review", args=[review.pk])).content.decode()
    assert reverse("governance:review_follow_up", args=[review.pk]) in page
