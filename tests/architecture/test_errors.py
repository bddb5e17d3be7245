"""Problem codes are unique, documented and dereferenceable (STYLE.md §8)."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient

import smartcity.app  # noqa: F401  (imports every domain, so every error class exists)
from smartcity.core.errors import RESERVED_MEMBERS, AppError, all_error_classes


def test_error_codes_are_unique() -> None:
    codes = Counter(cls.code for cls in all_error_classes())
    duplicates = [code for code, n in codes.items() if n > 1]
    assert not duplicates


def test_every_error_has_a_status_title_and_a_domain_code() -> None:
    for cls in all_error_classes():
        assert 400 <= cls.status <= 599, cls
        assert (cls.title and cls.title != AppError.title) or cls is AppError, cls
        if cls.__module__.startswith("smartcity.domains."):
            domain = cls.__module__.split(".")[2]
            assert cls.code.startswith(f"{domain}."), (cls, cls.code)
            assert cls.__name__.endswith("Error"), cls


def test_every_code_has_a_problem_page(client: TestClient) -> None:
    for cls in all_error_classes():
        response = client.get(f"/problems/{cls.code}", headers={"accept": "text/html"})
        assert response.status_code == 200, (cls.code, response.status_code)
        assert cls.title in response.text


def test_extensions_cannot_shadow_standard_members() -> None:
    for member in RESERVED_MEMBERS:
        try:
            AppError("x", **{member: 1})
        except TypeError:
            continue
        raise AssertionError(f"{member} was accepted as an extension")
