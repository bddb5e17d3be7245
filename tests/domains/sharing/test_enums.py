"""The sharing platform's labels cover every value of their enumerations."""

from __future__ import annotations

from enum import StrEnum

import pytest

from smartcity.domains.sharing import enums


@pytest.mark.parametrize(
    ("kind", "labels"),
    [
        (enums.RequestPath, enums.REQUEST_PATH_LABELS),
        (enums.RequestState, enums.REQUEST_STATE_LABELS),
        (enums.QueryMode, enums.QUERY_MODE_LABELS),
        (enums.GrantState, enums.GRANT_STATE_LABELS),
    ],
)
def test_every_value_has_a_chinese_label(kind: type[StrEnum], labels: dict[StrEnum, str]) -> None:
    assert set(labels) == set(kind)
    assert all(label.strip() for label in labels.values())


def test_open_states_are_the_states_a_clock_runs_in() -> None:
    assert {
        enums.RequestState.compliance_check,
        enums.RequestState.provider_review,
        enums.RequestState.escalated,
    } == enums.OPEN_STATES
