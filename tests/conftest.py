"""Shared fixtures: the same core tests run over array libraries and kernel backends."""

import os

import numpy as np
import pytest
from cases import EXACT_GINGER_CASES, GINGER_CASES
from hypothesis import HealthCheck, settings

import pyginger

# Deterministic property tests: the same examples on every run and machine (SciPy's approach).
settings.register_profile(
    "pyginger",
    derandomize=True,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
)
# A sweep to run by hand after changing a property or the code under it, so that a property is
# checked on thousands of random inputs and not only on the 40 examples one Hypothesis version
# draws: HYPOTHESIS_PROFILE=thorough python -m pytest -m hypothesis (about a minute per test).
settings.register_profile(
    "thorough",
    derandomize=False,
    deadline=None,
    max_examples=3000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "pyginger"))


def _namespaces():
    params = [pytest.param(np, id="numpy")]
    try:
        import array_api_strict

        params.append(pytest.param(array_api_strict, id="array_api_strict"))
    except ImportError:  # pragma: no cover
        params.append(
            pytest.param(None, id="array_api_strict", marks=pytest.mark.skip("not installed"))
        )
    return params


@pytest.fixture(params=_namespaces())
def xp(request):
    """Array namespace the core is exercised with: NumPy, and the strict array-API reference."""
    return request.param


@pytest.fixture(params=["numba", "numpy"])
def backend(request):
    """Kernel implementation for NumPy arrays: Numba kernels or their pure twins."""
    return request.param


@pytest.fixture
def algorithm_counts():
    """Count, for one test, which update algorithms and eigensolvers the core ran."""
    with pyginger.core.count_algorithms() as counts:
        yield counts


@pytest.fixture(params=EXACT_GINGER_CASES)
def exact_case(request):
    """A named stream that nothing truncates (``cases.GINGER_CASES``)."""
    return GINGER_CASES[request.param]


@pytest.fixture(scope="module")
def small_state():
    """The state of the ``block_truncated`` stream: truncated, so only its own matrix is exact."""
    return GINGER_CASES["block_truncated"].run()
