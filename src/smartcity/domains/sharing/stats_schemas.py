"""Schemas of the sharing statistics (issue #5): figures per department and per
county-level unit, refusals by legal basis, exchange calls per day and month, and
the most consumed resources. No personal data: counts only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class SharingFigures(BaseModel):
    """The figures of one department, one county or the whole city for a year.

    Requests count by the year of submission; decisions, on-time answers, answer
    times and refusals by the year of the decision and on the provider's line;
    grants are those valid now; calls are exchange calls made in the year (on the
    consumer's line).
    """

    model_config = ConfigDict(frozen=True)

    requests_made: int = 0
    requests_received: int = 0
    decided: int = 0
    on_time: int = 0
    late: int = 0
    on_time_rate: float | None = None
    median_answer_days: float | None = None
    refusals: int = 0
    grants_held: int = 0
    grants_given: int = 0
    calls: int = 0
    errors: int = 0
    error_rate: float | None = None


class OrganizationStatistics(BaseModel):
    organization_id: UUID
    code: str
    name: str
    county_id: UUID | None
    county_name: str
    figures: SharingFigures


class CountyStatistics(BaseModel):
    """A county-level unit (县、市、区) and every body below it in the directory."""

    organization_id: UUID
    name: str
    departments: int
    figures: SharingFigures


class RefusalsByBasis(BaseModel):
    legal_basis_id: UUID
    citation: str
    refusals: int
    share: float | None = None  # of all refusals of the year in scope, 0–1


class CallCount(BaseModel):
    """Exchange calls in one period (a day or a month, in Asia/Shanghai)."""

    label: str
    start: date
    calls: int
    errors: int


class ResourceCalls(BaseModel):
    resource: str
    calls: int
    errors: int
    share: float | None = None  # of all exchange calls of the year in scope, 0–1


class SharingStatistics(BaseModel):
    """Everything the dashboard, the API and the annual report show."""

    year: int
    years: list[int]
    as_of: datetime
    scope: Literal["all", "organization"]
    organization_id: UUID | None
    county_id: UUID | None
    totals: SharingFigures
    departments: list[OrganizationStatistics]
    counties: list[CountyStatistics]
    refusals_by_basis: list[RefusalsByBasis]
    calls_per_day: list[CallCount]
    calls_today: int
    calls_per_month: list[CallCount]
    top_resources: list[ResourceCalls]
