"""States of requests to open a dataset (数据开放申请, Art. 31) and their labels."""

from __future__ import annotations

from enum import StrEnum


class DataRequestState(StrEnum):
    """A request is ``new`` until the coordinator answers it (``answered``, with a reply)
    or declines it (``declined``, with a reason); either is final."""

    new = "new"
    answered = "answered"
    declined = "declined"


DATA_REQUEST_STATE_LABELS: dict[DataRequestState, str] = {
    DataRequestState.new: "待答复",
    DataRequestState.answered: "已答复",
    DataRequestState.declined: "不予开放",
}
