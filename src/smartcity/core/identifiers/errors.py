"""Errors raised by the identifier validators.

``IdentifierError`` is a ``ValueError`` so that plain Python callers (pydantic
validators, CSV loaders) treat it as bad input. It carries:

- ``code``: a stable machine code such as ``"id-number.check-character"``; API
  clients match on it, so never rename one;
- ``message``: the Chinese message shown to people (also ``str(err)``);
- ``position``: the 1-based character position that fails, when there is one.

Messages never repeat the value itself: identity numbers are personal sensitive
information (GB/T 35273-2020) and errors end up in logs.
"""

from __future__ import annotations

__all__ = ["CreditCodeCheckError", "IdentifierError"]


class IdentifierError(ValueError):
    """An identifier (ID number, credit code, division code) is not valid."""

    code: str
    message: str
    position: int | None

    def __init__(self, code: str, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"position={self.position!r})"
        )

    def __reduce__(self) -> tuple[type[IdentifierError], tuple[str, str, int | None]]:
        return (type(self), (self.code, self.message, self.position))


class CreditCodeCheckError(IdentifierError):
    """A credit code is well formed but a check character does not match.

    Raised for the embedded GB 11714 organisation-code check (position 17) and
    for the GB 32100 check character (position 18). Real issued codes can fail
    these checks (e.g. ``91350203M0001QAY9B``), so a registry layer may accept
    them from an allow-list; a plain ``IdentifierError`` means the code is
    structurally impossible.
    """
