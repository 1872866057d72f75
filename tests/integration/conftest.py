"""Tests of two or more apps together: the app tests' fixtures."""

from tillid.conftest import make_user, org, person_user, roles  # noqa: F401
from tillid.delegation.tests.test_access import actors, records  # noqa: F401
