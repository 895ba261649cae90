"""Argument checks at the door: every public entry validates here, once; inner code trusts it.

Every message names the function, the argument, what was expected and what was received, for
example ``update: factor must have shape (500,) or (500, k), got (400,)``. ``ValueError`` is raised
for bad values and shapes, ``TypeError`` for bad types. Checks run before any work, so a failed
call never leaves a half-updated state behind.

:mod:`~pyginger._validation.common` holds the checks every layer shares; each layer's own
checks and choice lists live in a module of this package named after the layer.
"""

from pyginger._validation.common import (
    BACKENDS,
    CERTIFICATE_FIELDS,
    FACTOR_KINDS,
    FLOAT_DTYPES,
    FORMS,
    CurvatureRangeError,
    as_real_array,
    check_beta,
    check_bool,
    check_choice,
    check_dim,
    check_finite,
    check_float_dtype,
    check_operand,
    check_positive_finite,
    check_positive_int,
    check_rank,
    check_shape,
    check_state,
    make_rng,
    refuse_non_real,
    require_finite_product,
)

__all__ = [
    "BACKENDS",
    "CERTIFICATE_FIELDS",
    "FACTOR_KINDS",
    "FLOAT_DTYPES",
    "FORMS",
    "CurvatureRangeError",
    "as_real_array",
    "check_beta",
    "check_bool",
    "check_choice",
    "check_dim",
    "check_finite",
    "check_float_dtype",
    "check_operand",
    "check_positive_finite",
    "check_positive_int",
    "check_rank",
    "check_shape",
    "check_state",
    "make_rng",
    "refuse_non_real",
    "require_finite_product",
]
