from django.db import transaction
from django.utils import timezone

from tillid.core.models import ApiToken, hash_token


@transaction.atomic
def create_api_token(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a key for `user`; returns the token and the raw key (shown once).

    Only the key's SHA-256 hash and its first characters are stored.
    """
    name = name.strip()
    if not name:
        raise ValueError("an API key needs a name")
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=raw[3:9], token_hash=hash_token(raw)
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, user, token_id: int) -> bool:
    """Revoke one of `user`'s own keys; False if it is not theirs or already revoked."""
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return bool(updated)
