"""core.pseudonyms: HMAC-SM3 pseudonyms and SM4-GCM sealed text."""

from __future__ import annotations

import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartcity.core.pseudonyms import PSEUDONYM_LENGTH, new_secret, pseudonym, seal, unseal

SECRET = new_secret()


class TestPseudonym:
    def test_stable_under_one_secret_and_unlinkable_across_secrets(self) -> None:
        key = "370883196102020017"
        first = pseudonym(SECRET, key)

        assert first == pseudonym(SECRET, key)
        assert len(first) == PSEUDONYM_LENGTH
        assert int(first, 16) >= 0
        assert first != pseudonym(new_secret(), key)
        assert first != pseudonym(SECRET, "370883196102020025")
        assert key not in first

    def test_is_a_keyed_sm3_not_a_plain_hash(self) -> None:
        # Without the secret, hashing every possible ID number does not find it.
        key = "370883196102020017"
        plain = hmac.new(b"", key.encode(), "sm3").hexdigest()[:PSEUDONYM_LENGTH]

        assert pseudonym(SECRET, key) != plain

    @pytest.mark.parametrize("secret", ["", "00" * 15, "not hex"])
    def test_an_empty_short_or_malformed_secret_is_refused(self, secret: str) -> None:
        with pytest.raises(ValueError, match=r"bytes|hexadecimal"):
            pseudonym(secret, "370883196102020017")
        with pytest.raises(ValueError, match=r"bytes|hexadecimal"):
            seal(secret, "370883196102020017", "g:1:u")

    def test_new_secrets_are_fresh(self) -> None:
        secrets = {new_secret() for _ in range(50)}

        assert len(secrets) == 50
        assert all(len(s) == 64 and bytes.fromhex(s) for s in secrets)


class TestSeal:
    @given(st.text(max_size=200), st.text(max_size=50))
    def test_opens_to_the_text_it_sealed(self, text: str, context: str) -> None:
        sealed = seal(SECRET, text, context)

        assert unseal(SECRET, sealed, context) == text
        assert set(sealed) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )

    def test_hides_the_text_and_differs_each_time(self) -> None:
        key = "370883196102020017"
        one, two = seal(SECRET, key, "g:1:u"), seal(SECRET, key, "g:1:u")

        assert one != two
        assert key not in one
        assert "0017" not in one

    @pytest.mark.parametrize(
        ("secret", "context", "alter"),
        [
            ("another", "g:1:u", None),  # another secret
            ("same", "g:2:u", None),  # another context
            ("same", "g:1:u", "flip"),  # one bit changed
            ("same", "g:1:u", "cut"),  # shortened
            ("same", "g:1:u", "junk"),  # not base64 at all
        ],
    )
    def test_refuses_anything_it_did_not_seal_for_that_context(
        self, secret: str, context: str, alter: str | None
    ) -> None:
        sealed = seal(SECRET, "370883196102020017", "g:1:u")
        secret = new_secret() if secret == "another" else SECRET
        if alter == "flip":
            sealed = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
        elif alter == "cut":
            sealed = sealed[:20]
        elif alter == "junk":
            sealed = "这不是密文!"

        with pytest.raises(ValueError, match="not a sealed text"):
            unseal(secret, sealed, context)
