"""The one-time links of the compass: tokens, their hashes and codes (pure).

A token exists only in its e-mail or printed letter; Tillid keeps its SHA-256
hash. Shared by the services (rounds, letters, answers) and the sender
(mailing.py), so neither imports the other.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.urls import reverse

from tillid.organisation.models import Unit

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TOKEN_LENGTH = 16  # 80 bits


def new_token() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(TOKEN_LENGTH))


def normalise_token(token: str) -> str:
    return "".join(ch for ch in token.upper() if ch.isalnum())


def token_hash(token: str) -> str:
    return hashlib.sha256(normalise_token(token).encode("ascii", "ignore")).hexdigest()


def format_code(token: str) -> str:
    return "-".join(token[i : i + 4] for i in range(0, len(token), 4))


def answer_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + reverse("compass:answer", args=[token])


@dataclass
class Letter:
    unit: Unit
    person_name: str
    token: str

    @property
    def code(self) -> str:
        return format_code(self.token)
