"""A SAML identity provider for tests, standing in for KOMBIT's Context Handler.

pysaml2 acts as the IdP behind a small HTTP server on loopback: it serves its
metadata, answers signed AuthnRequests (HTTP-Redirect) with a signed and
encrypted assertion carrying OIOSAML 3 attributes, and answers logout requests.
Keys are throwaway pairs made by `make_key_pair`.
"""

import base64
import datetime
import shutil
import socket
import threading
import urllib.parse
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

from tillid.organisation import saml_config


def make_key_pair(directory: Path, name: str) -> tuple[str, str]:
    """A new RSA key and self-signed certificate as PEM files; returns (key, cert) paths."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


def privileges_value(groups: list[tuple[list[str], list[str]]]) -> str:
    """OIOSAML 3's privileges attribute: [(privileges, org unit UUIDs of the data scope)]."""
    parts = ['<bpp:PrivilegeList xmlns:bpp="http://digst.dk/oiosaml/basic_privilege_profile">']
    for privileges, units in groups:
        parts.append('<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:29189846">')
        parts += [f"<Privilege>{p}</Privilege>" for p in privileges]
        parts += [
            f'<Constraint Name="{saml_config.KOMBIT_UNIT_CONSTRAINT}">{u}</Constraint>'
            for u in units
        ]
        parts.append("</PrivilegeGroup>")
    parts.append("</bpp:PrivilegeList>")
    return base64.b64encode("".join(parts).encode()).decode()


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class LocalIdP:
    """Start with `start()`, give it the SP's metadata, set `user`, then log in."""

    def __init__(self, directory: Path):
        self.key_file, self.cert_file = make_key_pair(directory, "idp")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.metadata_url = f"{self.base}/metadata"
        self.server: Server | None = None
        # The next login's subject (NameID) and attributes.
        self.user: dict = {}
        self.logouts = 0
        self._config = {
            "entityid": f"{self.base}/metadata",
            "xmlsec_binary": shutil.which("xmlsec1"),
            "service": {
                "idp": {
                    "name": "Test Context Handler",
                    "endpoints": {
                        "single_sign_on_service": [(f"{self.base}/sso", BINDING_HTTP_REDIRECT)],
                        "single_logout_service": [(f"{self.base}/slo", BINDING_HTTP_REDIRECT)],
                    },
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 15},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "want_authn_requests_signed": True,
                }
            },
            "key_file": self.key_file,
            "cert_file": self.cert_file,
            "metadata": {},
        }
        conf = IdPConfig()
        conf.load(dict(self._config))
        self.metadata = create_metadata_string(None, config=conf, valid=4).decode()

    def set_sp_metadata(self, xml: str) -> None:
        conf = IdPConfig()
        conf.load({**self._config, "metadata": {"inline": [xml]}})
        self.server = Server(config=conf)

    def start(self) -> None:
        self.httpd: WSGIServer = make_server("127.0.0.1", self.port, self.app, handler_class=_Quiet)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def app(self, environ, start_response):
        path = environ["PATH_INFO"]
        query = {k: v[0] for k, v in urllib.parse.parse_qs(environ["QUERY_STRING"]).items()}
        if path == "/metadata":
            status, headers, body = "200 OK", [("Content-Type", "text/xml")], self.metadata
        elif path == "/sso":
            status, headers, body = self._sso(query)
        elif path == "/slo":
            status, headers, body = self._slo(query)
        else:
            status, headers, body = "404 Not Found", [], "not found"
        start_response(status, headers)
        return [body.encode()]

    def _sso(self, query: dict):
        # The SP's signature on the redirect is checked (want_authn_requests_signed).
        request = self.server.parse_authn_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        ).message
        sp = request.issuer.text
        binding, destination = self.server.pick_binding(
            "assertion_consumer_service",
            bindings=[BINDING_HTTP_POST],
            entity_id=sp,
            request=request,
        )
        response = self.server.create_authn_response(
            identity=self.user["attributes"],
            in_response_to=request.id,
            destination=destination,
            sp_entity_id=sp,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=self.user["subject"]),
            userid=self.user["subject"],
            authn={"class_ref": "https://data.gov.dk/concept/core/nsis/loa/Substantial"},
            sign_assertion=True,
            sign_response=False,
            encrypt_assertion=True,
            encrypted_advice_attributes=False,
        )
        args = self.server.apply_binding(
            binding, str(response), destination, query.get("RelayState", ""), response=True
        )
        return "200 OK", [("Content-Type", "text/html")], args["data"]

    def _slo(self, query: dict):
        # The SP signs its logout request (OIOSAML 3); the signature is checked.
        request = self.server.parse_logout_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        self.logouts += 1
        response = self.server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT])
        binding, destination = self.server.pick_binding(
            "single_logout_service", [BINDING_HTTP_REDIRECT], "spsso", request.message
        )
        args = self.server.apply_binding(
            binding, str(response), destination, query.get("RelayState", ""), response=True
        )
        location = dict(args["headers"])["Location"]
        return "303 See Other", [("Location", location)], ""
