"""A small OS2mo for the tests: GraphQL with the shape of OS2mo's schema (v25), on a real port.

The schema below is the part of OS2mo's published GraphQL schema that
Tillid reads, written out here: paged collections (`objects`, `page_info {
next_cursor }`, `limit` and `cursor` arguments), `validities` and `current`
on every response, `*_response` links, classes for unit levels and types,
KLE on units, e-mail addresses filtered by scope. A token endpoint like
Keycloak's hands out client-credentials tokens, and the GraphQL endpoint
refuses requests without one. Data is built with OS2moData.
"""

import base64
import json
import threading
import uuid
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from graphql import build_schema, graphql_sync

SDL = """
scalar UUID
scalar DateTime
scalar Cursor
scalar int

type Query {
  org_units(filter: OrganisationUnitFilter, limit: int, cursor: Cursor): OrganisationUnitResponsePaged!
  employees(filter: EmployeeFilter, limit: int, cursor: Cursor): EmployeeResponsePaged!
  engagements(filter: EngagementFilter, limit: int, cursor: Cursor): EngagementResponsePaged!
  managers(
    filter: ManagerFilter, limit: int, cursor: Cursor, inherit: Boolean! = false
  ): ManagerResponsePaged!
}

input OrganisationUnitFilter { uuids: [UUID!], from_date: DateTime, to_date: DateTime }
input EmployeeFilter { uuids: [UUID!], from_date: DateTime, to_date: DateTime }
input EngagementFilter { uuids: [UUID!], from_date: DateTime, to_date: DateTime }
input ManagerFilter { uuids: [UUID!], from_date: DateTime, to_date: DateTime }
input ClassFilter { user_keys: [String!], scope: [String!] }
input AddressFilter { address_type: ClassFilter }

type PageInfo { next_cursor: Cursor }
type Validity { from: DateTime!, to: DateTime }
type OpenValidity { from: DateTime, to: DateTime }

type Class { uuid: UUID!, user_key: String!, name: String!, scope: String }
type ClassResponse { uuid: UUID!, current: Class }

type OrganisationUnitResponsePaged { objects: [OrganisationUnitResponse!]!, page_info: PageInfo! }
type OrganisationUnitResponse {
  uuid: UUID!
  current: OrganisationUnit
  validities: [OrganisationUnit!]!
}
type OrganisationUnit {
  uuid: UUID!
  user_key: String!
  name: String!
  parent_response: OrganisationUnitResponse
  unit_type_response: ClassResponse
  unit_level_response: ClassResponse
  kles_response(limit: int, cursor: Cursor): KLEResponsePaged!
  validity: Validity!
}
type KLEResponsePaged { objects: [KLEResponse!]!, page_info: PageInfo! }
type KLEResponse { uuid: UUID!, current: KLE }
type KLE { uuid: UUID!, user_key: String!, kle_number_response: ClassResponse!, validity: Validity! }

type EmployeeResponsePaged { objects: [EmployeeResponse!]!, page_info: PageInfo! }
type EmployeeResponse { uuid: UUID!, current: Employee, validities: [Employee!]! }
type Employee {
  uuid: UUID!
  user_key: String!
  name: String!
  given_name: String!
  surname: String!
  addresses_response(filter: AddressFilter, limit: int, cursor: Cursor): AddressResponsePaged!
  validity: OpenValidity!
}
type AddressResponsePaged { objects: [AddressResponse!]!, page_info: PageInfo! }
type AddressResponse { uuid: UUID!, current: Address }
type Address { uuid: UUID!, user_key: String!, value: String!, address_type_response: ClassResponse! }

type EngagementResponsePaged { objects: [EngagementResponse!]!, page_info: PageInfo! }
type EngagementResponse { uuid: UUID!, current: Engagement, validities: [Engagement!]! }
type Engagement {
  uuid: UUID!
  user_key: String!
  is_primary: Boolean!
  person_response: EmployeeResponse!
  org_unit_response: OrganisationUnitResponse!
  validity: Validity!
}

type ManagerResponsePaged { objects: [ManagerResponse!]!, page_info: PageInfo! }
type ManagerResponse { uuid: UUID!, current: Manager, validities: [Manager!]! }
type Manager {
  uuid: UUID!
  user_key: String!
  person_response: EmployeeResponse
  org_unit_response: OrganisationUnitResponse!
  validity: Validity!
}
"""

NAMESPACE = uuid.UUID("6f1d7c4e-1b2a-4c3d-9e8f-0a1b2c3d4e5f")


def uid(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def stamp(day: date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00+01:00" if day else None


def _cls(user_key: str, scope: str | None = None) -> dict:
    return {
        "uuid": uid(f"class:{user_key}"),
        "current": {
            "uuid": uid(f"class:{user_key}"),
            "user_key": user_key,
            "name": user_key,
            "scope": scope,
        },
    }


class OS2moData:
    """Org units, employees, engagements and managers as OS2mo holds them."""

    def __init__(self):
        self.collections = {"org_units": {}, "employees": {}, "engagements": {}, "managers": {}}

    def _add(self, collection: str, key: str, validity: dict) -> None:
        response = self.collections[collection].setdefault(key, {"uuid": key, "validities": []})
        response["validities"].append(validity)

    def unit(
        self,
        name: str,
        parent: str | None = None,
        *,
        level: str = "",
        start: date = date(2010, 1, 1),
        end: date | None = None,
        kle: tuple[str, ...] = (),
        user_key: str | None = None,
    ) -> str:
        key = uid(f"unit:{name}")
        self._add(
            "org_units",
            key,
            {
                "uuid": key,
                "user_key": user_key or name,
                "name": name,
                "parent_response": {"uuid": uid(f"unit:{parent}")} if parent else None,
                "unit_type_response": _cls("Enhed"),
                "unit_level_response": _cls(level) if level else None,
                "kles": list(kle),
                "validity": {"from": stamp(start), "to": stamp(end)},
            },
        )
        return key

    def employee(self, name: str, email: str = "", *, phone: str = "") -> str:
        key = uid(f"person:{name}")
        addresses = []
        if phone:  # a phone number must not be taken for the e-mail
            addresses.append({"value": phone, "scope": "PHONE"})
        if email:
            addresses.append({"value": email, "scope": "EMAIL"})
        self._add(
            "employees",
            key,
            {
                "uuid": key,
                "user_key": name,
                "name": name,
                "given_name": name.split()[0],
                "surname": name.split()[-1],
                "addresses": addresses,
                "validity": {"from": None, "to": None},
            },
        )
        return key

    def engagement(
        self,
        person: str,
        unit: str,
        *,
        start: date = date(2015, 1, 1),
        end: date | None = None,
        primary: bool = True,
    ) -> str:
        key = uid(f"engagement:{person}:{unit}:{start}")
        self._add(
            "engagements",
            key,
            {
                "uuid": key,
                "user_key": key[:8],
                "is_primary": primary,
                "person_response": {"uuid": uid(f"person:{person}")},
                "org_unit_response": {"uuid": uid(f"unit:{unit}")},
                "validity": {"from": stamp(start), "to": stamp(end)},
            },
        )
        return key

    def manager(
        self, person: str | None, unit: str, *, start: date = date(2015, 1, 1), end=None
    ) -> str:
        key = uid(f"manager:{person}:{unit}:{start}")
        self._add(
            "managers",
            key,
            {
                "uuid": key,
                "user_key": key[:8],
                "person_response": {"uuid": uid(f"person:{person}")} if person else None,
                "org_unit_response": {"uuid": uid(f"unit:{unit}")},
                "validity": {"from": stamp(start), "to": stamp(end)},
            },
        )
        return key

    def move(self, name: str, new_parent: str, *, on: date) -> None:
        """The unit gets a new parent from a day: its old validity ends the day before."""
        response = self.collections["org_units"][uid(f"unit:{name}")]
        old = response["validities"][-1]
        old["validity"] = {**old["validity"], "to": stamp(on - timedelta(days=1))}
        response["validities"].append(
            {
                **old,
                "parent_response": {"uuid": uid(f"unit:{new_parent}")},
                "validity": {"from": stamp(on), "to": None},
            }
        )


def _page(objects: list, limit, cursor) -> dict:
    start = int(base64.b64decode(cursor)) if cursor else 0
    end = len(objects) if limit is None else start + int(limit)
    return {
        "objects": objects[start:end],
        "page_info": {
            "next_cursor": base64.b64encode(str(end).encode()).decode()
            if end < len(objects)
            else None
        },
    }


def _schema(server: "OS2moServer"):
    schema = build_schema(SDL)

    def collection(name):
        def resolve(_root, _info, limit=None, cursor=None, **_args):
            server.calls.append(name)
            return _page(list(server.data.collections[name].values()), limit, cursor)

        return resolve

    for name in ("org_units", "employees", "engagements", "managers"):
        schema.query_type.fields[name].resolve = collection(name)

    def addresses(employee, _info, filter=None, **_args):
        scopes = ((filter or {}).get("address_type") or {}).get("scope")
        return {
            "objects": [
                {"uuid": uid(a["value"]), "current": {"value": a["value"]}}
                for a in employee["addresses"]
                if not scopes or a["scope"] in scopes
            ],
            "page_info": {"next_cursor": None},
        }

    def kles(unit, _info, **_args):
        return {
            "objects": [
                {
                    "uuid": uid(f"kle:{number}"),
                    "current": {
                        "uuid": uid(f"kle:{unit['uuid']}:{number}"),
                        "user_key": number,
                        "kle_number_response": _cls(number),
                        "validity": unit["validity"],
                    },
                }
                for number in unit["kles"]
            ],
            "page_info": {"next_cursor": None},
        }

    schema.get_type("Employee").fields["addresses_response"].resolve = addresses
    schema.get_type("OrganisationUnit").fields["kles_response"].resolve = kles
    return schema


class OS2moServer:
    """Runs on 127.0.0.1 on a free port until stop()."""

    client_id = "tillid"
    client_secret = "hemmelig-test-noegle"

    def __init__(self, data: OS2moData):
        self.data = data
        self.calls: list[str] = []
        self.tokens_issued = 0
        self.token = "token-" + uuid.uuid4().hex
        self.schema = _schema(self)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet tests
                pass

            def _reply(self, status: int, body: dict) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                if self.path == "/auth/realms/mo/protocol/openid-connect/token":
                    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    if (
                        form.get("grant_type") != "client_credentials"
                        or form.get("client_id") != server.client_id
                        or form.get("client_secret") != server.client_secret
                    ):
                        return self._reply(401, {"error": "unauthorized_client"})
                    server.tokens_issued += 1
                    return self._reply(
                        200,
                        {"access_token": server.token, "expires_in": 300, "token_type": "Bearer"},
                    )
                if self.path == "/graphql/v25":
                    if self.headers.get("Authorization") != f"Bearer {server.token}":
                        return self._reply(401, {"detail": "Not authenticated"})
                    body = json.loads(raw)
                    result = graphql_sync(
                        server.schema, body["query"], variable_values=body.get("variables")
                    )
                    reply = {"data": result.data}
                    if result.errors:
                        reply["errors"] = [{"message": e.message} for e in result.errors]
                    return self._reply(200, reply)
                return self._reply(404, {"detail": "Not Found"})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
