"""Co-created reviews in the browser (issue 14.8).

A consultant invites the MED/TR group of Social og Sundhed to a review in one
step; the members are e-mailed; one of them finds the review on the front page
(on a phone) and adds to the dialogue log.
"""

from decimal import Decimal as D

import pytest
from django.core import mail
from django.urls import reverse

from tests.browser.conftest import assert_accessible, js_errors, login
from tillid.governance import services
from tillid.governance.models import ReviewNote, RoleGroup
from tillid.governance.tests.conftest import make_item
from tillid.organisation.models import Role, RoleGrant

pytestmark = pytest.mark.django_db(transaction=True)


def test_consultant_invites_med_tr_and_a_member_adds_to_the_log(
    make_page, phone_page, live_server, org, roles, person_user
):
    RoleGrant.objects.create(person=org.people["P3"], role=Role.MED_TR, unit=org.social)
    RoleGrant.objects.create(person=org.people["P4"], role=Role.MED_TR, unit=org.care_home)
    item = make_item(
        title="Ugentlig optælling af medicinbeholdning",
        units=[org.care_home],
        minutes_per_occurrence=D(20),
        occurrences_per_year=D(52),
    )
    review = services.open_review(
        item=item, user=roles.consultant, stake_groups=["med_tr", "employees"]
    )
    member = person_user(org.people["P3"])

    consultant = make_page()
    login(consultant, live_server, roles.consultant)
    consultant.goto(live_server.url + reverse("governance:review", args=[review.pk]))
    consultant.click("summary:has-text('Invitér en hel gruppe')")
    consultant.select_option("#id_group-role", "med_tr")
    consultant.select_option("#id_group-unit", str(org.social.pk))
    assert_accessible(consultant, "the review with the group invitation open")
    with consultant.expect_navigation():
        consultant.click("form[action$='/inviter-gruppe/'] button")
    assert "2 personer er inviteret" in consultant.content()
    assert "Sofie Jensen (MED/TR)" in consultant.content()
    assert sorted(m.to[0] for m in mail.outbox) == ["p3@egeskov.dk", "p4@egeskov.dk"]
    assert not js_errors(consultant)

    # The MED/TR member, on a phone: the front page names the review.
    login(phone_page, live_server, member)
    panel = phone_page.get_by_text("Gennemgange, du er inviteret til")
    assert panel.is_visible()
    assert_accessible(phone_page, "the front page with the invitation")
    with phone_page.expect_navigation():
        phone_page.click("text=Gennemgang af Ugentlig optælling af medicinbeholdning")
    assert phone_page.url.endswith(reverse("governance:review", args=[review.pk]))
    phone_page.fill(
        "#id_contribution-text", "Vi tæller både mandag og torsdag; én gang ville række."
    )
    assert_accessible(phone_page, "the review as an invited MED/TR member")
    with phone_page.expect_navigation():
        phone_page.click("form[action$='/bidrag/'] button")
    assert "Vi tæller både mandag og torsdag" in phone_page.content()
    note = ReviewNote.objects.get()
    assert (note.role_group, note.author_id) == (RoleGroup.MED_TR, member.pk)
    assert not js_errors(phone_page)
