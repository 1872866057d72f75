"""Writes of the compass: instruments, rounds, invitations, answers, dialogue."""

import functools
import hashlib
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tillid.compass import instruments as instrument_files
from tillid.compass import tasks
from tillid.compass.links import (  # noqa: F401  (re-exported: callers say services.token_hash)
    TOKEN_LENGTH,
    Letter,
    answer_url,
    format_code,
    new_token,
    normalise_token,
    token_hash,
)
from tillid.compass.models import (
    ActionStatus,
    Delivery,
    DialogueAction,
    DialogueMeeting,
    Dimension,
    Instrument,
    InstrumentKind,
    Invitation,
    Item,
    LinkRequest,
    Mailing,
    MailingKind,
    Response,
    RoleGroup,
    Round,
    SelfAssessment,
)
from tillid.organisation.models import Person, Unit


class CompassError(Exception):
    """Bad input or a forbidden change; the message is for the user (Danish)."""


# --- instruments ------------------------------------------------------------


@transaction.atomic
def import_instrument(*, data: dict) -> tuple[Instrument, bool]:
    """Load one instrument version. Returns (instrument, created).

    Loading the same file again changes nothing. A version may be replaced
    by a changed file only while no round uses it.
    """
    errors = instrument_files.validate(data)
    if errors:
        raise instrument_files.InstrumentFileError(errors)
    digest = instrument_files.checksum(data)
    existing = Instrument.objects.filter(code=data["code"], version=data["version"]).first()
    if existing is not None:
        if existing.checksum == digest:
            return existing, False
        if (
            Round.objects.filter(instrument=existing).exists()
            or Round.objects.filter(leader_instrument=existing).exists()
        ):
            raise instrument_files.InstrumentFileError(
                [
                    _(
                        "Version %(version)s of %(code)s is used by a survey round and can no "
                        "longer change. Give the changed file a new version number."
                    )
                    % {"version": data["version"], "code": data["code"]}
                ]
            )
        existing.delete()
    description = data.get("description") or {}
    instrument = Instrument.objects.create(
        code=data["code"],
        version=data["version"],
        kind=data.get("kind", InstrumentKind.EMPLOYEE),
        name_da=data["name"]["da"],
        name_en=data["name"]["en"],
        description_da=description.get("da", ""),
        description_en=description.get("en", ""),
        scale=data["scale"],
        source=data,
        checksum=digest,
    )
    items = {
        item["code"]: Item(
            instrument=instrument,
            code=item["code"],
            text_da=item["da"],
            text_en=item["en"],
            reverse=bool(item.get("reverse", False)),
            order=order,
        )
        for order, item in enumerate(data["items"])
    }
    Item.objects.bulk_create(items.values())
    through = []
    for order, dim in enumerate(data["dimensions"]):
        dimension = Dimension.objects.create(
            instrument=instrument,
            code=dim["code"],
            family=dim["family"],
            name_da=dim["name"]["da"],
            name_en=dim["name"]["en"],
            order=order,
        )
        through.extend(
            Item.dimensions.through(item_id=items[code].pk, dimension_id=dimension.pk)
            for code in dim["items"]
        )
    Item.dimensions.through.objects.bulk_create(through)
    return instrument, True


@transaction.atomic
def ensure_default_instruments() -> tuple[Instrument, Instrument]:
    """The shipped Tillidskompas instruments (employee and leader), loaded if missing.

    Both or neither: a round needs the pair."""
    loaded = []
    for name in instrument_files.DEFAULT_FILES:
        data = instrument_files.parse((instrument_files.INSTRUMENT_DIR / name).read_bytes())
        instrument = Instrument.objects.filter(code=data["code"], version=data["version"]).first()
        if instrument is None:
            instrument, _created = import_instrument(data=data)
        loaded.append(instrument)
    return loaded[0], loaded[1]


# --- tokens -------------------------------------------------------------------

# Unambiguous letters and digits, so a code can be typed from a printed letter.
# --- rounds -------------------------------------------------------------------


def _check_round_fields(*, opens_on: date, closes_on: date, min_group: int, min_comment_group: int):
    if closes_on < opens_on:
        raise CompassError(_("The round must close on or after the day it opens."))
    if min_group < 3:
        raise CompassError(_("The smallest group with results can never be below 3."))
    if min_comment_group < min_group:
        raise CompassError(
            _("The smallest group with comments must be at least the smallest group with results.")
        )


def unit_tree(root: Unit) -> dict[str, int | None]:
    """The units under `root` as {unit id: parent id}, to freeze on a round (Round.tree)."""
    return {
        str(pk): (None if pk == root.pk else parent_id)
        for pk, parent_id in Unit.objects.filter(path__startswith=root.path).values_list(
            "pk", "parent_id"
        )
    }


def open_round(
    *,
    name: str,
    instrument: Instrument,
    root: Unit,
    opens_on: date,
    closes_on: date,
    min_group: int | None = None,
    min_comment_group: int | None = None,
    leader_instrument: Instrument | None = None,
    created_by=None,
    base_url: str = "",
    send_email: bool = True,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> Round:
    """Create a round and one invitation per active person in the subtree.

    One transaction: the round, its invitations (unit and role group copied
    on now, so a later reorganisation cannot move anyone's answer) and the
    mailing that will send them, or nothing at all. No e-mail is sent here:
    once the transaction commits, the background worker sends them
    (`deliver_mailing`), so a slow or failing mail server can neither hold
    up nor half-open a round. People without an e-mail address get a printed
    letter (`issue_letters`); with `send_email=False` everybody does.
    """
    min_group = min_group or settings.TILLID_ANONYMITY_MIN_GROUP
    min_comment_group = min_comment_group or max(
        min_group, settings.TILLID_ANONYMITY_MIN_COMMENT_GROUP
    )
    _check_round_fields(
        opens_on=opens_on,
        closes_on=closes_on,
        min_group=min_group,
        min_comment_group=min_comment_group,
    )
    if instrument.kind != InstrumentKind.EMPLOYEE:
        raise CompassError(_("A round needs a survey instrument, not a leader self-assessment."))
    if leader_instrument is not None and leader_instrument.kind != InstrumentKind.LEADER:
        raise CompassError(_("The self-assessment must be a leader instrument."))
    if not name.strip():
        raise CompassError(_("Give the round a name."))
    with transaction.atomic():
        people = list(
            Person.objects.filter(
                is_active=True, unit__is_active=True, unit__path__startswith=root.path
            ).select_related("unit")
        )
        if not people:
            raise CompassError(_("There is nobody to invite in %(unit)s.") % {"unit": root.name})
        round_ = Round.objects.create(
            name=name.strip(),
            instrument=instrument,
            leader_instrument=leader_instrument,
            root=root,
            tree=unit_tree(root),
            opens_on=opens_on,
            closes_on=closes_on,
            min_group=min_group,
            min_comment_group=min_comment_group,
            created_by=created_by,
            contact_name=contact_name.strip()[:200],
            contact_email=contact_email.strip(),
            contact_phone=contact_phone.strip()[:40],
        )
        by_email = [p for p in people if p.email] if send_email else []
        mailing = None
        if by_email:
            mailing = Mailing.objects.create(
                round=round_,
                kind=MailingKind.INVITATION,
                base_url=base_url,
                total=len(by_email),
                created_by=created_by,
            )
        emailed = {p.pk for p in by_email}
        Invitation.objects.bulk_create(
            (
                Invitation(
                    round=round_,
                    person=person,
                    unit=person.unit,
                    role_group=RoleGroup.LEADER if person.is_leader else RoleGroup.EMPLOYEE,
                    has_email=bool(person.email),
                    delivery=Delivery.PENDING if person.pk in emailed else Delivery.LETTER,
                    mailing=mailing if person.pk in emailed else None,
                )
                for person in people
            ),
            batch_size=1000,
        )
        if mailing is not None:
            _enqueue_after_commit(mailing)
    return round_


def _enqueue_after_commit(mailing: Mailing) -> None:
    pk = mailing.pk
    transaction.on_commit(lambda: tasks.send_mailing.enqueue(pk))


def _rotate(invitations: list[Invitation]) -> dict[int, str]:
    """Give invitations fresh tokens (old links stop working); only hashes are kept."""
    tokens = {}
    for inv in invitations:
        token = new_token()
        tokens[inv.pk] = token
        inv.token_hash = token_hash(token)
    Invitation.objects.bulk_update(invitations, ["token_hash"], batch_size=1000)
    return tokens


def send_reminders(*, round_: Round, base_url: str = "", created_by=None) -> Mailing:
    """Queue a reminder with a fresh link to everyone who has not answered.

    Only the system learns who they are: the caller gets a mailing with a
    number. The e-mails go through the same sender as the invitations; an
    invitation's link changes when its reminder is accepted by the server.
    """
    with transaction.atomic():
        round_ = Round.objects.select_for_update().get(pk=round_.pk)
        if not round_.is_open:
            raise CompassError(_("Reminders can only be sent while the round is open."))
        if Mailing.objects.filter(round=round_, finished=False).exists():
            raise CompassError(
                _("E-mails for this round are still being sent. Wait until they have gone out.")
            )
        pending = Invitation.objects.filter(
            round=round_, used=False, delivery=Delivery.SENT, mailing__isnull=True
        )
        mailing = Mailing.objects.create(
            round=round_,
            kind=MailingKind.REMINDER,
            base_url=base_url,
            total=0,
            created_by=created_by,
        )
        mailing.total = pending.update(mailing=mailing)
        if not mailing.total:
            mailing.finished = True
        mailing.save(update_fields=["total", "finished"])
        if mailing.total:
            _enqueue_after_commit(mailing)
    return mailing


def _failed_invitations(round_: Round, invitation_ids: list[int] | None):
    qs = Invitation.objects.select_for_update().filter(
        round=round_, delivery=Delivery.FAILED, used=False, mailing__isnull=True
    )
    if invitation_ids is not None:
        qs = qs.filter(pk__in=invitation_ids)
    return qs


@transaction.atomic
def resend_failed(
    *, round_: Round, invitation_ids: list[int] | None = None, base_url: str = "", created_by=None
) -> Mailing:
    """Queue the failed e-mails again (all, or those chosen), e.g. after an
    address was corrected in the organisation file."""
    if round_.is_closed:
        raise CompassError(_("The round has closed; no more invitations can be sent."))
    ids = list(_failed_invitations(round_, invitation_ids).values_list("pk", flat=True))
    if not ids:
        raise CompassError(_("Choose at least one failed e-mail."))
    mailing = Mailing.objects.create(
        round=round_,
        kind=MailingKind.RESEND,
        base_url=base_url,
        total=len(ids),
        created_by=created_by,
    )
    Invitation.objects.filter(pk__in=ids).update(
        mailing=mailing, delivery=Delivery.PENDING, delivery_error=""
    )
    _enqueue_after_commit(mailing)
    return mailing


@transaction.atomic
def letters_for_failed(*, round_: Round, invitation_ids: list[int] | None = None) -> list[Letter]:
    """Turn failed e-mails (all, or those chosen) into printed letters, with fresh codes."""
    if round_.is_closed:
        raise CompassError(_("The round has closed; no more letters can be printed."))
    pending = list(
        _failed_invitations(round_, invitation_ids)
        .select_related("person", "unit")
        .order_by("unit__name", "person__name")
    )
    if not pending:
        raise CompassError(_("Choose at least one failed e-mail."))
    for inv in pending:
        inv.delivery = Delivery.LETTER
        inv.delivery_error = ""
    Invitation.objects.bulk_update(pending, ["delivery", "delivery_error"], batch_size=1000)
    tokens = _rotate(pending)
    return [Letter(unit=i.unit, person_name=i.person.name, token=tokens[i.pk]) for i in pending]


@transaction.atomic
def issue_letters(*, round_: Round, unit: Unit | None = None) -> list[Letter]:
    """Letters with a fresh link and code for those who get letters and have not answered.

    Those are the people without an e-mail address (or everyone, for a round
    opened without e-mail), and failed e-mails turned into letters. Printing
    again replaces the codes of earlier letters.
    """
    if round_.is_closed:
        raise CompassError(_("The round has closed; no more letters can be printed."))
    qs = Invitation.objects.select_for_update().filter(
        round=round_, used=False, delivery=Delivery.LETTER
    )
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    pending = list(qs.select_related("person", "unit").order_by("unit__name", "person__name"))
    tokens = _rotate(pending)
    return [Letter(unit=i.unit, person_name=i.person.name, token=tokens[i.pk]) for i in pending]


@transaction.atomic
def update_anonymity(*, round_: Round, min_group: int, min_comment_group: int) -> Round:
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if Response.objects.filter(round=round_).exists():
        raise CompassError(
            _("The anonymity settings are locked: the round has received its first response.")
        )
    _check_round_fields(
        opens_on=round_.opens_on,
        closes_on=round_.closes_on,
        min_group=min_group,
        min_comment_group=min_comment_group,
    )
    round_.min_group = min_group
    round_.min_comment_group = min_comment_group
    round_.save(update_fields=["min_group", "min_comment_group"])
    return round_


@transaction.atomic
def close_round(*, round_: Round) -> Round:
    round_.closed_early = True
    round_.save(update_fields=["closed_early"])
    return round_


# --- answering -----------------------------------------------------------------


class LinkUnknown(CompassError):
    pass


class LinkUsed(CompassError):
    pass


class RoundNotOpen(CompassError):
    pass


def invitation_for_token(token: str) -> Invitation:
    """The invitation of a link, with its round and the round's instrument checksum.

    This is the answering hot path (budget: 200 answers a second), so it is
    one hand-written query instead of the ORM's select_related, which costs
    three times as much to build as to run. It reads only columns whose
    database values need no conversion by Django (numbers, text, dates,
    booleans): the round's other fields load on first use, as deferred fields.
    """
    with connection.cursor() as cursor:
        cursor.execute(_link_sql(connection.vendor), [token_hash(token)])
        row = cursor.fetchone()
    if row is None:
        raise LinkUnknown(
            _(
                "We do not recognise this link or code. Check that it is typed correctly, or "
                "use the newest e-mail or letter: a reminder replaces earlier links."
            )
        )
    inv_fields = [f.attname for f in Invitation._meta.concrete_fields]
    n = len(inv_fields)
    inv = Invitation.from_db(connection.alias, inv_fields, row[:n])
    inv.round = Round.from_db(connection.alias, _link_round_fields(), row[n:-1])
    inv.instrument_checksum = row[-1]
    return inv


@functools.cache
def _link_round_fields() -> list[str]:
    """The round's simple columns, in model order (as Model.from_db wants them)."""
    simple = (
        models.AutoField,
        models.CharField,
        models.DateField,
        models.BooleanField,
        models.IntegerField,
        models.ForeignKey,
    )
    return [
        f.attname
        for f in Round._meta.concrete_fields
        # DateTimeField is a DateField, but its values need Django's time-zone handling.
        if isinstance(f, simple) and not isinstance(f, models.DateTimeField)
    ]


@functools.cache
def _link_sql(vendor: str) -> str:  # one text per database vendor
    qn = connection.ops.quote_name
    inv_columns = ", ".join(f"i.{qn(f.column)}" for f in Invitation._meta.concrete_fields)
    round_columns = ", ".join(
        f"r.{qn(Round._meta.get_field(name).column)}" for name in _link_round_fields()
    )
    return (
        f"SELECT {inv_columns}, {round_columns}, ins.{qn('checksum')} "
        f"FROM {qn(Invitation._meta.db_table)} i "
        f"JOIN {qn(Round._meta.db_table)} r ON r.{qn('id')} = i.{qn('round_id')} "
        f"JOIN {qn(Instrument._meta.db_table)} ins ON ins.{qn('id')} = r.{qn('instrument_id')} "
        f"WHERE i.{qn('token_hash')} = %s"
    )


def instrument_spec(inv: Invitation) -> instrument_files.Spec:
    """The parsed instrument of an invitation's round, read once per process."""
    return instrument_files.spec_for_key(inv.round.instrument_id, inv.instrument_checksum)


def check_answerable(inv: Invitation) -> None:
    if inv.used:
        raise LinkUsed(
            _("This link has already been used. Your answer has been received – thank you.")
        )
    today = timezone.localdate()
    if inv.round.is_closed:
        raise RoundNotOpen(_("The survey has closed. It is no longer possible to answer."))
    if today < inv.round.opens_on:
        raise RoundNotOpen(
            _("The survey opens on %(date)s. Please come back then.")
            % {"date": date_format(inv.round.opens_on, "j. F Y")}
        )


def clean_answers(spec: instrument_files.Spec, raw: dict) -> dict[str, int]:
    """Keep only known items with values on the scale; "don't know" is left out."""
    codes = set(spec.item_codes)
    answers = {}
    for code, value in raw.items():
        if code not in codes:
            raise CompassError(_("Unknown question %(code)s.") % {"code": code})
        if value in (None, "", "dk"):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise CompassError(_("Invalid answer to question %(code)s.") % {"code": code}) from None
        if not spec.low <= number <= spec.high:
            raise CompassError(_("Invalid answer to question %(code)s.") % {"code": code})
        answers[code] = number
    return answers


def response_sheet(
    *,
    spec: instrument_files.Spec,
    round_id: int,
    unit_id: int,
    role_group: str,
    submitted_on: date,
    answers: dict[str, int],
    comment: str = "",
) -> Response:
    """An unsaved response with its answers also packed for fast results.

    Every way a response is stored (answering, importing, the demo) builds
    it here, so `answers` and `packed` never disagree.
    """
    return Response(
        round_id=round_id,
        unit_id=unit_id,
        role_group=role_group,
        submitted_on=submitted_on,
        answers=answers,
        packed=instrument_files.pack_answers(spec, answers),
        comment=(comment or "").strip()[:4000],
    )


def submit_response(*, token: str, answers: dict, comment: str = "") -> Response:
    """Store one anonymous response and mark the link used; one transaction.

    The response gets the invitation's frozen unit and role group and today's
    date, and nothing else from the invitation. A second submission of the
    same link fails with LinkUsed, also when two arrive at the same moment.
    """
    with transaction.atomic():
        inv = invitation_for_token(token)
        check_answerable(inv)
        spec = instrument_spec(inv)
        cleaned = clean_answers(spec, answers)
        claimed = Invitation.objects.filter(pk=inv.pk, used=False).update(used=True)
        if claimed != 1:
            raise LinkUsed(
                _("This link has already been used. Your answer has been received – thank you.")
            )
        response = response_sheet(
            spec=spec,
            round_id=inv.round_id,
            unit_id=inv.unit_id,
            role_group=inv.role_group,
            submitted_on=timezone.localdate(),
            answers=cleaned,
            comment=comment,
        )
        response.save(force_insert=True)
    return response


# --- a new link, asked for by the person ----------------------------------------


class RequestAlreadyHandled(CompassError):
    """The same form was sent twice: the first one did the work."""


@dataclass
class NewLink:
    round: Round
    # The new code, when one was made to show on the screen; None when it goes by e-mail.
    token: str | None


def open_invitations_for(person: Person | None) -> list[Invitation]:
    """The person's own invitations in open rounds that they have not used yet."""
    if person is None:
        return []
    today = timezone.localdate()
    return list(
        Invitation.objects.filter(
            person=person,
            used=False,
            round__closed_early=False,
            round__is_imported=False,
            round__opens_on__lte=today,
            round__closes_on__gte=today,
        )
        .select_related("round")
        .order_by("round__closes_on", "round__pk")
    )


def request_new_link(
    *, person: Person, round_id: int, nonce: str, by_email: bool, base_url: str
) -> NewLink:
    """Give a person a new link to their own invitation; one transaction.

    By e-mail: the sender mails a fresh link to the person's own address (the
    old link stops working when the new one is accepted). Otherwise a new code
    is made now for the person to see, and the old one stops working at once.
    Either way only an unused invitation in an open round gets one. Nothing
    records who asked: `LinkRequest` keeps only the hash of the form's
    one-time nonce and the date, so a second submit of the same form is
    refused (RequestAlreadyHandled) instead of sending twice.
    """
    if not nonce or len(nonce) > 200:
        raise CompassError(_("The form has expired. Please try again."))
    with transaction.atomic():
        inv = (
            Invitation.objects.select_for_update()
            .select_related("round")
            .filter(person=person, round_id=round_id)
            .first()
        )
        if inv is None:
            raise CompassError(_("You are not invited to this round."))
        if inv.used:
            raise LinkUsed(_("You have already answered this round – thank you."))
        if not inv.round.is_open:
            raise RoundNotOpen(_("This round is not open for answers."))
        if by_email and not person.email:
            raise CompassError(_("We have no e-mail address for you. Get a new code here instead."))
        try:
            with transaction.atomic():
                LinkRequest.objects.create(
                    key=hashlib.sha256(nonce.encode()).hexdigest(),
                    requested_on=timezone.localdate(),
                )
        except IntegrityError:
            raise RequestAlreadyHandled(_("Your request has already been handled.")) from None
        if by_email:
            pk = inv.pk
            transaction.on_commit(lambda: tasks.send_new_link.enqueue(pk, base_url))
            return NewLink(round=inv.round, token=None)
        token = new_token()
        Invitation.objects.filter(pk=inv.pk).update(token_hash=token_hash(token))
        return NewLink(round=inv.round, token=token)


_THANKS_SALT = "tillid.compass.thanks"


def thanks_key(round_id: int) -> str:
    """The thank-you page's address part: the round, signed so rounds cannot be listed."""
    return signing.dumps(round_id, salt=_THANKS_SALT)


def round_for_thanks_key(key: str) -> Round:
    try:
        round_id = signing.loads(key, salt=_THANKS_SALT)
        return Round.objects.get(pk=round_id)
    except (signing.BadSignature, Round.DoesNotExist):
        raise LinkUnknown(_("We do not recognise this page.")) from None


# --- leader self-assessment ------------------------------------------------------


@transaction.atomic
def save_self_assessment(
    *, round_: Round, unit: Unit, user, answers: dict, shared: bool
) -> SelfAssessment:
    if round_.leader_instrument is None:
        raise CompassError(_("This round has no leader self-assessment."))
    cleaned = clean_answers(instrument_files.spec_for(round_.leader_instrument), answers)
    assessment, _created = SelfAssessment.objects.update_or_create(
        round=round_, unit=unit, user=user, defaults={"answers": cleaned, "shared": shared}
    )
    return assessment


# --- dialogue ---------------------------------------------------------------------


@dataclass
class ActionInput:
    title: str
    owner: str
    due_on: date


@transaction.atomic
def record_meeting(
    *,
    unit: Unit,
    held_on: date,
    participants: int,
    agreements: str,
    actions: list[ActionInput],
    round_: Round | None = None,
    created_by=None,
) -> DialogueMeeting:
    if participants < 1:
        raise CompassError(_("At least one person must have taken part."))
    if not agreements.strip():
        raise CompassError(_("Write what was agreed."))
    meeting = DialogueMeeting.objects.create(
        unit=unit,
        round=round_,
        held_on=held_on,
        participants=participants,
        agreements=agreements.strip(),
        created_by=created_by,
    )
    DialogueAction.objects.bulk_create(
        DialogueAction(meeting=meeting, title=a.title, owner=a.owner, due_on=a.due_on)
        for a in actions
    )
    return meeting


@transaction.atomic
def update_action(*, action: DialogueAction, status: str, follow_up: str = "") -> DialogueAction:
    if status not in ActionStatus.values:
        raise CompassError(_("Unknown status."))
    action.status = status
    action.follow_up = follow_up.strip()
    action.save(update_fields=["status", "follow_up"])
    return action
