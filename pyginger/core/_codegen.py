"""Write :mod:`pyginger.core._unrolled`: the rotation and projection kernels for small ``tau``.

Why generated code: for a rank-one update the rotation is ``out[i] = U[i] @ A + q[i] * B[0]``
row by row. With ``tau`` fixed and every product written out as a named scalar, LLVM vectorizes
the loop over rows (four rows per AVX2 register, the row's columns read as an interleaved group
and transposed in registers), which makes it several times faster than the loop kernels of
:mod:`_kernels_rotate` for ``tau <= 8``. The same code written with loops over the columns is
not vectorized, and Numba has no way to write it once for every ``tau``, so this module writes
it out. For larger ``tau`` the unrolled body is no faster: the loop kernels keep those.

For ``tau`` in :data:`COLUMN_RANKS` a second template keeps the row's ``tau`` entries as named
scalars and loops over the output columns, which LLVM vectorizes (four columns per register);
each output is summed as two chains, even and odd ``m``, which halves the latency of the
fused multiply-adds. At 12, 14 and 15 it was slower (the vectorized column loop leaves a scalar
remainder) and the loop kernels keep those.

The projection ``U^T x`` (with ``|x|^2``, which the update needs) of a rank-one factor is
generated for ``tau <= 16`` for another reason: its ``tau`` sums must live in registers. The loop
kernel keeps them in an array, and since LLVM cannot prove that array apart from ``U`` every row
goes through a store and a reload of every sum. For ``tau <= 4`` two sets of sums (even and odd
rows) halve the dependency chain through each sum.

The figures behind each choice are in ``docs/performance.md`` ("Design of the kernels"). Run
``python -m pyginger.core._codegen`` after editing the template; ``tests/test_kernels.py`` checks
that the committed module is what this one writes.
"""

from __future__ import annotations

import pathlib

#: The largest ``tau`` with an unrolled rotation (every product a named scalar).
MAX_RANK = 8

#: Larger ``tau`` with a generated rotation vectorized over the output columns instead (below).
COLUMN_RANKS = (9, 10, 11, 13, 16)

#: The largest ``tau`` with an unrolled projection.
MAX_PROJECT_RANK = 16

#: Up to this ``tau`` the projection keeps two sets of sums, for even and odd rows.
TWO_SUMS_MAX_RANK = 4

#: Chains of the step's dot product ``U[i] @ a`` from this ``tau`` on (one below it).
DOT_CHAINS = {1: 1, 5: 2, 9: 4}

_HEADER = '''"""Unrolled kernels for a rank-one factor and small ``tau``: GENERATED CODE.

Written by ``python -m pyginger.core._codegen`` (see there for why); do not edit by hand.
``rows_T(U, A, q, B, out, lo, hi)`` writes rows ``lo:hi`` of ``U @ A + q @ B`` into ``out`` for
``U`` of shape ``(d, T)``, ``A`` ``(T, T)``, ``q`` ``(d, 1)`` and ``B`` ``(1, T)``;
``rows_inplace_T(U, A, q, B, lo, hi)`` writes them into ``U`` itself. Each row is read into
scalars before its outputs are written, so in place is safe. Rotations exist for ``tau <=
{max_rank}``, where the sum runs over ``U``'s columns in order, then ``q`` (as in the loop
kernels of :mod:`pyginger.core._kernels`), and for ``tau`` in {column_ranks}, where it runs as
two
chains, over the even and the odd entries of ``[U[i], q[i]]``, added at the end.

``project_rows_T(U, x, lo, hi, acc)`` adds rows ``lo:hi`` of ``U^T x`` to ``acc[:T]`` and of
``x^T x`` to ``acc[T]`` (sums in float64 whatever the storage dtype), for ``tau <=
{max_project_rank}``.

The optimizer step's two passes (:mod:`pyginger.optim._fused`), for the ``tau`` of a generated
rotation: ``step_project_rows_T(U, x, m, g, b1, a1, lo, hi, acc)`` adds what
``project_rows_T`` adds and, for the new momentum ``y = b1 m + a1 g`` (computed, not
written), ``U^T y`` to ``acc[T+1:2T+1]`` and ``x^T y`` to ``acc[2T+1]``;
``step_rows_T(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi)`` (and
``step_rows_inplace_T``, without ``out``) writes the rotation as ``rows_T`` does and, from the
same row read, the step: ``mo[i] = y[i]`` and ``to[i]``, the new parameter, from ``t[i]`` and
the solve's row ``alpha y[i] / c1 + U[i] @ a[:T] + q[i] a[T]`` (``p`` holds the scalars, see
:func:`pyginger.core._kernels_step.finish_element`).

Every kernel works on a row range and releases the GIL, so that
:mod:`pyginger.core._kernels` runs it
on several row blocks at once from its thread pool.
"""

import numpy as np
from numba import uint64

from pyginger._backend import jit
from pyginger.core._kernels_step import STEP_CHUNK, ema_element, finish_element, finish_rows

# Compiled on first call, for the tau in use only, and cached on disk (_backend.jit).
_OPTS = {{"nogil": True, "fastmath": {{"contract"}}, "error_model": "numpy"}}
'''


def _row_loop(tau: int, in_place: bool, setup: list[str]) -> list[str]:
    """Return a rotation's lines up to its row body: signature, ``setup``, the row in scalars."""
    if in_place:  # one array in and out, so that LLVM sees that rows cannot overlap
        head = [f"def rows_inplace_{tau}(U, A, q, B, lo, hi):  # pragma: no cover - compiled"]
        views = ["    Uf = U.ravel()", "    Of = Uf"]
    else:
        head = [f"def rows_{tau}(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled"]
        views = ["    Uf = U.ravel()", "    Of = out.ravel()"]
    lines = ["", "", "@jit(**_OPTS)", *head, *views, "    qf = q.ravel()", *setup]
    lines += [
        "    for i in range(uint64(lo), uint64(hi)):",
        f"        k = i * uint64({tau})",
    ]
    lines += [f"        u{m} = Uf[k + uint64({m})]" for m in range(tau)]
    lines.append("        x = qf[i]")
    return lines


def _rows(tau: int, in_place: bool) -> list[str]:
    """Return the lines of the rotation for small ``tau``, every product a named scalar."""
    setup = [f"    a{m}_{j} = A[{m}, {j}]" for m in range(tau) for j in range(tau)]
    setup += [f"    b{j} = B[0, {j}]" for j in range(tau)]
    lines = _row_loop(tau, in_place, setup)
    for j in range(tau):
        terms = [f"u{m} * a{m}_{j}" for m in range(tau)] + [f"x * b{j}"]
        lines += _assign(f"Of[k + uint64({j})]", terms)
    return lines


def _rows_columns(tau: int, in_place: bool) -> list[str]:
    """Return the lines of the rotation for larger ``tau``, vectorized over output columns."""
    lines = _row_loop(tau, in_place, ["    Af = A.ravel()", "    Bf = B.ravel()"])
    lines.append(f"        for j in range(uint64({tau})):")
    terms = [f"u{m} * Af[uint64({m * tau}) + j]" for m in range(tau)] + ["x * Bf[j]"]
    for name, chain in (("e", terms[0::2]), ("o", terms[1::2])):
        lines += _assign(name, chain, indent=12)
    lines.append("            Of[k + j] = e + o")
    return lines


def _assign(target: str, terms: list[str], width: int = 100, indent: int = 8) -> list[str]:
    """Lines of ``target = sum of terms``, laid out as ``ruff format`` lays them out."""
    pad, inner_pad = " " * indent, " " * (indent + 4)
    one_line = f"{pad}{target} = {' + '.join(terms)}"
    if len(one_line) <= width:
        return [one_line]
    inner = f"{inner_pad}{' + '.join(terms)}"
    if len(inner) <= width:
        return [f"{pad}{target} = (", inner, f"{pad})"]
    body = [f"{inner_pad}{terms[0]}"] + [f"{inner_pad}+ {term}" for term in terms[1:]]
    return [f"{pad}{target} = (", *body, f"{pad})"]


def _project_rows(tau: int) -> list[str]:
    sets = 2 if tau <= TWO_SUMS_MAX_RANK else 1
    lines = [
        "",
        "",
        "@jit(**_OPTS)",
        f"def project_rows_{tau}(U, x, lo, hi, acc):  # pragma: no cover - compiled",
        "    Uf = U.ravel()",
        "    xf = x.ravel()",
    ]
    lines += [f"    s{s}_{j} = 0.0" for s in range(sets) for j in range(tau + 1)]
    lines += ["    i = uint64(lo)", "    h = uint64(hi)", f"    while i + uint64({sets}) <= h:"]
    for s in range(sets):
        row = "i" if s == 0 else f"i + uint64({s})"
        start = "i" if s == 0 else f"({row})"
        lines += [
            f"        k{s} = {start} * uint64({tau})",
            f"        x{s} = np.float64(xf[{row}])",
        ]
        lines += [f"        s{s}_{j} += Uf[k{s} + uint64({j})] * x{s}" for j in range(tau)]
        lines.append(f"        s{s}_{tau} += x{s} * x{s}")
    lines.append(f"        i += uint64({sets})")
    if sets > 1:  # the last row of an odd count
        lines += [
            "    if i < h:",
            f"        k0 = i * uint64({tau})",
            "        x0 = np.float64(xf[i])",
        ]
        lines += [f"        s0_{j} += Uf[k0 + uint64({j})] * x0" for j in range(tau)]
        lines.append(f"        s0_{tau} += x0 * x0")
    for j in range(tau + 1):
        lines += _assign(f"acc[{j}]", [f"acc[{j}]"] + [f"s{s}_{j}" for s in range(sets)], indent=4)
    return lines


def _step_project_rows(tau: int) -> list[str]:
    """Return the step's first pass: :func:`_project_rows`'s sums and those of the new momentum.

    The sums of ``U^T x`` and ``x^T x`` are written as in :func:`_project_rows` (the same
    statements, so the same roundings); ``y`` is the momentum ``b1 m + a1 g``, rounded to the
    storage dtype as :func:`~pyginger.core._kernels_step.ema_element` rounds it.
    """
    lines = _project_rows(tau)
    sets = 2 if tau <= TWO_SUMS_MAX_RANK else 1
    head = f"def step_project_rows_{tau}(U, x, m, g, b1, a1, lo, hi, acc):"
    out = []
    for line in lines:
        if line.startswith(f"def project_rows_{tau}("):
            out.append(f"{head}  # pragma: no cover")
            continue
        out.append(line)
        if line == "    xf = x.ravel()":
            out += ["    mf = m.ravel()", "    gf = g.ravel()"]
            out += [f"    t{s}_{j} = 0.0" for s in range(sets) for j in range(tau + 1)]
        match = line.strip().startswith("x") and "= np.float64(xf[" in line
        if match:  # after each row's x: its momentum, then the momentum's sums
            pad = line[: len(line) - len(line.lstrip())]
            name = line.strip().split(" ")[0]  # x0 or x1
            s = name[1:]
            row = line.split("xf[", 1)[1].rsplit("])", 1)[0]
            out.append(f"{pad}y{s} = np.float64(ema_element(b1, mf[{row}], a1, gf[{row}]))")
            out += [f"{pad}t{s}_{j} += Uf[k{s} + uint64({j})] * y{s}" for j in range(tau)]
            out.append(f"{pad}t{s}_{tau} += x{s} * y{s}")
    for j in range(tau + 1):
        terms = [f"acc[{tau + 1 + j}]"] + [f"t{s}_{j}" for s in range(sets)]
        out += _assign(f"acc[{tau + 1 + j}]", terms, indent=4)
    return out


def _dot_chains(tau: int) -> int:
    return max(n for start, n in DOT_CHAINS.items() if tau >= start)


def _chained_dot(tau: int, terms: list[str]) -> tuple[list[str], str]:
    """Return the lines that sum ``terms`` as :func:`_dot_chains` chains, and their total."""
    chains = _dot_chains(tau)
    names = [f"d{c}" for c in range(chains)]
    lines = [line for c, name in enumerate(names) for line in _assign(name, terms[c::chains])]
    return lines, " + ".join(names)


def _dot_rows(tau: int) -> list[str]:
    """Return ``dot_rows_T``: ``dots[i - lo] = U[i] @ a[:T] + q[i] a[T]`` for rows ``lo:hi``."""
    lines = [
        "",
        "",
        "@jit(**_OPTS)",
        f"def dot_rows_{tau}(U, q, a, lo, hi, dots):  # pragma: no cover - compiled",
        "    Uf = U.ravel()",
        "    qf = q.ravel()",
    ]
    lines += [f"    w{j} = a[{j}]" for j in range(tau + 1)]
    lines += [
        "    for i in range(uint64(lo), uint64(hi)):",
        f"        k = i * uint64({tau})",
    ]
    terms = [f"Uf[k + uint64({j})] * w{j}" for j in range(tau)] + [f"qf[i] * w{tau}"]
    chain_lines, total = _chained_dot(tau, terms)
    return lines + chain_lines + [f"        dots[i - uint64(lo)] = {total}"]


def _step_rows(tau: int, in_place: bool) -> list[str]:
    """Return the step's second pass: the rotation and, from the same row read, the rest.

    The solve's row uses the old row, ``U_new[i] @ w = U[i] @ (A w) + q[i] (B w)``, with
    ``a = [A w, B w]`` computed once, so it needs no read of the new row. For ``tau <=``
    :data:`MAX_RANK` the row loop is split into chunks of rows, and per chunk three loops of
    their own (``dot_rows_T``, ``rows_T``, :func:`~pyginger.core._kernels_step.finish_rows`)
    while the chunk is in cache: as one loop, LLVM no longer vectorizes the rotation over rows.
    The rotation reads the factor before the element-wise loop writes the momentum, which may
    be the same memory (a factor that shares the momentum's buffer).
    The column template (larger ``tau``) is vectorized over the row's columns, not over rows,
    and takes the solve's row and the element-wise work in its row loop.
    """
    if in_place:
        head = f"def step_rows_inplace_{tau}(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):"
        rotate = f"rows_inplace_{tau}(U, A, q, B, start, stop)"
    else:
        head = f"def step_rows_{tau}(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):"
        rotate = f"rows_{tau}(U, A, q, B, out, start, stop)"
    if tau > MAX_RANK:
        return _step_rows_columns(tau, in_place, head)
    return [
        "",
        "",
        "@jit(**_OPTS)",
        f"{head}  # pragma: no cover",
        "    dots = np.empty(STEP_CHUNK)",
        "    start = uint64(lo)",
        "    while start < uint64(hi):",
        "        stop = min(start + uint64(STEP_CHUNK), uint64(hi))",
        f"        dot_rows_{tau}(U, q, a, start, stop, dots)",
        f"        {rotate}",
        "        finish_rows(m, mo, g, t, to, dots, p, start, stop)",
        "        start = stop",
    ]


def _step_rows_columns(tau: int, in_place: bool, head: str) -> list[str]:
    """Return :func:`_rows_columns` with the solve's row and the step's rest in its row loop."""
    out = []
    for line in _rows_columns(tau, in_place):
        if line.startswith("def "):
            line = f"{head}  # pragma: no cover"
        out.append(line)
        if line == "    qf = q.ravel()":
            out += [f"    w{j} = a[{j}]" for j in range(tau + 1)]
        if line == "        x = qf[i]":
            terms = [f"u{j} * w{j}" for j in range(tau)] + [f"x * w{tau}"]
            chain_lines, total = _chained_dot(tau, terms)
            out += chain_lines + [f"        finish_element(i, m, mo, g, t, to, {total}, p)"]
    return out


def source() -> str:
    """Return the text of :mod:`pyginger.core._unrolled`."""
    header = _HEADER.format(
        max_rank=MAX_RANK, max_project_rank=MAX_PROJECT_RANK, column_ranks=COLUMN_RANKS
    )
    lines = [header.rstrip("\n")]
    for tau in range(1, MAX_RANK + 1):
        lines += _rows(tau, False) + _rows(tau, True)
    for tau in COLUMN_RANKS:
        lines += _rows_columns(tau, False) + _rows_columns(tau, True)
    for tau in range(1, MAX_PROJECT_RANK + 1):
        lines += _project_rows(tau)
    step_ranks = [*range(1, MAX_RANK + 1), *COLUMN_RANKS]
    for tau in step_ranks:
        lines += _step_project_rows(tau) + (_dot_rows(tau) if tau <= MAX_RANK else [])
        lines += _step_rows(tau, False) + _step_rows(tau, True)
    lines += [
        "",
        "",
        "#: ``tau`` -> (rows, rows_inplace) for that ``tau``.",
    ]
    lines += ["KERNELS = {"]
    lines += [
        f"    {t}: (rows_{t}, rows_inplace_{t})," for t in (*range(1, MAX_RANK + 1), *COLUMN_RANKS)
    ]
    lines += [
        "}",
        "",
        "#: ``tau`` -> project_rows for that ``tau``.",
        "PROJECT_KERNELS = {",
    ]
    lines += [f"    {t}: project_rows_{t}," for t in range(1, MAX_PROJECT_RANK + 1)]
    lines += [
        "}",
        "",
        "#: ``tau`` -> (step_project_rows, step_rows, step_rows_inplace) for that ``tau``.",
        "STEP_KERNELS = {",
    ]
    lines += [
        f"    {t}: (step_project_rows_{t}, step_rows_{t}, step_rows_inplace_{t}),"
        for t in step_ranks
    ]
    lines += ["}", ""]
    return "\n".join(lines)


def path() -> pathlib.Path:
    """Return the path of the generated module."""
    return pathlib.Path(__file__).with_name("_unrolled.py")


def main() -> None:  # pragma: no cover - a developer's tool
    path().write_text(source())
    print(f"wrote {path()}")


if __name__ == "__main__":  # pragma: no cover
    main()
