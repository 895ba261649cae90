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

Every kernel works on a row range and releases the GIL, so that
:mod:`pyginger.core._kernels` runs it
on several row blocks at once from its thread pool.
"""

import numpy as np
from numba import uint64

from pyginger._backend import jit

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
