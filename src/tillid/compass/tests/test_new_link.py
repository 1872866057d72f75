"""An employee sees their open round on the front page and can get a new link
without anyone learning who asked; a double submit sends once."""

from django.core import mail
from django.urls import reverse

from tillid.compass import services
from tillid.compass.models import Invitation, LinkRequest, Mailing
from tillid.compass.tests.conftest import TOKEN_RE, answers_for
from tillid.organisation.testing import login


def _invitation(round_, person):
    return Invitation.objects.get(round=round_, person=person)


def test_the_front_page_shows_the_open_round_until_it_is_answered(
    client, open_round, roles, instruments
):
    _round, tokens = open_round
    login(client, roles.employee)
    home = client.get("/").content.decode()
    assert "Dit svar er ønsket" in home
    assert "Efterår" in home
    assert reverse("compass:mine") in home
    services.submit_response(token=tokens["P2"], answers=answers_for(instruments.employee))
    assert "Dit svar er ønsket" not in client.get("/").content.decode()
    # Someone without an invitation sees no box.
    login(client, roles.consultant)
    assert "Dit svar er ønsket" not in client.get("/").content.decode()


def test_a_new_link_by_email_replaces_the_old_and_records_nobody(
    client, open_round, roles, django_capture_on_commit_callbacks
):
    round_, tokens = open_round
    person = roles.employee.person
    before = _invitation(round_, person)
    mailings = Mailing.objects.count()
    login(client, roles.employee)
    data = {"how": "email", "nonce": "abc123abc123"}
    url = reverse("compass:new_link", args=[round_.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, data)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url, data)  # a double submit
    assert first.status_code == second.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [person.email]
    new_token = TOKEN_RE.search(mail.outbox[0].body).group(1)
    after = _invitation(round_, person)
    assert after.token_hash == services.token_hash(new_token) != before.token_hash
    # The old link stops working, the new one works.
    assert client.get(reverse("compass:answer", args=[tokens["P2"]])).status_code == 404
    assert client.get(reverse("compass:answer", args=[new_token])).status_code == 200
    # Nothing a consultant reads changed: delivery, reminders, mailings.
    assert (after.delivery, after.reminders_sent, after.mailing_id) == (
        before.delivery,
        before.reminders_sent,
        before.mailing_id,
    )
    assert Mailing.objects.count() == mailings
    # The one trace is a nonce hash and a date: no person, invitation or round.
    fields = {f.name for f in LinkRequest._meta.get_fields()}
    assert fields == {"id", "key", "requested_on"}
    assert LinkRequest.objects.count() == 1


def test_a_new_code_on_screen_invalidates_the_old_and_survives_a_double_submit(
    client, open_round, roles
):
    round_, tokens = open_round
    login(client, roles.employee)
    url = reverse("compass:new_link", args=[round_.pk])
    data = {"how": "code", "nonce": "n-1-code-xyz"}
    first = client.post(url, data)
    assert first.status_code == 302
    page = client.get(first["Location"]).content.decode()
    code = TOKEN_RE.search(page).group(1)
    assert services.format_code(code) in page
    second = client.post(url, data)  # same form again: same code, none issued
    assert client.get(second["Location"]).content.decode().count(code) >= 1
    assert _invitation(round_, roles.employee.person).token_hash == services.token_hash(code)
    assert client.get(reverse("compass:answer", args=[tokens["P2"]])).status_code == 404
    assert len(mail.outbox) == 0


def test_no_new_link_for_a_used_invitation_or_someone_not_invited(
    client, open_round, roles, instruments
):
    round_, tokens = open_round
    services.submit_response(token=tokens["P2"], answers=answers_for(instruments.employee))
    login(client, roles.employee)
    response = client.post(
        reverse("compass:new_link", args=[round_.pk]),
        {"how": "code", "nonce": "q" * 12},
        follow=True,
    )
    assert "allerede svaret" in response.content.decode()
    assert "ny-kode" not in response.redirect_chain[-1][0]
    login(client, roles.other_employee)  # Egeskolen: not in the round
    response = client.post(
        reverse("compass:new_link", args=[round_.pk]),
        {"how": "code", "nonce": "r" * 12},
        follow=True,
    )
    assert "ikke inviteret" in response.content.decode()
