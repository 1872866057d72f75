"""Error pages render even for requests refused before the login middleware ran."""

import pytest


@pytest.mark.django_db
def test_unknown_host_gets_the_400_page(client):
    # DisallowedHost is raised before AuthenticationMiddleware sets request.user;
    # the error page must still render instead of failing a second time.
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert 'lang="da"' in response.content.decode()
