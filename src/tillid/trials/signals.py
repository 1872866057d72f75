"""Signals other apps may listen to (trials imports no other module's code).

`trust_test_read` is sent whenever a trust test about a person is shown, so
the delegation app can log the read like any other read of a person's records.
"""

from django.dispatch import Signal

# Sent with trial=<Trial>, reader=<User>.
trust_test_read = Signal()
