"""While the database is away (a restart), an answer is refused clearly and can be sent again."""

import re

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from tillid.compass import services
from tillid.compass.models import Invitation, Response
from tillid.compass.tests.conftest import answers_for


def _down(*args, **kwargs):
    raise OperationalError("connection to server failed: the database system is shutting down")


@pytest.mark.django_db
def test_an_answer_is_refused_in_danish_and_kept_for_sending_again(
    client, open_round, instruments, monkeypatch
):
    _round, tokens = open_round
    token = tokens["N0"]
    url = reverse("compass:answer", args=[token])
    client.get(url)  # the answering page sets the CSRF cookie
    data = {f"q_{code}": "4" for code in answers_for(instruments.employee)}
    data["q_cul1"] = "2"
    data["comment"] = "Mere tid til borgerne"
    monkeypatch.setattr(services, "submit_response", _down)
    refused = client.post(url, data)
    assert refused.status_code == 503
    assert refused["Retry-After"] == "5"
    html = refused.content.decode()
    assert "Dit svar er ikke sendt endnu" in html
    assert "Intet er gemt" in html
    assert not Invitation.objects.filter(used=True).exists()
    # The page holds every answer in a form that sends them again to the same link.
    kept = dict(re.findall(r'<input type="hidden" name="(q_\w+|comment)" value="([^"]*)">', html))
    assert kept == data
    assert f'action="{url}"' in html
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    monkeypatch.undo()
    again = client.post(url, {**kept, "csrfmiddlewaretoken": csrf})
    assert again.status_code == 303
    assert Response.objects.get().comment == "Mere tid til borgerne"


@pytest.mark.django_db
def test_any_page_says_try_again_in_a_moment_without_the_database(roles, monkeypatch):
    from tillid.organisation import selectors

    client = Client(raise_request_exception=False)
    client.force_login(roles.consultant)
    monkeypatch.setattr(selectors, "root_units", _down)
    page = client.get(reverse("organisation:tree"))
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    assert "Prøv igen om et øjeblik" in page.content.decode()
