"""Smoke and correctness tests of the benchmark module: tiny sizes, no timing assertions.

Timings depend on the machine and its load, so nothing here checks a speed; the tests check that
every measurement runs, returns finite positive figures with the documented keys, skips what it
must skip, and that the command prints its sections.
"""

import csv
import math

import numpy as np
import pytest

from pyginger.benchmarks import (
    bench_update,
    blas_threads,
    crossover_dim,
    dense_crossover,
    dgemm_rate,
    main_bench,
    scaling_ratios,
    thread_limits,
    triad_bandwidth,
    update_memory,
    warm_state,
)


def test_triad_returns_positive_finite_bandwidth():
    rows = triad_bandwidth(50_000, repeats=2)
    assert [r["kernel"] for r in rows] == ["numba-serial", "numba-parallel", "numpy"]
    for r in rows:
        assert r["bytes"] == 3 * 8 * 50_000  # STREAM's count: read b, read c, write a
        assert math.isfinite(r["best_gbs"]) and r["best_gbs"] > 0
        assert r["best_gbs"] >= r["median_gbs"] > 0  # best time <= median time


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, "n must be >= 1"),
        ({"n": 10, "repeats": 0}, "repeats must be >= 1"),
        ({"n": 10, "kernels": ("stream",)}, "kernels must be among"),
    ],
)
def test_triad_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        triad_bandwidth(**kwargs)


def test_dgemm_rate_counts_flops():
    (row,) = dgemm_rate([(30, 20, 10)], repeats=1)
    assert row["flops"] == 2 * 30 * 20 * 10
    assert math.isfinite(row["gflops"]) and row["gflops"] > 0
    with pytest.raises(ValueError, match="shapes must be positive"):
        dgemm_rate([(0, 2, 2)])


def test_thread_limits_restores_settings():
    import numba

    before_numba, before_blas = numba.get_num_threads(), blas_threads()
    with thread_limits(numba=1, blas=1) as used:
        assert used["numba"] == 1
        assert all(n == 1 for n in used["blas"].values())
    assert numba.get_num_threads() == before_numba
    assert blas_threads() == before_blas


def test_warm_state_is_in_truncated_regime():
    state = warm_state(40, 3, chunk=2)
    # 4 > tau directions added: every eigenvalue is positive and U is orthonormal.
    assert np.all(state.sigma > 0)
    np.testing.assert_allclose(state.U.T @ state.U, np.eye(3), atol=1e-12)


def test_bench_update_rows_and_skips():
    rows = bench_update([60], [3, 100], repeats=2, min_sample=0.0, bandwidth=1.0)
    measured = [r for r in rows if r["rank"] == 3]
    skipped = [r for r in rows if r["rank"] == 100]
    assert {(r["op"], r["backend"]) for r in measured} == {
        (op, b) for op in ("update", "solve") for b in ("numba", "numpy")
    } | {("update_inplace", "numba")}
    for r in measured:
        assert r["skipped"] == "" and r["median_s"] > 0 and r["samples"] >= 2
        # float64 yardsticks: an update moves U once each way (16 d tau); a solve reads U and v
        # twice and writes the result (8 d (2 tau + 3)).
        assert r["bytes"] == (8 * 60 * (2 * 3 + 3) if r["op"] == "solve" else 16 * 60 * 3)
        assert r["fraction"] == pytest.approx(r["gbs"] / 1.0)
    assert skipped and all(r["skipped"] == "rank > dim" for r in skipped)
    assert {r["op"] for r in skipped} == {"update", "update_inplace", "solve"}


def test_bench_update_inplace_leaves_the_warm_state_alone():
    # The in-place chain overwrites its own copy of U; the other chains start from the same
    # warm state, so a shared buffer would make them time a different state. Same seed, same
    # warm state: compare a run with and without the in-place op.
    import pyginger
    from pyginger.benchmarks import core

    seen = []
    original = core._update_step

    def spy(update, backend, beta, state, v):
        seen.append(state.U.copy())
        return original(update, backend, beta, state, v)

    core._update_step = spy
    try:
        bench_update([30], [2], backends=("numba",), ops=("update_inplace", "update"), repeats=2)
    finally:
        core._update_step = original
    warm = warm_state(30, 2, damping=1e-3, beta=0.99)
    assert isinstance(warm, pyginger.GingerState)
    np.testing.assert_array_equal(seen[0], warm.U)


def test_bench_update_skips_when_memory_is_short():
    rows = bench_update([100], [2], ops=("solve",), repeats=2, memory_fraction=1e-15)
    assert all("available" in r["skipped"] and math.isnan(r["median_s"]) for r in rows)


def test_bench_update_float32_yardstick():
    rows = bench_update(
        [50], [2], backends=("numpy",), ops=("update",), dtype=np.float32, repeats=2
    )
    assert rows[0]["bytes"] == 2 * 4 * 50 * 2 and rows[0]["dtype"] == "float32"


def test_bench_update_rejects_unknown_op():
    with pytest.raises(ValueError, match="ops must be among"):
        bench_update([10], [2], ops=("invert",))


def test_scaling_ratios_normalises_to_tenfold():
    rows = [
        {"op": "update", "backend": "numba", "rank": 4, "dim": d, "median_s": t, "skipped": ""}
        for d, t in [(100, 1.0), (1000, 10.0), (4000, 40.0)]
    ]
    ratios = scaling_ratios(rows)
    assert [r["per_10x"] for r in ratios] == pytest.approx([10.0, 10.0])


def test_crossover_dim_needs_dense_slower_from_there_on():
    rows = [
        {"dim": d, "dense_step_s": t, "ginger_step_s": 1.0}
        for d, t in [(10, 2.0), (20, 0.5), (40, 3.0), (80, 9.0)]
    ]
    assert crossover_dim(rows) == 40
    assert crossover_dim(rows[:2]) is None


def test_dense_crossover_rows():
    rows = dense_crossover([20, 30], rank=4, repeats=2, min_sample=0.0)
    for r in rows:
        for key in ("dense_solve_s", "dense_step_s", "ginger_step_s"):
            assert r[key] > 0
        assert r["ratio"] == pytest.approx(r["dense_step_s"] / r["ginger_step_s"])


def test_update_memory_is_not_quadratic():
    rows = update_memory(20_000, 4, ks=(1, 4), backends=("numpy",))
    assert {r["in_place"] for r in rows} == {False, True}
    for r in rows:
        # A pure update must allocate the new U (the NumPy twin in place: one temporary of that
        # size), and never anything of size d^2 (3.2 GB here).
        assert r["traced_peak_bytes"] >= r["u_bytes"]
        assert r["traced_peak_bytes"] < 1e-2 * r["d2_bytes"]


def test_main_bench_quick_prints_every_section(capsys, tmp_path):
    out_csv = tmp_path / "bench.csv"
    code = main_bench(
        [
            "--quick",
            "--dims",
            "300,600",
            "--max-dim",
            "600",
            "--repeats",
            "2",
            "--ranks",
            "4,16",
            "--output",
            str(out_csv),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    for heading in (
        "== 1. Machine",
        "== 2. Update",
        "== 3. Linear scaling",
        "== 4. Dense damped solve",
        "== 5. Per-call overhead",
        "== 6. Extra memory",
        "== 7. MLP",
        "== Targets",
    ):
        assert heading in text
    assert "numba-parallel" in text and "Yardstick" in text
    with open(out_csv, newline="") as fh:
        sections = {row["section"] for row in csv.DictReader(fh)}
    assert {"triad", "dgemm", "update", "dense", "memory"} <= sections


def test_main_bench_rejects_bad_arguments(capsys):
    assert main_bench(["--dims", "ten"]) == 2
    assert "expected integers" in capsys.readouterr().err
