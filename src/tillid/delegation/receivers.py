"""Reads of a person's trust tests (shown by the trials app) go into the read log too."""

from django.dispatch import receiver

from tillid.delegation import services
from tillid.delegation.access import Subject
from tillid.delegation.models import ReadKind
from tillid.trials.signals import trust_test_read


@receiver(trust_test_read, dispatch_uid="delegation-log-trust-test-read")
def log_trust_test_read(sender, *, trial, reader, **kwargs) -> None:
    if trial.subject_person is None:
        return
    services.log_reads(
        reader=reader,
        kind=ReadKind.TRUST_TEST,
        records=[trial],
        subject=Subject(person=trial.subject_person),
    )
