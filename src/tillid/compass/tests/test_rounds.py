from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tillid.compass import selectors, services
from tillid.compass.instruments import pack_answers, spec_for
from tillid.compass.models import Delivery, Invitation, Response, RoleGroup, Round
from tillid.compass.tests.conftest import TOKEN_RE, answers_for
from tillid.organisation.models import Person
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


def test_consultant_opens_round_and_emails_go_out(
    client, staffed, instruments, roles, django_capture_on_commit_callbacks
):
    login(client, roles.consultant)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("compass:round_new"),
            {
                "name": "Forår",
                "root": staffed.care_home.pk,
                "instrument": instruments.employee.pk,
                "leader_instrument": instruments.leader.pk,
                "opens_on": today.isoformat(),
                "closes_on": (today + timedelta(days=10)).isoformat(),
                "min_group": 5,
                "min_comment_group": 8,
            },
        )
    assert response.status_code == 302, response.context["form"].errors
    round_ = Round.objects.get(name="Forår")
    invitations = Invitation.objects.filter(round=round_)
    # 5 in the fixture + 13 added; Peter and Camilla (school) are not invited.
    assert invitations.count() == 18
    assert invitations.filter(role_group=RoleGroup.LEADER).count() == 2
    # Only hashes are stored, and only for links that went out: the e-mails
    # now; the letters (Team Syd, no e-mail) get theirs when they are printed.
    with_email = invitations.filter(has_email=True)
    assert all(len(i.token_hash) == 64 for i in with_email)
    assert all(i.delivery == Delivery.SENT for i in with_email)
    assert (
        list(invitations.filter(has_email=False).values_list("token_hash", "delivery"))
        == [(None, Delivery.LETTER)] * 5
    )
    assert len(mail.outbox) == with_email.count() == 13
    match = TOKEN_RE.search(mail.outbox[0].body)
    assert match
    assert invitations.filter(token_hash=services.token_hash(match.group(1))).exists()
    mailing = round_.mailings.get()
    assert (mailing.total, mailing.sent, mailing.failed, mailing.finished) == (13, 13, 0, True)
    # The round page says how it went.
    page = client.get(reverse("compass:round", args=[round_.pk]))
    rows = {row["value"]: row["n"] for row in page.context["delivery"]}
    assert rows == {"pending": 0, "sent": 13, "failed": 0, "letter": 5}


def test_round_form_refuses_k_below_three_in_danish(client, staffed, instruments, roles):
    login(client, roles.consultant)
    today = timezone.localdate()
    response = client.post(
        reverse("compass:round_new"),
        {
            "name": "X",
            "root": staffed.care_home.pk,
            "instrument": instruments.employee.pk,
            "opens_on": today.isoformat(),
            "closes_on": (today - timedelta(days=1)).isoformat(),
            "min_group": 2,
            "min_comment_group": 8,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Runden skal lukke" in body
    assert not Round.objects.exists()


def test_leader_cannot_open_rounds(client, staffed, roles):
    login(client, roles.leader)
    assert client.get(reverse("compass:round_new")).status_code == 403


def test_answer_once_and_the_response_is_unlinked(client, open_round, instruments):
    _round, tokens = open_round
    token = tokens["N0"]
    url = reverse("compass:answer", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="viewport"' in body
    assert "<legend" in body  # each question is a fieldset with a legend
    data = {f"q_{code}": "4" for code in answers_for(instruments.employee)}
    data["q_cul1"] = "dk"
    data["comment"] = "Godt samarbejde"
    response = client.post(url, data)
    # Post/redirect/get: the thank-you page can be reloaded without sending again.
    assert response.status_code == 303
    thanks = response["Location"]
    assert token not in thanks
    for _reload in range(2):
        page = client.get(thanks)
        assert page.status_code == 200
        assert "Tak for dine svar" in page.content.decode()
    assert client.get(thanks[:-3] + "xx/").status_code == 404
    stored = Response.objects.get()
    assert stored.unit_id == Person.objects.get(external_id="N0").unit_id
    assert stored.role_group == RoleGroup.EMPLOYEE
    assert stored.submitted_on == timezone.localdate()
    assert "cul1" not in stored.answers  # don't know is missing
    assert stored.answers["cul2"] == 4
    # Nothing on the response points back: no invitation, person or time of day.
    fields = {f.name for f in Response._meta.get_fields()}
    assert fields == {
        "id",
        "round",
        "unit",
        "role_group",
        "submitted_on",
        "answers",
        "packed",
        "comment",
    }
    # The packed copy holds the answers and nothing more.
    spec = spec_for(stored.round.instrument)
    assert stored.packed == pack_answers(spec, stored.answers)
    assert stored.packed[spec.item_codes.index("cul1")] == "-"
    inv = Invitation.objects.get(token_hash=services.token_hash(token))
    assert inv.used
    # A second submission gets a clear Danish message and stores nothing.
    again = client.post(url, data)
    assert again.status_code == 410
    assert "allerede blevet brugt" in again.content.decode()
    assert Response.objects.count() == 1
    assert client.get(url).status_code == 410


def test_unknown_link_and_code_entry(client, open_round):
    _round, tokens = open_round
    assert client.get(reverse("compass:answer", args=["AAAABBBBCCCCDDDD"])).status_code == 404
    code = tokens["S0"]
    typed = "-".join(code[i : i + 4] for i in range(0, 16, 4)).lower()
    response = client.post(reverse("compass:answer_start"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("compass:answer", args=[code])
    wrong = client.post(reverse("compass:answer_start"), {"code": "nope"})
    assert "genkender ikke" in wrong.content.decode()


def test_invalid_answer_value_is_refused_without_using_the_link(open_round):
    _round, tokens = open_round
    with pytest.raises(services.CompassError):
        services.submit_response(token=tokens["N1"], answers={"cul1": 9})
    assert not Invitation.objects.filter(used=True).exists()
    assert not Response.objects.exists()


def test_closed_round_refuses_answers(open_round):
    round_, tokens = open_round
    services.close_round(round_=round_)
    with pytest.raises(services.RoundNotOpen):
        services.submit_response(token=tokens["N1"], answers={})


def test_unit_and_role_are_frozen_at_opening(open_round, staffed):
    _round, tokens = open_round
    person = Person.objects.get(external_id="N2")
    person.unit = staffed.team_south
    person.is_leader = True
    person.save()
    services.submit_response(token=tokens["N2"], answers={"cul1": 3})
    stored = Response.objects.get()
    assert stored.unit_id == staffed.team_north.pk
    assert stored.role_group == RoleGroup.EMPLOYEE


def test_anonymity_settings_lock_with_first_response(open_round):
    round_, tokens = open_round
    services.update_anonymity(round_=round_, min_group=6, min_comment_group=9)
    services.submit_response(token=tokens["N3"], answers={"cul1": 3})
    with pytest.raises(services.CompassError, match="låst"):
        services.update_anonymity(round_=round_, min_group=3, min_comment_group=3)
    round_.refresh_from_db()
    assert (round_.min_group, round_.min_comment_group) == (6, 9)


def test_reminders_go_only_to_non_responders_with_fresh_links(
    open_round, django_capture_on_commit_callbacks
):
    round_, tokens = open_round
    services.submit_response(token=tokens["N0"], answers={"cul1": 3})
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        mailing = services.send_reminders(round_=round_, base_url="http://testserver/")
    # Team Nord has 10 with e-mail, the leader P1 and P4 too: 13 - 1 answered.
    pending = Invitation.objects.filter(round=round_, used=False, has_email=True).count()
    assert mailing.total == pending == 12
    mailing.refresh_from_db()
    assert (mailing.sent, mailing.failed, mailing.finished) == (12, 0, True)
    assert len(mail.outbox) == 12
    assert Invitation.objects.filter(round=round_, reminders_sent=1).count() == 12
    recipients = {m.to[0] for m in mail.outbox}
    assert "n0@egeskov.dk" not in recipients
    assert "n1@egeskov.dk" in recipients
    # The old link no longer works; the new one does.
    with pytest.raises(services.LinkUnknown):
        services.invitation_for_token(tokens["N1"])
    new = TOKEN_RE.search(next(m for m in mail.outbox if m.to == ["n1@egeskov.dk"]).body)
    assert services.invitation_for_token(new.group(1)).person.external_id == "N1"


def test_letters_for_people_without_email(client, open_round, roles):
    round_, _tokens = open_round
    login(client, roles.consultant)
    response = client.post(reverse("compass:round_letters", args=[round_.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('class="letter"') == 5  # the five in Team Syd without e-mail
    assert "Syd 0" in body
    assert "Nord 0" not in body
    assert response["Cache-Control"] == "no-store"
    # Each letter carries its personal link as a QR code, and each link works.
    letters = response.context["letters"]
    assert body.count("<svg") == 5
    assert len({letter.qr_svg for letter in letters}) == 5
    for letter in letters:
        assert letter.url.endswith(f"/tillidskompas/svar/{letter.token}/")
        assert services.invitation_for_token(letter.token).person.name == letter.person_name


def test_live_rates_only_for_units_with_k_invited(client, open_round, roles):
    round_, tokens = open_round
    for ext in ("N0", "N1", "S0"):
        services.submit_response(token=tokens[ext], answers={"cul1": 3})
    login(client, roles.consultant)
    response = client.get(reverse("compass:round", args=[round_.pk]))
    rows = {r.unit.name: r for r in response.context["page_obj"]}
    assert rows["Team Nord"].answered == 2
    assert rows["Plejecenter Egely"].answered == 3
    # Team Syd has 7 invited (>= 5), but the care home minus its two teams is
    # its leader alone (1 invited): one team's count must hide too.
    assert rows["Team Syd"].answered is None
    round_.closed_early = True
    round_.save()
    response = client.get(reverse("compass:round", args=[round_.pk]))
    rows = {r.unit.name: r for r in response.context["page_obj"]}
    assert rows["Team Syd"].answered == 1  # closed: every count may be shown
    round_.closed_early = False
    round_.min_group = 8
    round_.save()
    response = client.get(reverse("compass:round", args=[round_.pk]))
    rows = {r.unit.name: r for r in response.context["page_obj"]}
    assert rows["Team Syd"].answered is None
    assert "Ikke vist, mens runden er åben" in response.content.decode()


def test_instrument_version_in_use_cannot_change(open_round, instruments):
    from tillid.compass import instruments as files

    data = dict(instruments.employee.source)
    data["name"] = {"da": "Ændret", "en": "Changed"}
    with pytest.raises(files.InstrumentFileError):
        services.import_instrument(data=data)
    data["version"] = 2
    new, created = services.import_instrument(data=data)
    assert created
    assert new.version == 2


def test_live_rates_keep_the_tree_the_round_opened_with(open_round, staffed):
    from tillid.organisation.services import rebuild_paths

    round_, tokens = open_round
    services.submit_response(token=tokens["S0"], answers={"cul1": 3})
    before = [(r.unit.pk, r.depth, r.invited, r.answered) for r in selectors.response_rates(round_)]
    # Team Syd moves to the school while the round is open: its invited and
    # answered still count in the care home, where they were when it opened.
    staffed.team_south.parent = staffed.primary
    staffed.team_south.save()
    rebuild_paths()
    after = [(r.unit.pk, r.depth, r.invited, r.answered) for r in selectors.response_rates(round_)]
    assert after == before
    assert [pk for pk, *_ in after] == [
        staffed.care_home.pk,
        staffed.team_north.pk,
        staffed.team_south.pk,
    ]


def test_the_link_lookup_loads_what_the_orm_loads(open_round):
    round_, tokens = open_round
    inv = services.invitation_for_token(tokens["N0"])
    orm = Invitation.objects.select_related("round").get(pk=inv.pk)
    for field in Invitation._meta.concrete_fields:
        assert getattr(inv, field.attname) == getattr(orm, field.attname), field.name
    # The round's simple fields come with the lookup, the rest load on first use.
    assert "tree" in inv.round.get_deferred_fields()
    for field in Round._meta.concrete_fields:
        assert getattr(inv.round, field.attname) == getattr(orm.round, field.attname), field.name
    assert inv.instrument_checksum == round_.instrument.checksum
