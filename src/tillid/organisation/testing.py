"""The test kit every app's tests share: log in, build a small tree, post a form.

    from tillid.organisation.testing import login, post_form

The fixtures in tillid/conftest.py (`org`, `roles`, `make_user`,
`person_user`) are built from these functions.
"""

from types import SimpleNamespace

from tillid.organisation import services
from tillid.organisation.models import Person, UnitKind

PASSWORD = "korrekt-hest-batteri-42"


def login(client, user) -> None:
    """Log `client` in as `user` (a user made by the fixtures), after logging out."""
    client.logout()
    assert client.login(username=user.username, password=PASSWORD)


def post_form(client, url: str, data: dict | None = None, *, prefix: str = "", **extra):
    """POST a form to `url`; `prefix` (a Django form prefix) goes before every field."""
    fields = {f"{prefix}-{k}" if prefix else k: v for k, v in (data or {}).items()}
    return client.post(url, fields, **extra)


def form_errors(response, name: str = "form") -> dict[str, list[str]]:
    """The errors of the form the page showed again, by field ("__all__" above the fields)."""
    return {field: list(errors) for field, errors in response.context[name].errors.items()}


# (attribute, external id, name, kind, parent attribute), parents first.
TREE = [
    ("root", "K", "Egeskov Kommune", UnitKind.MUNICIPALITY, ""),
    ("social", "SOS", "Social og Sundhed", UnitKind.ADMINISTRATION, "root"),
    ("elder", "AELD", "Ældreområdet", UnitKind.AREA, "social"),
    ("care_home", "EGELY", "Plejecenter Egely", UnitKind.INSTITUTION, "elder"),
    ("team_north", "EGELY-N", "Team Nord", UnitKind.TEAM, "care_home"),
    ("team_south", "EGELY-S", "Team Syd", UnitKind.TEAM, "care_home"),
    ("children", "BOU", "Børn og Unge", UnitKind.ADMINISTRATION, "root"),
    ("schools", "SKOLE", "Skoleområdet", UnitKind.AREA, "children"),
    ("school", "EGESKOLEN", "Egeskolen", UnitKind.INSTITUTION, "schools"),
    ("primary", "EGESKOLEN-I", "Indskoling", UnitKind.TEAM, "school"),
]


def build_org() -> SimpleNamespace:
    """Kommune → two administrations → areas → institutions → teams, with people.

    Social og Sundhed / Ældreområdet / Plejecenter Egely / Team Nord + Team Syd
    Børn og Unge / Skoleområdet / Egeskolen / Indskoling
    """
    u = SimpleNamespace()
    for name, external_id, title, kind, parent in TREE:
        setattr(
            u,
            name,
            services.create_unit(
                external_id=external_id,
                name=title,
                kind=kind,
                parent=getattr(u, parent) if parent else None,
            ),
        )
    people = [
        ("P1", "Mette Hansen", u.care_home, True),
        ("P2", "Lars Nielsen", u.team_north, False),
        ("P3", "Sofie Jensen", u.team_north, False),
        ("P4", "Anders Pedersen", u.team_south, False),
        ("P5", "Hanne Larsen", u.team_south, True),
        ("P6", "Peter Sørensen", u.school, True),
        ("P7", "Camilla Rasmussen", u.primary, False),
    ]
    u.people = {
        ext: Person.objects.create(
            external_id=ext,
            name=name,
            email=f"{ext.lower()}@egeskov.dk",
            unit=unit,
            is_leader=leader,
        )
        for ext, name, unit, leader in people
    }
    return u
