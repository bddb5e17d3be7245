"""Pseudonyms and sealed text under a secret of their own (GB/T 32905 SM3, GB/T 32907 SM4).

For identifiers that must leave the platform without being readable — a record's key
(an ID number, a credit code) in an answer whose grant masks the key:

- ``pseudonym(secret, text)``: HMAC-SM3 of ``text``, 32 hex characters. Stable for one
  secret (a consumer can match records across answers and keep a copy keyed by it),
  unlinkable across secrets, and not reversible without the secret (an ID number has
  too few possible values for a plain hash to hide it).
- ``seal(secret, text, context)`` / ``unseal``: ``text`` encrypted and authenticated
  with SM4-GCM under a key derived from ``secret``, bound to ``context`` (associated
  data: a sealed text made for one context does not open in another), as URL-safe
  base64. For a position the platform must get back — a paging cursor — that
  carries a key. ``unseal`` raises ``ValueError`` for anything it did not seal.

``new_secret()`` makes a secret: 32 random bytes as 64 hex characters.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PSEUDONYM_LENGTH = 32
_NONCE = 12
_TAG = 16


def new_secret() -> str:
    """A fresh secret: 32 random bytes, hex."""
    return secrets.token_hex(32)


_MIN_SECRET_BYTES = 16


@lru_cache(maxsize=1024)
def _key(secret: str, purpose: bytes) -> bytes:
    """The key for one purpose, derived from ``secret`` (kept: a lookup makes a
    pseudonym under its grant's secret on every call).

    Raises:
        ValueError: ``secret`` is not hex of at least 16 bytes — an empty one (a row
            written around ``new_secret``) would make every pseudonym a plain,
            guessable hash.
    """
    raw = bytes.fromhex(secret)
    if len(raw) < _MIN_SECRET_BYTES:
        raise ValueError(f"a secret of {len(raw)} bytes: at least {_MIN_SECRET_BYTES} needed")
    return hmac.new(raw, purpose, "sm3").digest()


def pseudonym(secret: str, text: str) -> str:
    """HMAC-SM3 of ``text`` under ``secret`` (hex), cut to ``PSEUDONYM_LENGTH`` hex
    characters (128 bits)."""
    return hmac.new(_key(secret, b"pseudonym"), text.encode(), "sm3").hexdigest()[:PSEUDONYM_LENGTH]


def seal(secret: str, text: str, context: str) -> str:
    """``text`` encrypted with SM4-GCM (a random nonce each time), bound to ``context``;
    URL-safe base64 without padding."""
    nonce = secrets.token_bytes(_NONCE)
    encryptor = Cipher(algorithms.SM4(_key(secret, b"seal")[:16]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(context.encode())
    body = encryptor.update(text.encode()) + encryptor.finalize()
    return base64.urlsafe_b64encode(nonce + body + encryptor.tag).rstrip(b"=").decode()


def unseal(secret: str, sealed: str, context: str) -> str:
    """The text ``seal`` sealed under ``secret`` for ``context``.

    Raises:
        ValueError: not base64, too short, altered, sealed under another secret or
            for another context.
    """
    try:
        raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not a sealed text") from error
    if len(raw) < _NONCE + _TAG:
        raise ValueError("not a sealed text")
    nonce, body, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    decryptor = Cipher(
        algorithms.SM4(_key(secret, b"seal")[:16]), modes.GCM(nonce, tag)
    ).decryptor()
    decryptor.authenticate_additional_data(context.encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except (InvalidTag, UnicodeDecodeError) as error:
        raise ValueError("not a sealed text") from error
