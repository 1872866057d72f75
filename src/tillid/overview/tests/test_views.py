from tillid.organisation.testing import login


def test_the_overview_shows_the_five_tracks_to_a_politician(client, roles):
    login(client, roles.politician)
    response = client.get("/overblik/")
    assert response.status_code == 200
    text = response.content.decode()
    for track in ["Byrådet", "Forvaltningen", "Den lokale ledelse", "Borgerne", "Medarbejderne"]:
        assert track in text


def test_a_user_without_a_role_may_not_open_the_overview(client, roles):
    login(client, roles.nobody)
    assert client.get("/overblik/").status_code == 403
