"""The pysaml2 service-provider configuration for login through SAML 2.0 (OIOSAML 3).

Kept free of Django so that settings.py can build SAML_CONFIG from the
environment. The identity provider's metadata is added per request by
`tillid.organisation.saml.load_config` (from a file, or from a URL fetched now and then).
"""

import shutil

BINDING_HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
NAMEID_FORMAT_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
SIG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
DIGEST_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

# Attribute names of OIOSAML 3 (Danish public-sector SAML profile), as
# KOMBIT's Context Handler sends them.
OIOSAML_EMAIL = "https://data.gov.dk/model/core/eid/email"
OIOSAML_FIRST_NAME = "https://data.gov.dk/model/core/eid/firstName"
OIOSAML_LAST_NAME = "https://data.gov.dk/model/core/eid/lastName"
OIOSAML_FULL_NAME = "https://data.gov.dk/model/core/eid/fullName"
OIOSAML_PRIVILEGES = "https://data.gov.dk/model/core/eid/privilegesIntermediate"
# The data scope (dataafgrænsning) of a job-function role that names an org unit.
KOMBIT_UNIT_CONSTRAINT = "http://sts.kombit.dk/constraints/orgenhed/1"


def sp_config(
    *, base_url: str, entity_id: str, key_file: str, cert_file: str, xmlsec_binary: str = ""
) -> dict:
    """Tillid as a SAML service provider at `base_url` (e.g. https://tillid.kommune.dk)."""
    base = base_url.rstrip("/")
    return {
        "entityid": entity_id or f"{base}/saml2/metadata/",
        "xmlsec_binary": xmlsec_binary or shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
        # OIOSAML 3 attribute names are URIs unknown to pysaml2's maps: keep them as sent.
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "name": "Tillid",
                "name_id_format": NAMEID_FORMAT_PERSISTENT,
                "endpoints": {
                    "assertion_consumer_service": [(f"{base}/saml2/acs/", BINDING_HTTP_POST)],
                    "single_logout_service": [
                        (f"{base}/saml2/ls/", BINDING_HTTP_REDIRECT),
                        (f"{base}/saml2/ls/post/", BINDING_HTTP_POST),
                    ],
                },
                # OIOSAML 3: signed requests, signed assertions, SHA-256.
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "allow_unsolicited": False,
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
                "required_attributes": [OIOSAML_PRIVILEGES],
                "optional_attributes": [OIOSAML_EMAIL, OIOSAML_FIRST_NAME, OIOSAML_LAST_NAME],
            }
        },
        "key_file": key_file,
        "cert_file": cert_file,
        # Context Handler encrypts assertions to the certificate in Tillid's metadata.
        "encryption_keypairs": [{"key_file": key_file, "cert_file": cert_file}],
        "metadata": {},
    }
