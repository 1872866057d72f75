"""The organisation from OS2mo: fetch a snapshot over GraphQL and turn it into rows.

OS2mo (the municipalities' shared organisation system) answers GraphQL at
`<URL>/graphql/v<version>` for a client with a Keycloak client-credentials
token. `fetch_snapshot` reads every org unit, employee, engagement and
manager role with their validities, page by page (cursor paging), into a
plain JSON-able snapshot; `parse_snapshot` picks what is valid on the day of
the snapshot and gives the rows of an organisation file, so a sync takes the
same plan-then-write path (with the safety net) as an uploaded file:
services.sync_os2mo.

- Units: external id (uuid, or user_key), name, parent, kind, KLE numbers.
  Kinds come from TILLID_OS2MO_KINDS (the unit level's or unit type's key or
  name → kind), else from the depth; a unit is always at least one level
  below its parent, and units deeper than a team are teams below a team.
- People: a person is in the organisation on the day when an engagement or
  a manager role is valid then. Their unit is the managed unit (the highest
  one, as leader), else the primary engagement's, else the earliest
  engagement's. Future-dated and ended engagements do not count; e-mail is
  the person's first address of the scope EMAIL.

Validity dates: `from` and `to` are days, `to` included (OS2mo's "til og med").
Nothing here touches the database.
"""

import json
import time
from dataclasses import dataclass
from datetime import date, datetime

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from tillid.core.tabular import RowError
from tillid.organisation.importing import (
    MAX_LENGTHS,
    PEOPLE,
    UNITS,
    ParsedOrganisation,
    PersonRow,
    UnitRow,
    parse_kind,
    tree_errors,
)
from tillid.organisation.models import UNIT_KIND_LEVELS, UnitKind

SNAPSHOT_NAME = "os2mo.json"

ORG_UNITS_QUERY = """
query TillidOrgUnits($cursor: Cursor, $limit: int, $from: DateTime) {
  org_units(cursor: $cursor, limit: $limit, filter: {from_date: $from, to_date: null}) {
    objects {
      uuid
      validities {
        uuid
        user_key
        name
        parent_response { uuid }
        unit_type_response { current { user_key name } }
        unit_level_response { current { user_key name } }
        kles_response {
          objects { current { kle_number_response { current { user_key } } validity { from to } } }
        }
        validity { from to }
      }
    }
    page_info { next_cursor }
  }
}
"""

EMPLOYEES_QUERY = """
query TillidEmployees($cursor: Cursor, $limit: int, $from: DateTime) {
  employees(cursor: $cursor, limit: $limit, filter: {from_date: $from, to_date: null}) {
    objects {
      uuid
      validities {
        uuid
        user_key
        name
        addresses_response(filter: {address_type: {scope: ["EMAIL"]}}) {
          objects { current { value } }
        }
        validity { from to }
      }
    }
    page_info { next_cursor }
  }
}
"""

ENGAGEMENTS_QUERY = """
query TillidEngagements($cursor: Cursor, $limit: int, $from: DateTime) {
  engagements(cursor: $cursor, limit: $limit, filter: {from_date: $from, to_date: null}) {
    objects {
      uuid
      validities {
        uuid
        is_primary
        person_response { uuid }
        org_unit_response { uuid }
        validity { from to }
      }
    }
    page_info { next_cursor }
  }
}
"""

MANAGERS_QUERY = """
query TillidManagers($cursor: Cursor, $limit: int, $from: DateTime) {
  managers(
    cursor: $cursor, limit: $limit, inherit: false, filter: {from_date: $from, to_date: null}
  ) {
    objects {
      uuid
      validities {
        uuid
        person_response { uuid }
        org_unit_response { uuid }
        validity { from to }
      }
    }
    page_info { next_cursor }
  }
}
"""

QUERIES = {
    "org_units": ORG_UNITS_QUERY,
    "employees": EMPLOYEES_QUERY,
    "engagements": ENGAGEMENTS_QUERY,
    "managers": MANAGERS_QUERY,
}


class OS2moError(Exception):
    """OS2mo could not be reached or refused the request; the message says why."""


@dataclass(frozen=True)
class Connection:
    url: str
    client_id: str
    client_secret: str
    token_url: str
    version: int = 25
    page_size: int = 500
    timeout: float = 60.0

    @classmethod
    def from_settings(cls) -> "Connection":
        url = (settings.TILLID_OS2MO_URL or "").rstrip("/")
        if not url:
            raise OS2moError(_("OS2mo is not configured: set TILLID_OS2MO_URL."))
        return cls(
            url=url,
            client_id=settings.TILLID_OS2MO_CLIENT_ID,
            client_secret=settings.TILLID_OS2MO_CLIENT_SECRET,
            token_url=settings.TILLID_OS2MO_TOKEN_URL
            or f"{url}/auth/realms/mo/protocol/openid-connect/token",
            version=settings.TILLID_OS2MO_GRAPHQL_VERSION,
            page_size=settings.TILLID_OS2MO_PAGE_SIZE,
            timeout=settings.TILLID_OS2MO_TIMEOUT,
        )

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql/v{self.version}"


class Client:
    """GraphQL over httpx with a client-credentials token, renewed before it expires."""

    def __init__(self, connection: Connection, *, http: httpx.Client | None = None):
        self.connection = connection
        self.http = http or httpx.Client(timeout=connection.timeout)
        self._token: str | None = None
        self._expires = 0.0

    def close(self) -> None:
        self.http.close()

    def _bearer(self) -> str:
        if self._token is None or time.monotonic() > self._expires - 30:
            try:
                response = self.http.post(
                    self.connection.token_url,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self.connection.client_id,
                        "client_secret": self.connection.client_secret,
                    },
                )
            except httpx.HTTPError as exc:
                raise OS2moError(
                    _("Could not get a token from %(url)s: %(error)s")
                    % {"url": self.connection.token_url, "error": exc}
                ) from exc
            if response.status_code != 200:
                raise OS2moError(
                    _("The login server refused Tillid's client credentials (HTTP %(status)s).")
                    % {"status": response.status_code}
                )
            body = response.json()
            self._token = body["access_token"]
            self._expires = time.monotonic() + float(body.get("expires_in", 300))
        return self._token

    def query(self, query: str, variables: dict) -> dict:
        try:
            response = self.http.post(
                self.connection.graphql_url,
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {self._bearer()}"},
            )
        except httpx.HTTPError as exc:
            raise OS2moError(
                _("Could not reach OS2mo at %(url)s: %(error)s")
                % {"url": self.connection.graphql_url, "error": exc}
            ) from exc
        if response.status_code != 200:
            raise OS2moError(
                _("OS2mo answered HTTP %(status)s.") % {"status": response.status_code}
            )
        body = response.json()
        if body.get("errors"):
            raise OS2moError(
                _("OS2mo reported an error: %(error)s")
                % {"error": "; ".join(str(e.get("message", e)) for e in body["errors"])}
            )
        return body["data"]

    def all_objects(self, name: str, *, on: date) -> list[dict]:
        """Every object of a collection, following the cursor to the last page."""
        objects: list[dict] = []
        cursor = None
        while True:
            data = self.query(
                QUERIES[name],
                {
                    "cursor": cursor,
                    "limit": self.connection.page_size,
                    "from": datetime.combine(on, datetime.min.time()).isoformat(),
                },
            )[name]
            objects.extend(data["objects"])
            cursor = data["page_info"]["next_cursor"]
            if cursor is None:
                return objects


def fetch_snapshot(client: Client, *, on: date | None = None) -> dict:
    """Everything the sync needs from OS2mo, as plain data (see parse_snapshot)."""
    on = on or date.today()
    return {
        "fetched_on": on.isoformat(),
        **{name: client.all_objects(name, on=on) for name in QUERIES},
    }


def dump_snapshot(snapshot: dict) -> bytes:
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True).encode("utf-8")


def load_snapshot(files: list[tuple[str, bytes]]) -> dict:
    for name, content in files:
        if name == SNAPSHOT_NAME:
            return json.loads(content)
    raise ValueError("no OS2mo snapshot among the files")


# -- from the snapshot to rows -----------------------------------------------------


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _valid_on(validity: dict | None, on: date) -> bool:
    validity = validity or {}
    start, end = _day(validity.get("from")), _day(validity.get("to"))
    return (start is None or start <= on) and (end is None or on <= end)


def _current(response: dict, on: date) -> dict | None:
    """The validity of an object that holds on the day, if any."""
    for validity in response.get("validities") or []:
        if _valid_on(validity.get("validity"), on):
            return validity
    return None


def _uuid(response: dict | None) -> str:
    return (response or {}).get("uuid") or ""


def _kind_map() -> dict[str, str]:
    """TILLID_OS2MO_KINDS, e.g. "N1=kommune,Afdeling=team", as lower-case key → kind."""
    mapping = {}
    for part in (settings.TILLID_OS2MO_KINDS or "").split(","):
        key, _sep, word = part.partition("=")
        kind = parse_kind(word)
        if key.strip() and kind:
            mapping[key.strip().lower()] = kind
    return mapping


def _mapped_kind(unit: dict, mapping: dict[str, str]) -> str | None:
    for field in ("unit_level_response", "unit_type_response"):
        current = ((unit.get(field) or {}).get("current")) or {}
        for key in (current.get("user_key"), current.get("name")):
            if key and key.lower() in mapping:
                return mapping[key.lower()]
    return None


def _kles(unit: dict, on: date) -> tuple[str, ...]:
    numbers = set()
    for kle in (unit.get("kles_response") or {}).get("objects") or []:
        current = kle.get("current") or {}
        if current.get("validity") and not _valid_on(current["validity"], on):
            continue
        number = ((current.get("kle_number_response") or {}).get("current") or {}).get("user_key")
        if number:
            numbers.add(number)
    return tuple(sorted(numbers))


def parse_snapshot(snapshot: dict) -> ParsedOrganisation:
    """The organisation on the snapshot's day as the rows of an organisation file."""
    on = date.fromisoformat(snapshot["fetched_on"])
    id_field = settings.TILLID_OS2MO_ID_FIELD
    root = settings.TILLID_OS2MO_ROOT_UUID
    errors: list[RowError] = []

    def external(validity: dict, uuid: str) -> str:
        return (validity.get("user_key") if id_field == "user_key" else None) or uuid

    # Units valid on the day, with their parents.
    units: dict[str, dict] = {}
    for response in snapshot.get("org_units") or []:
        current = _current(response, on)
        if current is not None:
            units[response["uuid"]] = current
    parent_of = {uuid: _uuid(unit.get("parent_response")) for uuid, unit in units.items()}
    if root:
        # Only the subtree below the configured root; the root itself is the top.
        def under_root(uuid: str) -> bool:
            seen = set()
            while uuid and uuid not in seen:
                if uuid == root:
                    return True
                seen.add(uuid)
                uuid = parent_of.get(uuid, "")
            return False

        units = {uuid: unit for uuid, unit in units.items() if under_root(uuid)}
        parent_of[root] = ""
    for uuid in units:
        if parent_of[uuid] and parent_of[uuid] not in units:
            errors.append(
                RowError(
                    table=UNITS,
                    line=0,
                    column="parent",
                    message=_(
                        "The unit %(name)s (%(uuid)s) lies below a unit that OS2mo does not "
                        "have on %(day)s."
                    )
                    % {"name": units[uuid].get("name", ""), "uuid": uuid, "day": on.isoformat()},
                )
            )
            parent_of[uuid] = ""

    # Kinds: top down, never above the parent's level.
    mapping = _kind_map()
    levels = list(UnitKind.values)
    depth: dict[str, int] = {}

    def depth_of(uuid: str, seen: frozenset = frozenset()) -> int:
        if uuid not in depth:
            parent = parent_of.get(uuid, "")
            depth[uuid] = 0 if not parent or parent in seen else depth_of(parent, seen | {uuid}) + 1
        return depth[uuid]

    kinds: dict[str, str] = {}
    for uuid in sorted(units, key=depth_of):
        wanted = _mapped_kind(units[uuid], mapping) or levels[min(depth_of(uuid), len(levels) - 1)]
        parent = parent_of.get(uuid, "")
        level = UNIT_KIND_LEVELS[wanted]
        if parent in kinds:
            level = max(level, min(UNIT_KIND_LEVELS[kinds[parent]] + 1, len(levels) - 1))
        kinds[uuid] = levels[level]

    ext_of = {uuid: external(unit, uuid) for uuid, unit in units.items()}
    unit_rows = []
    for uuid, unit in units.items():
        name = (unit.get("name") or "").strip() or ext_of[uuid]
        if len(name) > MAX_LENGTHS["name"] or len(ext_of[uuid]) > MAX_LENGTHS["external_id"]:
            errors.append(
                RowError(
                    table=UNITS,
                    line=0,
                    column="name",
                    message=_("The unit %(uuid)s has a name or key longer than Tillid keeps.")
                    % {"uuid": uuid},
                )
            )
            continue
        unit_rows.append(
            UnitRow(
                line=0,
                external_id=ext_of[uuid],
                name=name,
                kind=kinds[uuid],
                parent_id=ext_of.get(parent_of.get(uuid, ""), ""),
                kle=_kles(unit, on),
            )
        )
    known = {row.external_id: 0 for row in unit_rows}
    errors.extend(
        tree_errors(
            unit_rows, known, lambda key: "parent" if key == "parent_id" else key, nested_teams=True
        )
    )

    # People: engagements and manager roles valid on the day.
    engagements: dict[str, list[tuple[bool, date, str, str]]] = {}
    for response in snapshot.get("engagements") or []:
        current = _current(response, on)
        if current is None:
            continue
        person, unit = (
            _uuid(current.get("person_response")),
            _uuid(current.get("org_unit_response")),
        )
        if person and unit in units:
            start = _day((current.get("validity") or {}).get("from")) or date.min
            engagements.setdefault(person, []).append(
                (not current.get("is_primary"), start, response["uuid"], unit)
            )
    managed: dict[str, list[str]] = {}
    for response in snapshot.get("managers") or []:
        current = _current(response, on)
        if current is None:
            continue
        person, unit = (
            _uuid(current.get("person_response")),
            _uuid(current.get("org_unit_response")),
        )
        if person and unit in units:  # a vacant manager role has no person
            managed.setdefault(person, []).append(unit)

    people_rows = []
    for response in snapshot.get("employees") or []:
        uuid = response["uuid"]
        if uuid not in engagements and uuid not in managed:
            continue
        person = _current(response, on) or (response.get("validities") or [{}])[-1]
        if uuid in managed:
            unit = min(managed[uuid], key=lambda u: (depth_of(u), u))
            is_leader = True
        else:
            unit = sorted(engagements[uuid])[0][3]
            is_leader = False
        emails = sorted(
            ((a.get("current") or {}).get("value") or "").strip()
            for a in (person.get("addresses_response") or {}).get("objects") or []
        )
        email = next((e for e in emails if e), "")
        name = (person.get("name") or "").strip() or uuid
        ext = external(person, uuid)
        problem = None
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problem = _("“%(value)s” is not a valid e-mail address.") % {"value": email}
        if len(name) > MAX_LENGTHS["name"] or len(email) > MAX_LENGTHS["email"]:
            problem = _("The name or e-mail address is longer than Tillid keeps.")
        if problem:
            errors.append(
                RowError(
                    table=PEOPLE,
                    line=0,
                    column="email",
                    message=f"{name} ({uuid}): {problem}",
                )
            )
            continue
        people_rows.append(
            PersonRow(
                line=0,
                external_id=ext,
                name=name,
                email=email,
                unit_id=ext_of[unit],
                is_leader=is_leader,
            )
        )
    parsed = ParsedOrganisation(units=unit_rows, people=people_rows, errors=errors)
    if errors:
        parsed.units, parsed.people = [], []
    return parsed
