"""Password hashing with argon2id (RFC 9106), through argon2-cffi."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# A real hash to verify against when the user does not exist, so an unknown name
# costs the same time as a wrong password and timing reveals nothing. Made on first
# use, not at import: every CLI command and worker start would otherwise pay for it.
_dummy_hash: str | None = None


def use_hasher(hasher: PasswordHasher) -> None:
    """Replace the hasher (tests use cheaper parameters; production keeps the defaults)."""
    global _hasher, _dummy_hash
    _hasher = hasher
    _dummy_hash = None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not-a-real-password-0000")
    return _dummy_hash


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always does the work of one verification."""
    try:
        return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, *, username: str = "") -> list[str]:
    """Why a password is too weak (empty when acceptable)."""
    problems = []
    if len(password) < 10:
        problems.append("至少 10 个字符")
    classes = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if classes < 3:
        problems.append("须包含大写字母、小写字母、数字、符号中的至少三类")
    if username and username.lower() in password.lower():
        problems.append("不能包含用户名")
    return problems
