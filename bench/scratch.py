"""What the benchmarks share: a scratch database for one run."""

import os
import tempfile
from pathlib import Path


def setup_django(database_url: str | None, *, testing: bool = False) -> tuple[str, callable]:
    """Point Django at a scratch database; returns its description and a clean-up.

    With a PostgreSQL URL a database `<name>_bench` is created and dropped
    afterwards; without one, SQLite in a temporary folder. `testing` switches
    on the test settings (fast password hashing, jobs run at once).
    """
    cleanup = lambda: None  # noqa: E731
    if database_url:
        import dj_database_url
        import psycopg

        config = dj_database_url.parse(database_url)
        scratch = f"{config['NAME']}_bench"
        admin_url = {
            "host": config["HOST"] or None,
            "port": config["PORT"] or None,
            "user": config["USER"] or None,
            "password": config["PASSWORD"] or None,
            "dbname": "postgres",
            "autocommit": True,
        }
        with psycopg.connect(**admin_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
            conn.execute(f'CREATE DATABASE "{scratch}"')
        os.environ["DATABASE_URL"] = database_url.rsplit("/", 1)[0] + "/" + scratch
        description = f"PostgreSQL (scratch database {scratch})"

        def cleanup():
            from django.db import connections

            connections.close_all()
            with psycopg.connect(**admin_url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')

    else:
        directory = tempfile.mkdtemp(prefix="tillid-bench-")
        path = Path(directory) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        description = f"SQLite ({path})"

        def cleanup():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            os.rmdir(directory)

    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tillid.settings")
    if testing:
        os.environ.setdefault("TILLID_TESTING", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return description, cleanup
