"""Production settings: `check --deploy` is clean, gunicorn loads the app, env.example is complete.

Each test starts a fresh Python with a production-like environment
(DJANGO_DEBUG and TILLID_TESTING unset), since settings are read once.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
BIN = Path(sys.executable).parent


def production_env(tmp_path, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests in the same worker.
        if k
        not in {
            "DJANGO_DEBUG",
            "TILLID_TESTING",
            "DATABASE_URL",
            "SECRET_KEY",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
        and not k.startswith(("OIDC_", "SECURE_", "GUNICORN_"))
    }
    env.update(
        {
            "SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
            "ALLOWED_HOSTS": "tillid.example.dk",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "tillid.settings",
            "PYTHONPATH": str(ROOT / "src"),
            **extra,
        }
    )
    return env


def run(args, env, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=180, **kwargs
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = production_env(tmp_path)
    assert len(env["SECRET_KEY"]) == 64
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output.upper().replace("--FAIL-LEVEL WARNING", "")


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = run([sys.executable, "-c", "import django; django.setup()"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_wsgi_app_imports_with_production_settings(tmp_path):
    probe = (
        "import tillid.wsgi; from django.conf import settings as s;"
        "print(type(tillid.wsgi.application).__name__);"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.ALLOWED_HOSTS, s.STORAGES['staticfiles']['BACKEND'],"
        " s.SECURE_PROXY_SSL_HEADER)"
    )
    env = production_env(tmp_path, TILLID_BEHIND_PROXY="1")
    result = run([sys.executable, "-c", probe], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == [
        "WSGIHandler",
        "False True True True 31536000 ['tillid.example.dk'] "
        "whitenoise.storage.CompressedManifestStaticFilesStorage "
        "('HTTP_X_FORWARDED_PROTO', 'https')",
    ]


def test_gunicorn_loads_the_app_with_the_deploy_config(tmp_path):
    gunicorn = BIN / "gunicorn"
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed in this environment")
    env = production_env(tmp_path, GUNICORN_WORKERS="3", GUNICORN_BIND="127.0.0.1:8999")
    result = run([str(gunicorn), "-c", "deploy/gunicorn.conf.py", "--print-config"], env)
    assert result.returncode == 0, result.stderr
    config = dict(
        line.split("=", 1) for line in result.stdout.splitlines() if re.match(r"^\w+\s*=", line)
    )
    config = {k.strip(): v.strip() for k, v in config.items()}
    assert config["workers"] == "3"
    assert config["bind"] == "['127.0.0.1:8999']"
    assert config["wsgi_app"] == "tillid.wsgi:application"
    assert config["timeout"] == "120"
    assert config["accesslog"] == "-"


def test_access_log_redacts_tokens_and_addresses():
    path = ROOT / "deploy" / "gunicorn.conf.py"
    namespace: dict = {"__file__": str(path), "__name__": "gunicorn_conf"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    fmt = namespace["access_log_format"]
    assert "%(h)s" not in fmt  # no client address
    assert "%(r)s" not in fmt  # the request line has the query string
    assert "%(q)s" not in fmt
    token = namespace["_TOKEN"]
    assert token.sub("/…", "/tillidskompas/svar/Zx8_kQ-2abcdefghijkl/") == "/tillidskompas/svar/…/"
    assert token.sub("/…", "/organisation/enheder/12/") == "/organisation/enheder/12/"


def test_env_example_lists_every_variable_settings_read():
    settings_source = (ROOT / "src" / "tillid" / "settings.py").read_text()
    read = set(
        re.findall(
            r'(?:os\.environ(?:\.get)?[\(\[]|env_bool\(|env_list\()\s*"([A-Z][A-Z0-9_]+)"',
            settings_source,
        )
    )
    gunicorn_source = (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    read |= set(re.findall(r'"(GUNICORN_[A-Z_]+)"', gunicorn_source))
    assert {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "OIDC_RP_CLIENT_ID"} <= read
    documented = set(
        re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (ROOT / "deploy" / "env.example").read_text(), re.M)
    )
    assert read - documented == set()
    assert documented - read == set()


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("TILLID_TEST_COLLECTSTATIC"),
    reason="collectstatic with compression takes minutes; set TILLID_TEST_COLLECTSTATIC=1",
)
def test_collectstatic_with_the_production_storage(tmp_path):
    static_root = tmp_path / "static"
    env = production_env(tmp_path, STATIC_ROOT=str(static_root))
    result = run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    assert result.returncode == 0, result.stderr
    assert (static_root / "staticfiles.json").exists()
    assert list(static_root.glob("core/tillid.*.css.gz"))
