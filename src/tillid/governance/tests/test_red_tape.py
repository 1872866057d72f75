"""Red-tape reports: anonymous or not, the Meningssamling queue, follow-up by the reporter."""

import re

import pytest
from django.urls import reverse

from tillid.governance import selectors
from tillid.governance.models import RedTapeReport, ReportStatus
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


def _report(client, **extra):
    data = {
        "title": "Dobbelt registrering",
        "description": "Vi skriver det samme to steder.",
        "minutes_per_week": "30",
        "suggestion": "Ét system.",
    }
    data.update(extra)
    return client.post(reverse("governance:red_tape_new"), data)


def _code(response) -> str:
    return re.search(
        r'data-testid="follow-up-code">([A-Z0-9-]+)<', response.content.decode()
    ).group(1)


def test_named_report_is_followed_under_my_reports(client, org, roles):
    login(client, roles.employee)
    response = _report(client)
    assert response.status_code == 200
    report = RedTapeReport.objects.get()
    assert report.reporter == roles.employee
    assert report.unit == org.team_north
    mine = client.get(reverse("governance:red_tape_mine"))
    assert list(mine.context["page_obj"].object_list) == [report]


def test_anonymous_report_stores_no_link_and_code_follows_it(client, org, roles):
    login(client, roles.employee)
    response = _report(client, anonymous="on")
    code = _code(response)
    report = RedTapeReport.objects.get()
    assert report.reporter is None
    assert report.unit is None
    assert report.is_anonymous
    assert code not in report.follow_up_hash
    assert (
        list(client.get(reverse("governance:red_tape_mine")).context["page_obj"].object_list) == []
    )
    # The handler answers.
    login(client, roles.consultant)
    queue = client.get(reverse("governance:queue"))
    assert report in queue.context["page_obj"].object_list
    assert "Anonym" in queue.content.decode()
    client.post(
        reverse("governance:queue_report", args=[report.pk]),
        {"status": "resolved", "answer": "Vi har fjernet den ene registrering."},
    )
    # The reporter follows up with the code, from a fresh session.
    client.logout()
    login(client, roles.employee)
    page = client.post(reverse("governance:red_tape_follow_up"), {"code": code.lower()})
    assert page.context["report"] == report
    assert "Vi har fjernet den ene registrering." in page.content.decode()
    page = client.post(reverse("governance:red_tape_follow_up"), {"code": code, "text": "Tak!"})
    assert page.context["sent"]
    report.refresh_from_db()
    assert report.reporter_reply == "Tak!"
    # Nothing in the session links the reporter to the report.
    assert report.follow_up_hash not in str(dict(client.session))
    assert code not in str(dict(client.session))


def test_wrong_code_is_refused_in_danish(client, roles):
    login(client, roles.employee)
    page = client.post(reverse("governance:red_tape_follow_up"), {"code": "AAAA-BBBB-CCCC"})
    assert page.context["report"] is None
    assert "Ingen indberetning har den kode." in page.content.decode()


def test_rejection_needs_a_reason(client, roles):
    login(client, roles.employee)
    _report(client)
    report = RedTapeReport.objects.get()
    login(client, roles.consultant)
    response = client.post(
        reverse("governance:queue_report", args=[report.pk]), {"status": "rejected", "answer": ""}
    )
    assert "Giv begrundelsen for at afvise indberetningen" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.NEW
    client.post(
        reverse("governance:queue_report", args=[report.pk]),
        {"status": "rejected", "answer": "Kravet er lovbestemt."},
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.REJECTED
    assert report.status_changed_on is not None


def test_only_handlers_see_the_queue(client, roles):
    # Politicians and top management read it (test_reviews_cocreated); nobody else.
    for user in (roles.employee, roles.leader, roles.med_tr):
        login(client, user)
        assert client.get(reverse("governance:queue")).status_code == 403


def test_report_about_item_links_open_review_and_counts_in_ranking(
    client, org, roles, item_factory
):
    from tillid.governance import services

    item = item_factory(title="Nøgleskab", units=[org.care_home])
    review = services.open_review(item=item, user=roles.consultant, stake_groups=["employees"])
    login(client, roles.employee)
    _report(client, item=item.reference, title="")
    report = RedTapeReport.objects.get()
    assert report.item == item
    assert report.review == review
    assert report.title == "Nøgleskab"
    assert selectors.open_report_counts() == {item.pk: 1}
    rows = selectors.ranking()
    assert rows[0]["reports"] == 1


def test_report_without_item_or_title_is_refused(client, roles):
    login(client, roles.employee)
    response = _report(client, title="")
    assert "Sig, hvilken styring det er" in response.content.decode()
    assert not RedTapeReport.objects.exists()


def test_area_handler_sees_only_reports_from_the_area(roles, org):
    from tillid.organisation.permissions import Perm, scope_for

    inside = RedTapeReport.objects.create(
        title="a", description="a", unit=org.team_north, reported_on="2025-01-01"
    )
    RedTapeReport.objects.create(
        title="b", description="b", unit=org.school, reported_on="2025-01-01"
    )
    RedTapeReport.objects.create(
        title="c", description="c", is_anonymous=True, reported_on="2025-01-01"
    )
    scope = scope_for(roles.area_consultant, Perm.HANDLE_RED_TAPE)
    assert list(selectors.report_queue(scope=scope)) == [inside]
