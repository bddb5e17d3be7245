"""Identifier checks for departments' systems: GB 11643, GB 32100, GB/T 2260.

Departments validate ID numbers and credit codes before they submit data; they
call the same validators the platform uses, so the answer is the platform's.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from smartcity.core.errors import InvalidIdentifierError
from smartcity.core.http.problems import problem_responses
from smartcity.core.identifiers import (
    IdentifierError,
    division_name,
    parse_credit_code,
    parse_id_number,
    validate_division_code,
)
from smartcity.core.security import ensure_authenticated
from smartcity.domains.identity.deps import ActorDep

router = APIRouter(prefix="/tools", tags=["tools"])


class IdentifierCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["id_number", "credit_code", "division_code"]
    value: str = Field(min_length=1, max_length=64)


class IdentifierInfo(BaseModel):
    kind: str
    value: str = Field(description="规范化后的值")
    valid: bool = True
    region_code: str | None = None
    region_name: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    authority: str | None = None
    entity_type: str | None = None
    organization_code: str | None = None


@router.post("/identifiers/check", responses=problem_responses(InvalidIdentifierError))
def check_identifier(data: IdentifierCheck, actor: ActorDep) -> IdentifierInfo:
    """Validate one identifier; a failure is a 422 problem naming the failing position."""
    ensure_authenticated(actor)
    try:
        if data.kind == "id_number":
            person = parse_id_number(data.value)
            return IdentifierInfo(
                kind=data.kind,
                value=person.number,
                region_code=person.region_code,
                region_name=person.region_name,
                birth_date=person.birth_date,
                gender=person.gender,
            )
        if data.kind == "credit_code":
            entity = parse_credit_code(data.value)
            return IdentifierInfo(
                kind=data.kind,
                value=entity.code,
                region_code=entity.region_code,
                region_name=entity.region_name,
                authority=entity.authority_name,
                entity_type=entity.entity_type_name,
                organization_code=entity.organization_code,
            )
        code = validate_division_code(data.value)
        return IdentifierInfo(
            kind=data.kind, value=code, region_code=code, region_name=division_name(code)
        )
    except IdentifierError as exc:
        raise InvalidIdentifierError(exc.message, position=exc.position, reason=exc.code) from exc
