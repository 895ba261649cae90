"""Smoke and correctness tests of the benchmark module: tiny sizes, no timing assertions.

Timings depend on the machine and its load, so nothing here checks a speed; the tests check that
every measurement runs, returns finite positive figures with the documented keys, skips what it
must skip, and that the command prints its sections.
"""

import csv
import math

import numpy as np
import pytest

from pyginger.cli.bench import (
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
    from pyginger.cli.bench import update_solve

    seen = []
    original = update_solve._update_step

    def spy(update, backend, beta, state, v):
        seen.append(state.U.copy())
        return original(update, backend, beta, state, v)

    update_solve._update_step = spy
    try:
        bench_update([30], [2], backends=("numba",), ops=("update_inplace", "update"), repeats=2)
    finally:
        update_solve._update_step = original
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


def test_main_bench_quick_prints_every_section(capsys, tmp_path, monkeypatch):
    # Two dense sizes are enough to print the crossover section; the quick default's five took
    # two thirds of this test's time (each measurement has a budget of seconds).
    from pyginger.cli.bench import command

    monkeypatch.setattr(command, "QUICK_DENSE_DIMS", (50, 100))
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
        "== 8. Optimizer step",
        "== 9. Rank-k projection",
        "== Targets",
    ):
        assert heading in text
    assert "numba-parallel" in text and "Yardstick" in text
    _assert_plain_wording(text)
    with open(out_csv, newline="") as fh:
        sections = {row["section"] for row in csv.DictReader(fh)}
    assert {"triad", "dgemm", "update", "dense", "memory", "step", "projection"} <= sections
    assert "fixed cost, CPU time, float64, d = 600, tau = 4" in text and "% triad" in text
    assert "% floor" in text and "float32 / float64 step time" in text and "slope of" in text


def test_bench_step_rows_and_figures():
    from pyginger.cli.bench.step import bench_step, dtype_ratios, floor_bytes, step_summary

    rows = bench_step([200, 400], [4], repeats=2, min_sample=0.0, bandwidth=2.0)
    assert {(r["dtype"], r["dim"]) for r in rows} == {
        (dt, d) for dt in ("float64", "float32") for d in (200, 400)
    }
    for r in rows:
        for name in ("step", "chain", "update", "solve"):
            assert r[f"{name}_s"] > 0 and r[f"{name}_spread"] >= 1.0  # median >= best
        itemsize = 8 if r["dtype"] == "float64" else 4
        # U read and written by the update and read by the solve, g and F read, m and theta
        # read and written.
        assert r["floor_bytes"] == itemsize * r["dim"] * (3 * 4 + 6)
        assert r["floor_fraction"] == pytest.approx(r["floor_bytes"] / 2e9 / r["step_s"])
        assert r["floor_gbs"] == pytest.approx(r["floor_bytes"] / 1e9 / r["step_s"])
        assert r["vs_update_solve"] == pytest.approx(r["step_s"] / (r["update_s"] + r["solve_s"]))
    assert floor_bytes(10, 2, 4) == 4 * 10 * 12
    ratios = dtype_ratios(rows)
    assert [(r["dim"], r["rank"]) for r in ratios] == [(200, 4), (400, 4)]
    # Times proportional to d^1.5 have slope 1.5; the fixed-cost ratio is step over update.
    synthetic = [
        {"dtype": "float64", "rank": 4, "dim": d, "step_s": d**1.5, "update_s": d**1.5 / 3}
        for d in (1000, 10**5, 10**6)
    ]
    (s,) = step_summary(synthetic)
    assert s["slope"] == pytest.approx(1.5) and s["fixed_ratio"] == pytest.approx(3.0)
    assert math.isnan(step_summary(synthetic, min_dim=10**6)[0]["slope"])  # one size: no fit


def test_main_bench_rejects_bad_arguments(capsys):
    assert main_bench(["--dims", "ten"]) == 2
    assert "expected integers" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# Wording of the verdicts
# ---------------------------------------------------------------------------------------------


def _assert_plain_wording(text):
    """No internal labels; every verdict names its target."""
    assert "issue" not in text.lower()
    for line in text.splitlines():
        if "NOT met" in line or "SLOWER" in line or " met (" in line:
            assert "target" in line, line
        if "NOT met" in line:
            assert line.count("NOT met") <= line.count("(target"), line


def _row(op, dim, rank, fraction, backend="numba", median_s=1.0, min_s=None):
    return {
        "min_s": median_s if min_s is None else min_s,
        "op": op,
        "backend": backend,
        "dim": dim,
        "rank": rank,
        "dtype": "float64",
        "fraction": fraction,
        "median_s": median_s,
        "skipped": "",
    }


def _memory_row(backend, in_place, extra):
    u = 1_000_000 * 16 * 8
    return {
        "backend": backend,
        "in_place": in_place,
        "k": 1,
        "u_bytes": u,
        "factor_bytes": 8_000_000,
        "rss_peak_bytes": extra * u,
    }


def test_targets_name_every_target_and_judge_only_what_applies():
    from pyginger.cli.bench.targets import _targets

    rows = [
        _row("update", 1_000_000, 16, 0.35),
        _row("update_inplace", 1_000_000, 16, 0.35),
        _row("solve", 1_000_000, 16, 0.75),
        _row("update", 1000, 4, 0.1, median_s=2.0),
        _row("update", 1000, 4, 0.1, backend="numpy", median_s=1.0),
    ]
    # Linear-scaling pairs only below d = 1e5: the target does not apply there.
    ratios = [{"op": "update", "backend": "numba", "dim_from": 1000, "per_10x": 2.0}]
    memory = [_memory_row("numba", True, 0.0), _memory_row("numpy", False, 2.5)]
    lines = _targets(rows, ratios, 20.0, [], memory, [], cache_bytes=32 << 20)
    text = "\n".join(lines)
    _assert_plain_wording(text)
    assert "update, tau <= 16: min 35.0% -> met (target >= 30%)" in text
    assert "min 35.0% -> met (target >= 30%), NOT met (target in place >= 40%)" in text
    assert "min 75.0% -> met (target >= 70%), NOT met (target stretch >= 80%)" in text
    assert "linear scaling: not judged in this run (needs two sizes from d = 1e5 up)" in text
    assert "numba/numpy time: worst 2.00 -> NOT met (target <= 1, numba no slower)" in text
    assert "numba, in place: |U| + 0.00 |U| -> met (target <= 2 |U| + O(d))" in text
    # The NumPy reference is shown for comparison, without a verdict.
    (numpy_line,) = [line for line in lines if "numpy, pure" in line]
    assert "met" not in numpy_line and "no target" in numpy_line
    # 128 MB of U at d = 1e6, tau = 16 do not fit a 32 MiB cache: no cache remark.
    assert "cache" not in text
    # In a 480 MiB cache they do: the figures are then flagged as cache bandwidth.
    cached = "\n".join(_targets(rows, ratios, 20.0, [], memory, [], cache_bytes=480 << 20))
    assert "U fits in the 480 MiB last-level cache at some of these sizes" in cached


def test_rates_above_the_bandwidth_are_explained():
    from pyginger.cli.bench.targets import _cache_note

    assert _cache_note([_row("solve", 1_000_000, 16, 0.9)], 32 << 20) == []
    # 1e6 * 16 * 8 bytes = 122 MiB of U: inside a 480 MiB cache, the rate is cache bandwidth.
    note = "\n".join(_cache_note([_row("solve", 1_000_000, 16, 2.04)], 480 << 20))
    assert "1 measurement(s) above 100% of the bandwidth (up to 204%: solve numba" in note
    assert "in 1 of them U (d * tau * itemsize bytes, at most 122.1 MiB) fits in the" in note
    assert "cache bandwidth" in note
    # The same rate with U far larger than the cache: a low yardstick, not the cache.
    note = "\n".join(_cache_note([_row("solve", 1_000_000, 16, 2.04)], 32 << 20))
    assert "larger than the cache" in note and "load average" in note


def test_scaling_and_overhead_flags_name_the_target():
    from pyginger.cli.bench import format_overhead, format_scaling

    ratios = [
        {
            "op": "update",
            "backend": "numba",
            "rank": 4,
            "dim_from": d,
            "dim_to": 10 * d,
            "dim_ratio": 10.0,
            "time_ratio": 3.0,
            "per_10x": 3.0,
        }
        for d in (1000, 100_000)
    ]
    lines = format_scaling(ratios, min_dim=100_000).splitlines()
    assert "outside" not in lines[1] and lines[2].endswith("(outside 8-12)")
    rows = [
        _row("update", 1000, 4, 0.1, median_s=2.0),
        _row("update", 1000, 4, 0.1, backend="numpy", median_s=1.0),
        _row("update", 1000, 8, 0.1, median_s=1.0),
        _row("update", 1000, 8, 0.1, backend="numpy", median_s=2.0),
    ]
    text = format_overhead(rows, dim=1000)
    assert "SLOWER (target: no slower than numpy)" in text.splitlines()[1]
    assert text.splitlines()[2].endswith("no slower")


def test_a_slower_median_that_the_fastest_samples_contradict_is_no_verdict():
    from pyginger.cli.bench import format_overhead
    from pyginger.cli.bench.targets import _targets

    # Medians 1.02 vs 1.00, fastest samples 0.9 vs 1.0: load slowed numba's samples, the
    # kernel is not slower. Neither the table nor the targets may call it a miss.
    rows = [
        _row("update", 1000, 4, 0.1, median_s=1.02, min_s=0.9),
        _row("update", 1000, 4, 0.1, backend="numpy", median_s=1.0, min_s=1.0),
    ]
    table = format_overhead(rows, dim=1000)
    assert table.splitlines()[1].endswith("slower median, not in the fastest samples (0.90): noise")
    text = "\n".join(_targets(rows, [], 20.0, [], [], [], cache_bytes=32 << 20))
    _assert_plain_wording(text)
    assert "worst 1.02 -> undecided: the fastest samples give 0.90" in text
    # A miss at another rank that the fastest samples confirm is still reported as one.
    rows += [
        _row("update", 1000, 8, 0.1, median_s=1.01, min_s=1.2),
        _row("update", 1000, 8, 0.1, backend="numpy", median_s=1.0, min_s=1.0),
    ]
    text = "\n".join(_targets(rows, [], 20.0, [], [], [], cache_bytes=32 << 20))
    assert "worst 1.01 -> NOT met (target <= 1, numba no slower)" in text


def test_mlp_ratio_verdicts_name_the_target():
    from pyginger.cli.bench.mlp import format_mlp_ratios

    result = {
        "sizes": (4, 3),
        "batch": 2,
        "repeats": 1,
        "activation": "tanh",
        "loss": "mse",
        "num_params": 15,
        "predict_s": 1e-3,
        "loss_and_grad_s": 4e-3,
        "ggn_matvec_s": 2e-3,
        "loss_and_grad_ratio": 4.0,
        "ggn_matvec_ratio": 2.0,
    }
    text = format_mlp_ratios(result)
    assert "4.00x  -> NOT met (target <= 3x)" in text
    assert "2.00x  -> met (target <= 4x)" in text


def test_bench_projection_rows():
    from pyginger.cli.bench.projection import bench_projection, format_projection_table
    from pyginger.core import _kernels

    rows = bench_projection(5000, 4, (1, 2, 8), repeats=2)  # U of 160 KB: the compiled paths
    assert [(r["k"], r["path"]) for r in rows] == [(1, "generated"), (2, "tiles"), (8, "tiles")]
    for r in rows:
        assert r["bytes"] == 8 * r["dim"] * (4 + r["k"])
        assert r["chosen_gbs"] == pytest.approx(r["bytes"] / r["chosen_s"] / 1e9)
        assert r["fraction"] == pytest.approx(r["chosen_gbs"] / r["triad_gbs"])
    assert _kernels._by_tiles(np.ones((2, 4)), 2) and not _kernels._by_tiles(np.ones((2, 4)), 1)
    assert not any("threads" in r for r in rows)  # one thread unless asked
    assert not _kernels._by_tiles(np.ones((2, 4), dtype=np.float32), 3)
    assert len(format_projection_table(rows).splitlines()) == 1 + len(rows)


def test_bench_projection_on_threads():
    import numba

    from pyginger.cli.bench.projection import (
        bench_projection,
        format_projection_table,
        projection_lines,
    )

    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    if threads < 2:
        pytest.skip("one Numba thread only")
    rows = bench_projection(5000, 4, (8, 32), repeats=2, threads=threads)
    for r in rows:
        assert r["threads"] == threads
        assert r["threads_gbs"] == pytest.approx(r["bytes"] / r["threads_s"] / 1e9)
        assert r["threads_fraction"] == pytest.approx(r["threads_gbs"] / r["threads_triad_gbs"])
    assert f"{threads}-thr GB/s" in format_projection_table(rows).splitlines()[0]
    assert any(line.startswith(f"k <= 16 on {threads} threads") for line in projection_lines(rows))


def test_fixed_cost_rows():
    from pyginger.cli.bench.step import fixed_cost, fixed_cost_lines

    (row,) = fixed_cost(200, (4,), dtypes=("float32",), rounds=2, calls=2)
    assert row["ratio"] == pytest.approx(row["step_s"] / row["update_s"])
    assert row["chain_ratio"] == pytest.approx(row["chain_s"] / row["update_s"])
    assert "float32, d = 200, tau = 4" in fixed_cost_lines([row])[0]
