"""Answering in short pages: one family of dimensions per page, a progress bar,
the answers carried from page to page, stored only by the last page's send."""

from django.urls import reverse

from tillid.compass import selectors, services
from tillid.compass.instruments import spec_for
from tillid.compass.models import Invitation, Response


def _pages(instruments):
    return selectors.answer_pages(spec_for(instruments.employee))


def test_the_questionnaire_is_split_by_family_and_keeps_every_item_once(instruments):
    pages = _pages(instruments)
    spec = spec_for(instruments.employee)
    assert len(pages) == 4
    assert next(p.title for p in pages) == "Tillidskompassets fire elementer"
    flat = [code for page in pages for code in page.codes]
    assert sorted(flat) == sorted(spec.item_codes)
    assert len(flat) == len(set(flat)) == 55
    assert pages[0].codes[0] == "cul1"
    assert all(0 < len(p.codes) <= 20 for p in pages)


def _post(client, url, data):
    return client.post(url, data)


def test_page_by_page_carries_the_answers_and_only_the_send_stores_them(
    client, open_round, instruments
):
    round_, tokens = open_round
    url = reverse("compass:answer", args=[tokens["N0"]])
    pages = _pages(instruments)
    first = client.get(url)
    html = first.content.decode()
    assert "Side 1 af 4" in html
    assert '<progress max="4" value="1"' in html
    assert html.count('class="tillid-question') == len(pages[0].codes)
    answers = {}
    for index, page in enumerate(pages[:-1]):
        answers.update({f"q_{c}": "4" for c in page.codes})
        response = client.post(url, {**answers, "page": str(index), "go": "next"})
        assert response.status_code == 200
        body = response.content.decode()
        assert f"Side {index + 2} af 4" in body
        # The earlier answers ride along as hidden fields; nothing is stored yet.
        for code in page.codes:
            assert f'name="q_{code}" value="4"' in body
    assert Response.objects.count() == 0
    assert not Invitation.objects.get(round=round_, person__external_id="N0").used
    # Back keeps the answers too.
    back = client.post(url, {**answers, "page": "2", "go": "back"})
    assert "Side 2 af 4" in back.content.decode()
    answers.update({f"q_{c}": "5" for c in pages[-1].codes})
    sent = client.post(url, {**answers, "page": "3", "go": "send", "comment": "Godt"})
    assert sent.status_code == 303
    stored = Response.objects.get()
    assert stored.answers["cul1"] == 4
    assert stored.answers[pages[-1].codes[0]] == 5
    assert len(stored.answers) == 55
    assert stored.comment == "Godt"


def test_a_bad_answer_stays_on_its_page_with_a_danish_message(client, open_round, instruments):
    _round, tokens = open_round
    url = reverse("compass:answer", args=[tokens["N1"]])
    pages = _pages(instruments)
    code = pages[1].codes[0]
    response = client.post(url, {f"q_{code}": "9", "page": "1", "go": "next"})
    body = response.content.decode()
    assert "Side 2 af 4" in body
    assert "Ugyldigt svar" in body
    # On the final send, the page with the bad answer is shown again.
    response = client.post(url, {f"q_{code}": "9", "page": "3", "go": "send"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Side 2 af 4" in body
    assert "Ugyldigt svar" in body
    assert Response.objects.count() == 0
    assert services.invitation_for_token(tokens["N1"]).used is False


def test_the_round_form_picks_the_unit_by_its_path(client, roles, org):
    from tillid.organisation.testing import login

    login(client, roles.consultant)
    html = client.get(reverse("compass:round_new")).content.decode()
    assert "data-unit-picker" in html
    assert 'hx-get="/organisation/enheder/soeg/"' in html
    assert f"{org.care_home.name} › {org.team_north.name}" in html
    assert "<optgroup" in html


def test_letters_name_the_unit_with_its_path_and_a_contact(client, open_round, roles, org):
    from tillid.organisation.testing import login

    round_, _tokens = open_round
    login(client, roles.consultant)
    html = client.post(reverse("compass:round_letters", args=[round_.pk])).content.decode()
    assert f"{org.care_home.name} › {org.team_south.name}" in html
    # No contact set on the round: the consultant who opened it.
    assert f"Spørgsmål om undersøgelsen: {roles.consultant.username}" in html
    round_.contact_name = "Hanne Holm"
    round_.contact_phone = "7070 1234"
    round_.save()
    html = client.post(reverse("compass:round_letters", args=[round_.pk])).content.decode()
    assert "Spørgsmål om undersøgelsen: Hanne Holm" in html
    assert "telefon 7070 1234" in html


def test_the_round_form_takes_a_contact_for_the_letters(client, roles, org, instruments):
    from django.utils import timezone

    from tillid.compass.models import Round
    from tillid.organisation.testing import login

    login(client, roles.consultant)
    today = timezone.localdate()
    response = client.post(
        reverse("compass:round_new"),
        {
            "name": "Vinter",
            "root": org.care_home.pk,
            "instrument": instruments.employee.pk,
            "opens_on": today.isoformat(),
            "closes_on": today.isoformat(),
            "min_group": "5",
            "min_comment_group": "8",
            "contact_name": "Hanne Holm",
            "contact_email": "hanne@egeskov.dk",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    round_ = Round.objects.get(name="Vinter")
    assert round_.contact == {"name": "Hanne Holm", "email": "hanne@egeskov.dk", "phone": ""}
