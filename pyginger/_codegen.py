"""Write :mod:`pyginger._unrolled`: the rotation kernels for small ``tau``, one per ``tau``.

Why generated code: for a rank-one update the rotation is ``out[i] = U[i] @ A + q[i] * B[0]``
row by row. With ``tau`` fixed and every product written out as a named scalar, LLVM vectorizes
the loop over rows (four rows per AVX2 register, the row's columns read as an interleaved group
and transposed in registers); measured 2-3x faster than the loop kernels in :mod:`_kernels` for
``tau <= 8`` at ``d = 2e6`` (docs/performance.md). The same code written with loops over the
columns is not vectorized, and Numba has no way to write it once for every ``tau``, so this
module writes it out. For larger ``tau`` the unrolled body measured no faster: the loop kernels
keep those.

Run ``python -m pyginger._codegen`` after editing the template; ``tests/test_kernels.py`` checks
that the committed module is what this one writes.
"""

from __future__ import annotations

import pathlib

#: The largest ``tau`` with an unrolled rotation.
MAX_RANK = 8

_HEADER = '''"""Unrolled rotations for a rank-one factor and ``tau <= {max_rank}``: GENERATED CODE.

Written by ``python -m pyginger._codegen`` (see there for why); do not edit by hand.
``rows_T(U, A, q, B, out, lo, hi)`` writes rows ``lo:hi`` of ``U @ A + q @ B`` into ``out`` for
``U`` of shape ``(d, T)``, ``A`` ``(T, T)``, ``q`` ``(d, 1)`` and ``B`` ``(1, T)``;
``rows_inplace_T(U, A, q, B, lo, hi)`` writes them into ``U`` itself; ``rotate_T`` and
``rotate_inplace_T`` run the same over ``nblocks`` row blocks in parallel. Each row is read into
scalars before its outputs are written, so in place is safe; the sum runs over ``U``'s columns in
order, then ``q``, as in the loop kernels of :mod:`pyginger._kernels`.
"""

from numba import njit, prange, uint64

_OPTS = {{"cache": True, "nogil": True, "fastmath": {{"contract"}}, "error_model": "numpy"}}
'''


def _rows(tau: int, in_place: bool) -> list[str]:
    if in_place:  # one array in and out, so that LLVM sees that rows cannot overlap
        head = [f"def rows_inplace_{tau}(U, A, q, B, lo, hi):  # pragma: no cover - compiled"]
        views = ["    Uf = U.ravel()", "    Of = Uf"]
    else:
        head = [f"def rows_{tau}(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled"]
        views = ["    Uf = U.ravel()", "    Of = out.ravel()"]
    lines = ["", "", "@njit(**_OPTS)", *head, *views, "    qf = q.ravel()"]
    lines += [f"    a{m}_{j} = A[{m}, {j}]" for m in range(tau) for j in range(tau)]
    lines += [f"    b{j} = B[0, {j}]" for j in range(tau)]
    lines += [
        "    for i in range(uint64(lo), uint64(hi)):",
        f"        k = i * uint64({tau})",
    ]
    lines += [f"        u{m} = Uf[k + uint64({m})]" for m in range(tau)]
    lines.append("        x = qf[i]")
    for j in range(tau):
        terms = [f"u{m} * a{m}_{j}" for m in range(tau)] + [f"x * b{j}"]
        lines += _assign(f"Of[k + uint64({j})]", terms)
    return lines


def _assign(target: str, terms: list[str], width: int = 100) -> list[str]:
    """Lines of ``target = sum of terms``, laid out as ``ruff format`` lays them out."""
    one_line = f"        {target} = {' + '.join(terms)}"
    if len(one_line) <= width:
        return [one_line]
    inner = f"            {' + '.join(terms)}"
    if len(inner) <= width:
        return [f"        {target} = (", inner, "        )"]
    body = [f"            {terms[0]}"] + [f"            + {term}" for term in terms[1:]]
    return [f"        {target} = (", *body, "        )"]


def _drivers(tau: int) -> list[str]:
    block = "min(d, b * size), min(d, (b + 1) * size)"
    return [
        "",
        "",
        "@njit(parallel=True, **_OPTS)",
        f"def rotate_{tau}(U, A, q, B, out, nblocks):  # pragma: no cover - compiled",
        "    d = U.shape[0]",
        "    size = (d + nblocks - 1) // nblocks",
        "    for b in prange(nblocks):",
        f"        rows_{tau}(U, A, q, B, out, {block})",
        "",
        "",
        "@njit(parallel=True, **_OPTS)",
        f"def rotate_inplace_{tau}(U, A, q, B, nblocks):  # pragma: no cover - compiled",
        "    d = U.shape[0]",
        "    size = (d + nblocks - 1) // nblocks",
        "    for b in prange(nblocks):",
        f"        rows_inplace_{tau}(U, A, q, B, {block})",
    ]


def source(max_rank: int = MAX_RANK) -> str:
    """Return the text of :mod:`pyginger._unrolled`."""
    lines = [_HEADER.format(max_rank=max_rank).rstrip("\n")]
    for tau in range(1, max_rank + 1):
        lines += _rows(tau, False) + _rows(tau, True) + _drivers(tau)
    lines += [
        "",
        "",
        "#: ``tau`` -> (rows, rows_inplace, rotate, rotate_inplace) for that ``tau``.",
    ]
    lines += ["KERNELS = {"]
    lines += [
        f"    {t}: (rows_{t}, rows_inplace_{t}, rotate_{t}, rotate_inplace_{t}),"
        for t in range(1, max_rank + 1)
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
