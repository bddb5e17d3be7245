"""Chinese identifiers in the kernel.

- :mod:`.id_number`: citizen identity numbers, GB 11643-1999 (legacy 15-digit
  numbers of GB 11643-1989 upgraded);
- :mod:`.credit_code`: unified social credit codes, GB 32100-2015, with the
  embedded GB 11714-1997 organisation-code check;
- :mod:`.divisions`: GB/T 2260 administrative-division codes, current and
  abolished, shipped as data;
- :mod:`.masking`: display masking per GB/T 35273-2020 §7.2 (patterns are policy);
- :mod:`.errors`: :class:`IdentifierError` (``code``, ``message``, ``position``).
"""

from smartcity.core.identifiers.credit_code import (
    CREDIT_CHARSET,
    NATIONAL_REGION_CODE,
    REGISTRATION_AUTHORITIES,
    CreditCodeInfo,
    RegistrationAuthority,
    credit_check_character,
    is_valid_credit_code,
    make_credit_code,
    organization_code_check_character,
    parse_credit_code,
    validate_credit_code,
)
from smartcity.core.identifiers.divisions import (
    Division,
    children,
    division_codes,
    division_name,
    is_current_division,
    is_known_division,
    lookup_division,
    validate_division_code,
)
from smartcity.core.identifiers.errors import CreditCodeCheckError, IdentifierError
from smartcity.core.identifiers.id_number import (
    IdNumberInfo,
    id_check_character,
    is_valid_id_number,
    make_id_number,
    parse_id_number,
    upgrade_15_to_18,
    validate_id_number,
)
from smartcity.core.identifiers.masking import (
    DEFAULT_MASK_POLICY,
    MaskKind,
    MaskPolicy,
    mask,
    mask_address,
    mask_all,
    mask_credit_code,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)

__all__ = [
    "CREDIT_CHARSET",
    "DEFAULT_MASK_POLICY",
    "NATIONAL_REGION_CODE",
    "REGISTRATION_AUTHORITIES",
    "CreditCodeCheckError",
    "CreditCodeInfo",
    "Division",
    "IdNumberInfo",
    "IdentifierError",
    "MaskKind",
    "MaskPolicy",
    "RegistrationAuthority",
    "children",
    "credit_check_character",
    "division_codes",
    "division_name",
    "id_check_character",
    "is_current_division",
    "is_known_division",
    "is_valid_credit_code",
    "is_valid_id_number",
    "lookup_division",
    "make_credit_code",
    "make_id_number",
    "mask",
    "mask_address",
    "mask_all",
    "mask_credit_code",
    "mask_email",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "organization_code_check_character",
    "parse_credit_code",
    "parse_id_number",
    "upgrade_15_to_18",
    "validate_credit_code",
    "validate_division_code",
    "validate_id_number",
]
