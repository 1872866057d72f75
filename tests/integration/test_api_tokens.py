"""API keys: only a hash is stored, the key is shown once, revoked keys stop working."""

import pytest
from django.urls import reverse

from tillid.core.models import ApiToken, hash_token
from tillid.core.selectors import user_for_api_token
from tillid.core.services import create_api_token, revoke_api_token
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


def test_only_the_hash_is_stored(roles):
    token, key = create_api_token(user=roles.consultant, name="  Datavarehus  ")
    assert key.startswith("tl_")
    assert len(key) > 40
    token.refresh_from_db()
    assert token.name == "Datavarehus"
    assert token.token_hash == hash_token(key)
    assert key not in token.token_hash
    assert key[3:9] == token.prefix
    stored = ApiToken.objects.values_list("name", "prefix", "token_hash").get(pk=token.pk)
    assert all(key not in str(value) for value in stored)


def test_keys_are_unique(roles):
    keys = {create_api_token(user=roles.consultant, name=f"k{i}")[1] for i in range(5)}
    assert len(keys) == 5


def test_lookup_by_key(roles):
    token, key = create_api_token(user=roles.consultant, name="x")
    assert user_for_api_token(key) == roles.consultant
    assert user_for_api_token(key + "x") is None
    assert user_for_api_token(key[3:]) is None  # without the tl_ prefix
    assert user_for_api_token("") is None
    revoke_api_token(user=roles.consultant, token_id=token.pk)
    assert user_for_api_token(key) is None


def test_page_creates_a_key_and_shows_it_once(client, roles):
    login(client, roles.consultant)
    response = client.post(reverse("api_tokens"), {"name": "Datavarehus"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith("tl_")
    assert f'<code id="new-api-key">{key}</code>' in response.content.decode()
    token = ApiToken.objects.get(user=roles.consultant)
    assert token.name == "Datavarehus"
    assert token.token_hash == hash_token(key)
    # Shown once: the list afterwards has only the prefix.
    again = client.get(reverse("api_tokens"))
    body = again.content.decode()
    assert key not in body
    assert f"tl_{token.prefix}…" in body
    assert "Datavarehus" in body
    # The key works.
    api = client.get("/api/organisation/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.json()["username"] == "konsulent"


def test_page_rejects_an_empty_name(client, roles):
    login(client, roles.consultant)
    response = client.post(reverse("api_tokens"), {"name": "   "})
    assert response.status_code == 200
    assert response.context["new_key"] is None
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_page_lists_only_own_keys(client, roles):
    create_api_token(user=roles.consultant, name="Mine")
    create_api_token(user=roles.administrator, name="Andres")
    login(client, roles.consultant)
    response = client.get(reverse("api_tokens"))
    assert [t.name for t in response.context["tokens"]] == ["Mine"]
    assert "Andres" not in response.content.decode()


def test_revoke_own_key(client, roles):
    token, key = create_api_token(user=roles.consultant, name="Mine")
    login(client, roles.consultant)
    response = client.post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert user_for_api_token(key) is None
    assert client.get("/api/organisation/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    # Revoking twice changes nothing and says so.
    revoked_at = token.revoked_at
    client.post(reverse("api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at == revoked_at


def test_someone_elses_key_cannot_be_revoked(client, roles):
    token, key = create_api_token(user=roles.administrator, name="Andres")
    login(client, roles.consultant)
    response = client.post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None
    assert user_for_api_token(key) == roles.administrator
    assert not revoke_api_token(user=roles.consultant, token_id=token.pk)


def test_revoke_needs_post_and_login(client, roles):
    token, _key = create_api_token(user=roles.consultant, name="Mine")
    url = reverse("api_token_revoke", args=[token.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    login(client, roles.consultant)
    assert client.get(url).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_user_without_api_access_cannot_create_keys(client, roles):
    login(client, roles.employee)
    page = client.get(reverse("api_tokens"))
    assert page.status_code == 200
    assert page.context["may_use_api"] is False
    assert 'name="name"' not in page.content.decode()
    response = client.post(reverse("api_tokens"), {"name": "Forsøg"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_page_needs_login(client):
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
