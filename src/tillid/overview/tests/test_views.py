import datetime as dt

from django.utils import timezone

from tillid.core import contracts
from tillid.core.indicators import FollowUp, Indicator, Measure, Status, Track, TrendPoint
from tillid.organisation.testing import login


def test_the_overview_shows_the_five_tracks_to_a_politician(client, roles):
    login(client, roles.politician)
    response = client.get("/overblik/")
    assert response.status_code == 200
    text = response.content.decode()
    for track in ["Byrådet", "Forvaltningen", "Den lokale ledelse", "Borgerne", "Medarbejderne"]:
        assert track in text
    assert text.index("Byrådet") < text.index("Medarbejderne")
    assert "Hele organisationen" in text


def test_a_user_without_a_role_may_not_open_the_overview(client, roles):
    login(client, roles.nobody)
    assert client.get("/overblik/").status_code == 403
    assert client.get("/overblik/opfoelgning/").status_code == 403


def test_a_leader_may_narrow_only_to_their_own_units(client, roles, org):
    login(client, roles.leader)
    response = client.get("/overblik/")
    assert response.status_code == 200
    choices = list(response.context["form"].fields["unit"].queryset)
    assert org.care_home in choices
    assert org.school not in choices
    assert org.social not in choices
    # The leader's own unit is the default: no whole-organisation choice.
    assert response.context["unit"] == org.care_home
    assert (
        "Hele organisationen"
        not in response.content.decode().split("<select")[1].split("</select>")[0]
    )
    # Asking for another forvaltning is refused in words and falls back to their own.
    response = client.get("/overblik/", {"unit": org.school.pk})
    assert response.context["unit"] == org.care_home
    assert response.context["form"].errors["unit"]


def test_a_politician_narrows_to_a_forvaltning(client, roles, org):
    login(client, roles.politician)
    response = client.get("/overblik/", {"unit": org.social.pk})
    assert response.context["scope"].unit_id == org.social.pk
    assert response.context["scope"].path == org.social.path
    assert "Social og Sundhed" in response.content.decode()


def test_the_period_must_run_forwards(client, roles):
    login(client, roles.politician)
    response = client.get("/overblik/", {"start": "2026-05-01", "end": "2026-01-01"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Periodens slutning skal ligge på eller efter dens start." in text
    period = response.context["period"]
    assert period.start <= period.end


def test_the_default_period_is_the_last_two_years(client, roles):
    login(client, roles.politician)
    period = client.get("/overblik/").context["period"]
    today = timezone.localdate()
    assert period.end == today
    assert 729 <= (period.end - period.start).days <= 731


def fake_indicators(*, scope, period):
    return [
        Indicator(
            track=Track.EMPLOYEES,
            code="test.share",
            label="Svarprocent i testen",
            value=0.5 if scope.everything else 0.25,
            measure=Measure.SHARE,
            status=Status.BEHIND,
            explanation="Under målet på 60 %.",
            url="/tillidskompas/",
            trend=[TrendPoint("2025", 0.4), TrendPoint("2026", 0.25)],
            organisation_value=None if scope.everything else 0.5,
        )
    ]


def fake_followups(*, scope, owner_id, today):
    return [
        FollowUp(
            kind="red_tape",
            kind_label="Bøvlmelding",
            title=f"Melding {i}",
            url="/styring/",
            due_on=today - dt.timedelta(days=i),
            owner_id=owner_id,
            owner_name="Mette Hansen",
        )
        for i in range(3)
    ]


def test_an_indicator_shows_value_status_trend_link_and_the_organisation(
    client, roles, org, monkeypatch
):
    real = contracts.providers

    def providers(name):
        if name == "overview.indicators":
            return [("test", fake_indicators)]
        if name == "overview.followups":
            return [("test", fake_followups)]
        return real(name)

    monkeypatch.setattr(contracts, "providers", providers)
    login(client, roles.politician)
    response = client.get("/overblik/", {"unit": org.social.pk})
    text = response.content.decode()
    assert '<strong data-indicator="test.share">25 %</strong>' in text
    assert '<dd data-organisation="test.share">50 %</dd>' in text
    assert "Bagud: Under målet på 60 %." in text
    assert "<td>2025</td><td>40 %</td>" in text
    assert 'href="/tillidskompas/"' in text
    assert 'id="spec-test-share"' in text  # the chart beside the table
    # What is late: two of three are overdue (due today is not late).
    assert '<td data-late="red_tape">2</td>' in text
    assert text.count("Mette Hansen") == 2
    # The follow-up page lists all three open ones, filterable to the late.
    response = client.get("/overblik/opfoelgning/", {"late": "on"})
    assert response.context["total"] == 2
    response = client.get("/overblik/opfoelgning/", {"kind": "red_tape"})
    assert response.context["total"] == 3


def test_owners_see_their_own_follow_ups_on_their_front_page(client, roles, monkeypatch):
    real = contracts.providers
    asked = []

    def mine(*, scope, owner_id, today):
        asked.append((scope, owner_id))
        rows = fake_followups(scope=scope, owner_id=owner_id, today=today)
        rows.append(
            FollowUp(
                kind="decision", kind_label="Beslutning", title="Lukket", url="",
                due_on=today, owner_id=owner_id, done=True,
            )
        )  # fmt: skip
        return rows

    def providers(name):
        if name == "overview.followups":
            return [("test", mine)]
        if name == "overview.indicators":
            return []
        return real(name)

    monkeypatch.setattr(contracts, "providers", providers)
    login(client, roles.leader)
    text = client.get("/").content.decode()
    assert asked == [(None, roles.leader.pk)]
    assert "Dine opfølgninger (2 for sent)" in text
    today = timezone.localdate()
    assert "For sent: fristen var " in text
    assert "1 dag siden" in text and "2 dage siden" in text  # noqa: PT018
    assert f"Frist {today.day}. " in text  # due today: not late
    assert "Lukket" not in text
    assert "Alle 3 af dine åbne opfølgninger" in text
    assert client.get("/overblik/opfoelgning/", {"mine": "on"}).context["total"] == 3


def test_someone_without_follow_ups_is_told_so(client, roles):
    login(client, roles.employee)
    assert (
        "Du skylder ikke nogen svar eller opfølgninger lige nu." in client.get("/").content.decode()
    )
