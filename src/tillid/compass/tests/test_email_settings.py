"""The mail server is configured from the environment (settings.py, deploy/env.example)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s;"
    "print(json.dumps({k: getattr(s, k) for k in ('EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT',"
    " 'EMAIL_HOST_USER', 'EMAIL_HOST_PASSWORD', 'EMAIL_USE_TLS', 'EMAIL_USE_SSL',"
    " 'EMAIL_TIMEOUT', 'DEFAULT_FROM_EMAIL')}))"
)
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def email_settings(**variables) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EMAIL_", "DEFAULT_FROM")) and k not in {"DJANGO_DEBUG"}
    }
    env.update(
        TILLID_TESTING="1",
        DJANGO_SETTINGS_MODULE="tillid.settings",
        PYTHONPATH=str(ROOT / "src"),
        **variables,
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_email_url_with_starttls_and_an_encoded_password():
    got = email_settings(
        EMAIL_URL="smtp+tls://tillid%40kommune.dk:p%40ss%3Aw@smtp.kommune.dk:587",
        DEFAULT_FROM_EMAIL="tillid@kommune.dk",
    )
    assert got == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "smtp.kommune.dk",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "tillid@kommune.dk",
        "EMAIL_HOST_PASSWORD": "p@ss:w",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 30,
        "DEFAULT_FROM_EMAIL": "tillid@kommune.dk",
    }


@pytest.mark.parametrize(
    ("url", "port", "tls", "ssl"),
    [
        ("smtp+ssl://relay.kommune.dk", 465, False, True),
        ("smtp://relay.kommune.dk", 25, False, False),
    ],
)
def test_email_url_schemes_and_default_ports(url, port, tls, ssl):
    got = email_settings(EMAIL_URL=url)
    assert (got["EMAIL_HOST"], got["EMAIL_PORT"], got["EMAIL_USE_TLS"], got["EMAIL_USE_SSL"]) == (
        "relay.kommune.dk",
        port,
        tls,
        ssl,
    )


def test_separate_variables():
    got = email_settings(
        EMAIL_HOST="mail.kommune.dk",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="tillid",
        EMAIL_HOST_PASSWORD="hemmelig",
        EMAIL_USE_TLS="1",
        EMAIL_TIMEOUT="10",
    )
    assert got["EMAIL_BACKEND"] == SMTP
    assert (got["EMAIL_HOST"], got["EMAIL_PORT"], got["EMAIL_USE_TLS"]) == (
        "mail.kommune.dk",
        2525,
        True,
    )
    assert (got["EMAIL_HOST_USER"], got["EMAIL_HOST_PASSWORD"], got["EMAIL_TIMEOUT"]) == (
        "tillid",
        "hemmelig",
        10,
    )


def test_the_demo_prints_e_mails_when_no_server_is_set():
    got = email_settings(DJANGO_DEBUG="1")
    assert got["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
