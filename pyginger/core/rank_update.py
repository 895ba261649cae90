r"""The Ginger update: add a curvature sample to the state and keep the top ``tau`` eigenpairs.

:func:`update` applies :math:`G \leftarrow \beta G + (1 - \beta) F F^\top` to the
eigendecomposition :math:`G \approx U \operatorname{diag}(\sigma) U^\top` of
:mod:`pyginger.core.state`, in the curvature form (directly) or the paper's inverse form
(Woodbury on :math:`G_\gamma^{-1}`, then mapped back), and truncates to rank ``tau``. The
mathematics is in ``docs/mathematics.md``. The update is a pure function: it returns a new state
and never writes to its inputs (unless the caller gives up the state with ``overwrite_state``).
"""

from __future__ import annotations

import numpy as np

from pyginger import _backend
from pyginger import _validation as _v
from pyginger._backend import Array
from pyginger._validation import core as _checks
from pyginger._validation.core import INVERSE_FORM_DAMPING
from pyginger.core import _dispatch, _instrument, _released, _secular
from pyginger.core import certificate as _certificate
from pyginger.core import state as _state
from pyginger.core._dispatch import _kernels  # noqa: F401 - which kernels loaded (None: no Numba)
from pyginger.core.state import GingerState

__all__ = ["update", "REORTH_EVERY", "GRAM_MIN", "INVERSE_FORM_DAMPING"]

#: Default number of updates between two re-orthonormalizations of ``U`` (see ``update``).
REORTH_EVERY = 100

#: The two-pass update is used when the residual keeps more than this fraction of the factor's
#: squared norm (``s_min(P)^2 > GRAM_MIN * ||F||_2^2``). It forms ``P^T P`` as ``F^T F - C^T C``,
#: which assumes ``U^T U = I``. With the drift ``E = U^T U - I`` the implicit new direction
#: ``q = (f - U c) / s`` has ``U^T q = -E c / s`` and ``q^T q - 1 = c^T E c / s^2``, so the Gram
#: error of ``[U q]`` is ``[I, -c/s]^T E [I, -c/s]``: the drift is multiplied by up to
#: ``1 + |c|^2 / s^2 = |f|^2 / s^2`` per update (plus ``~eps |f|^2 / s^2`` of new rounding), and
#: that factor compounds from one update to the next until the periodic re-orthonormalization.
#: With 1/16 (a factor of up to 16) it did: d = 7, tau = 4, beta = 0 reached 1.8e9 eps within 99
#: updates. With 1/2 (a factor below 2, and well below on average, since ``c^T E c`` rarely aligns
#: with ``E``'s largest eigenvalue) the worst drift over 99 updates and 20 seeds stayed below
#: 100 eps for d = 7-20, tau = 4-16, beta = 0 and k = 1-3, as for the three-pass path
#: (docs/performance.md). A factor mostly inside ``span(U)`` takes the three-pass path instead.
GRAM_MIN = 1.0 / 2.0


def _small_problem(C, R, middle, weights, tau):
    CR = np.concatenate((C, R))  # (tau + r, k): coordinates of F in the basis [U, new directions]
    n = CR.shape[0]
    if CR.shape[1] == 1 and n >= _secular.MIN_SIZE and middle[0, 0] >= 0 and _secular.available():
        # diag(weights, 0) + m z z^T: the secular equation, O(n^2) instead of O(n^3).
        poles = np.concatenate((weights, np.zeros(n - tau)))
        try:
            eigenpairs = _secular.top_eigh(poles, CR[:, 0], float(middle[0, 0]), tau, rest=True)
        except np.linalg.LinAlgError:
            pass  # LAPACK's root finder failed (never seen): the dense solver below answers
        else:
            _instrument.record("secular-eig")
            return _without_noise(*eigenpairs, n)
    _instrument.record("dense-eig")
    K = CR @ middle @ CR.T
    K.flat[: tau * (K.shape[0] + 1) : K.shape[0] + 1] += weights  # the top-left diagonal
    return _without_noise(*_dispatch.top_eigh(K, tau, rest=True), n)


def _without_noise(lam, V, dropped, n):
    """Set to 0 the dropped eigenvalues within rounding (``n eps ||K||``) of zero.

    An eigensolver's eigenvalues are accurate to about ``n eps ||K||_2``; below that a dropped
    eigenvalue cannot be told from 0 (the one a rank-deficient ``K`` always has), so it adds
    nothing to the truncation certificate, which then stays exactly 0 while nothing is dropped.
    """
    noise = n * float(np.finfo(np.float64).eps) * max(float(lam[0]), 0.0)
    return lam, V, np.where(dropped > noise, dropped, 0.0)


def _eigen_update(kern, xp, U, weights, F, middle, out=None):
    r"""Top-``tau`` eigenpairs of :math:`U \operatorname{diag}(w) U^\top + F M F^\top`.

    ``weights`` (tau,) and ``middle`` (k, k, symmetric PSD) are float64 host arrays. Returns the
    new ``U`` (same library and dtype; written into ``out`` when given, which may be ``U``), the
    new eigenvalues as a float64 host array, sorted descending, and the eigenvalues the
    truncation dropped (float64 host array of at most ``k`` values, for the certificate).

    Steps (the curvature form of docs/mathematics.md): ``C = U^T F``, residual
    ``P = F - U C``, an orthonormal basis of ``range(P)``, the small eigenproblem, and the
    rotation ``[U Q] V``.

    Two algorithms, chosen per call from the small matrices:

    * two passes over ``U`` (default when safe): ``P^T P = F^T F - C^T C`` (``U`` orthonormal),
      so ``P`` is never formed; with ``P^T P = Z S^2 Z^T`` the new directions are
      ``Q = P Z S^{-1}`` and ``[U Q] V = U (A - C W) + F W`` with ``W = Z S^{-1} V_bottom``: one
      pass for ``C`` and one for the rotation. Used when the residual keeps at least
      :data:`GRAM_MIN` of the factor's squared norm, so the subtraction loses at most a bit
      and the drift of ``U`` is amplified by less than ``1 / GRAM_MIN``.
    * three passes otherwise (``F`` nearly inside ``span(U)``, nearly dependent columns, or a
      zero factor): ``P`` formed explicitly, orthogonalized twice when cancellation is large
      ("twice is enough"), directions of negligible size dropped.
    """
    with _dispatch.quiet_products():
        C, FtF = kern.project_gram(U, F)
    C, FtF = kern.small_out(C), kern.small_out(FtF)
    _v.require_finite_product("update", "factor", FtF)  # before anything is written
    plan = _two_pass_plan(C, FtF, middle, weights)
    if plan is not None:
        A, W, lam, dropped = plan
        U_new = _dispatch.rotate(kern, U, A, F, W, out)
        return U_new, np.maximum(lam, 0.0), dropped
    return _three_pass(kern, xp, U, weights, F, middle, C, out)


def _two_pass_plan(C, FtF, middle, weights):
    """Return ``(A, W, lam, dropped)`` of the two-pass update, or None where it does not apply.

    From ``C = U^T F`` and ``F^T F`` (float64): the new ``U`` is ``U A + F W``, with the new
    eigenvalues ``lam`` and the ones the truncation drops (see :func:`_eigen_update`). None
    when the residual keeps less than :data:`GRAM_MIN` of the factor's squared norm.
    """
    tau, k = C.shape
    S = FtF - C.T @ C
    if k == 1:
        if not float(S[0, 0]) > GRAM_MIN * float(FtF[0, 0]):
            return None
        s = np.sqrt(S[:1, :1])
        R, scale = s, lambda V: V / s  # as W = V_bottom / s, rounded once
    else:
        s2, Z = np.linalg.eigh((S + S.T) / 2)
        if not s2[0] > GRAM_MIN * np.linalg.eigvalsh(FtF)[-1]:
            return None
        s = np.sqrt(s2)
        R, scale = s[:, None] * Z.T, lambda V: (Z / s) @ V
    _instrument.record("two-pass")
    lam, V, dropped = _small_problem(C, R, middle, weights, tau)
    W = scale(V[tau:])  # (k, tau): F W are the new directions' part of the new U
    return V[:tau] - C @ W, W, lam, dropped


def _three_pass(kern, xp, U, weights, F, middle, C, out):
    """Finish :func:`_eigen_update` in three passes: form the residual ``P = F - U C`` explicitly.

    ``C = U^T F`` comes from the first pass. Gram-Schmidt is repeated when it cancelled much,
    and directions of the size of rounding noise are dropped.
    """
    d, tau = U.shape
    k = F.shape[1]
    P = kern.axpy_lowrank(1.0, F, U, kern.small_in(-C, U))
    f_norms = _dispatch.column_norms(F, xp)
    p_norms = _dispatch.column_norms(P, xp)
    if np.any(p_norms < 0.7 * f_norms):
        # Classical Gram-Schmidt lost digits (F is nearly inside span(U)): project once more.
        _instrument.record("three-pass+reorth")
        C2 = kern.small_out(kern.project(U, P))
        P = kern.axpy_lowrank(1.0, P, U, kern.small_in(-C2, U))
        C = C + C2
        p_norms = _dispatch.column_norms(P, xp)
    else:
        _instrument.record("three-pass")

    # Residual directions smaller than rounding noise carry no information: drop them, so that a
    # factor already in span(U) adds no NaN and no spurious column. The bound is the error of a
    # length-d dot product, sqrt(d) * eps * |f|.
    eps = _dispatch.eps_of(U.dtype)
    tol = np.sqrt(d) * eps * max(float(np.max(f_norms)), np.finfo(np.float64).tiny)
    if k == 1:
        r = float(p_norms[0])
        if r > tol:
            basis, to_basis, R = P, np.array([[1.0 / r]]), np.array([[r]])
        else:
            basis, to_basis, R = P, np.zeros((1, 0)), np.zeros((0, 1))
    else:
        basis, R = _residual_basis(kern, xp, U, P, tol, 0.7 * float(np.max(f_norms)))
        to_basis = np.eye(R.shape[0])

    lam, V, dropped = _small_problem(C, R, middle, weights, tau)
    B = to_basis @ V[tau:]  # (columns of basis, tau)
    return _dispatch.rotate(kern, U, V[:tau], basis, B, out), np.maximum(lam, 0.0), dropped


def _residual_basis(kern, xp, U, P, tol, small):
    """Orthonormal directions ``Q`` orthogonal to ``span(U)`` spanning ``P``, and ``R = Q^T P``.

    ``P`` (d, k) is the residual ``F - U C``; its directions of singular value ``<= tol`` are
    rounding noise and are dropped. A kept direction of singular value ``s`` carries the residual's
    rounding error (``~eps |F|``, in any direction, ``span(U)`` included) amplified by ``1 / s``:
    with nearly dependent columns (``F = [f, f + 1e-12 g]``) each column is large, yet one
    direction of ``P`` is tiny and far from orthogonal to ``U``. When some ``s`` is below ``small``
    the directions are projected off ``span(U)`` and re-orthonormalized twice ("twice is
    enough"), which makes them orthogonal to ``U`` to working precision whatever their size.
    """
    Qp, Rp = _dispatch.tall_qr(P, xp, kern)
    W, s, _ = np.linalg.svd(_backend.to_host(Rp), full_matrices=False)
    keep = s > tol
    # P = Qp Rp = (Qp W) diag(s) Z^T: the kept directions are Qp W[:, keep].
    Q = _dispatch.contiguous(Qp @ _backend.from_host(W[:, keep], Qp), xp)
    if np.any(s[keep] < small):
        _instrument.record("residual-reorth")
        for _ in range(2):
            Q = kern.axpy_lowrank(1.0, Q, U, kern.small_in(-kern.small_out(kern.project(U, Q)), U))
            Q = _dispatch.contiguous(_dispatch.tall_qr(Q, xp, kern)[0], xp)
    return Q, _backend.to_host(Q.T @ P)


def update(
    state: GingerState,
    factor: Array,
    *,
    beta: float = 0.99,
    form: str = "curvature",
    backend: str | None = None,
    reorth_every: int | None = REORTH_EVERY,
    overwrite_state: bool = False,
) -> GingerState:
    r"""Return the state after :math:`G \leftarrow \beta G + (1 - \beta) F F^\top`.

    The ``tau`` largest eigenvalues of the updated matrix are kept and the rest dropped. While the
    total rank added so far is at most ``tau`` nothing is dropped and the state is exact to
    rounding.

    Parameters
    ----------
    state : GingerState
        The current state (not modified).
    factor : (d,) or (d, k) array
        Curvature factor :math:`F`, same library and dtype as ``state.U``; lists are converted.
    beta : float, optional
        EMA factor, ``0 <= beta < 1``. Default 0.99.
    form : {"curvature", "inverse", "reference"}, optional
        ``"curvature"`` (default) eigen-updates :math:`\beta G + (1-\beta) F F^\top` directly;
        ``"inverse"`` follows the paper: it eigen-updates the low-rank part of
        :math:`G_\gamma^{-1}` with the Woodbury (Sherman-Morrison for ``k = 1``) formula and maps
        back. Both agree in exact arithmetic; the inverse form loses digits at small damping
        (relative error about :math:`\epsilon \sigma / \gamma`). ``"reference"`` computes
        what the authors' released code computes: the inverse form with its pseudo-inverse
        cut-offs, residual floor, clamping and zeroing, the small problem in the state's dtype,
        no re-orthonormalization (``reorth_every`` does not apply); NumPy arrays and rank-one
        factors only, as released. Its guards zero every eigenvalue above
        :math:`\gamma (1/c - 1)`, :math:`c = 10 (\tau + 1) \epsilon` (docs/reference.md).
    backend : {None, "numba", "numpy"}, optional
        Kernels for the ``O(d tau)`` passes. ``None`` picks Numba for NumPy arrays and the
        array-API path otherwise.
    reorth_every : int or None, optional
        Re-orthonormalize ``U`` (see :func:`reorthonormalize`) after every ``reorth_every``-th
        update, so that rounding drift in :math:`U^\top U` does not accumulate. ``None`` turns it
        off. Default 100.
    overwrite_state : bool, optional
        Allow the new ``U`` to be written into the buffer of ``state.U`` (in SciPy's
        ``overwrite_a`` spirit): the caller gives up ``state`` and must not use it afterwards.
        Then no array of size ``d * tau`` is allocated in steady state, so a loop
        ``state = update(state, f, overwrite_state=True)`` runs in ``|U| + O(d k)`` memory
        instead of ``2 |U| + O(d k)``. Honoured for writeable NumPy arrays (both backends; the
        Numba kernels rotate row by row in place, the NumPy twin through one temporary) and for
        writeable arrays of other libraries (through a temporary); otherwise a new ``U`` is
        allocated as usual. The results are identical either way. Default False: ``update`` is a
        pure function and its inputs are never modified.

    Returns
    -------
    GingerState
        New state with ``step`` increased by one, and its truncation certificate (the ``gap_*``
        fields, read by :func:`pyginger.truncation_bound`) advanced by the eigenvalues this
        update dropped. For ``form="reference"`` it is advanced only while the released guards
        leave the matrix a truncation of the EMA, and becomes NaN (unknown) otherwise.

    Raises
    ------
    TypeError
        If ``state`` is not a GingerState, ``factor`` is not an array of the state's library and
        dtype, or an option has the wrong type.
    ValueError
        If ``factor`` has the wrong shape or non-finite entries, ``beta`` is outside
        ``[0, 1)``, ``form``/``backend``/``reorth_every`` is not one of the accepted values, or
        ``form="inverse"`` with a damping whose square is not a normal float (outside
        :data:`INVERSE_FORM_DAMPING`).

    See Also
    --------
    pyginger.dense.ema_ggn : the exact matrix this tracks.
    pyginger.dense.truncated_replay : the same truncation rule, replayed densely.

    Notes
    -----
    Cost for a ``(d, k)`` factor: two passes over ``U`` in the common case (the projection
    ``C = U^T F``, which also gives ``P^T P = F^T F - C^T C``, and the rotation
    ``U (A - C W) + F W``), i.e. ``O(d tau (tau + k))`` flops and about ``3 * 8 d tau`` bytes in
    float64 (``U`` read twice, the new ``U`` written once). When ``F`` lies nearly inside
    ``span(U)`` or its columns are nearly dependent, the residual is formed explicitly (and
    orthogonalized twice if needed): three to five passes. Plus a ``(tau + k)``-sized symmetric
    eigenproblem, ``O((tau + k)^3)``, independent of ``d``; for ``k = 1`` it is diagonal plus rank
    one, solved through the secular equation in ``O(tau^2)`` from ``tau + 1 = 28`` on
    (:mod:`pyginger.core._secular`). Extra memory: ``O(d k)`` and the new
    ``U`` (none with ``overwrite_state=True``). Storage in float32 halves the bytes; the sums
    over ``d`` and all small matrices stay in float64.

    Examples
    --------
    >>> import numpy as np, pyginger
    >>> rng = np.random.default_rng(0)
    >>> state = pyginger.init(50, 4, damping=1e-2)
    >>> for _ in range(3):
    ...     state = pyginger.update(state, rng.standard_normal(50), beta=0.9)
    >>> sorted_desc = bool(np.all(np.diff(state.sigma) <= 0))
    >>> state.step, sorted_desc, pyginger.orthogonality_error(state) < 1e-13
    (3, True, True)
    """
    _v.check_state("update", state)
    xp = _backend.array_namespace_of(state.U)
    beta = _v.check_beta("update", beta)
    _v.check_choice("update", "form", form, _v.FORMS)
    kern = _dispatch.kernels_for("update", backend, xp)
    if reorth_every is not None:
        reorth_every = _v.check_positive_int("update", "reorth_every", reorth_every)
    overwrite_state = _v.check_bool("update", "overwrite_state", overwrite_state)
    if form == "inverse":
        _checks.check_inverse_form_damping("update", state.damping)
    # NaN and inf are caught in the first pass over the factor (its Gram matrix or U^T F), which
    # saves a pass of its own: about 10% of an update at tau = 4.
    F = _v.check_operand("update", "factor", factor, xp, state.dim, state.U.dtype, finite=False)
    F, _ = _dispatch.as_matrix(F, xp)
    args = (beta, form, kern, xp, reorth_every, overwrite_state)
    return _update_checked_inputs(state, _dispatch.contiguous(F, xp), *args)


def _update_checked_inputs(state, F, beta, form, kern, xp, reorth_every, overwrite_state):
    """Return :func:`update`'s result for arguments its door checks have already passed.

    For callers that have validated everything :func:`update` checks (the optimizer's fused
    step checks at its own door), so that nothing is validated twice: ``state`` a valid
    :class:`GingerState` of arrays of ``xp`` (with a damping the inverse form accepts when
    ``form="inverse"``), ``F`` a C-contiguous ``(d, k)`` factor of the state's library and
    dtype (its NaN and inf are still caught in the first pass, as in :func:`update`), ``beta``
    a float in ``[0, 1)``, ``form`` one of the forms, ``kern`` the kernels of
    :func:`pyginger.core._dispatch.kernels_for`, ``reorth_every`` a positive int or None and
    ``overwrite_state`` a bool. Nothing here checks them again.
    """
    U = _dispatch.contiguous(state.U, xp)
    out = U if (overwrite_state and _backend.is_writeable(U)) else None
    gamma = state.damping
    sigma = _backend.to_host(state.sigma)
    k = F.shape[1]

    if form == "reference":
        return _reference_form_update(state, F, beta)
    if form == "curvature":
        U_new, sigma_new, dropped = _eigen_update(
            kern, xp, U, beta * sigma, F, (1.0 - beta) * np.eye(k), out=out
        )
    else:
        U_new, sigma_new, dropped = _inverse_form_update(
            kern, xp, U, sigma, gamma, beta, F, out=out
        )

    step = state.step + 1
    if reorth_every is not None and step % reorth_every == 0:
        # U_new is ours (a fresh array, or the caller's buffer given up with overwrite_state):
        # re-orthonormalize it in place when the library allows.
        in_place = U_new if _backend.is_writeable(U_new) else None
        U_new, sigma_new = _state._reorthonormalize(kern, xp, U_new, sigma_new, out=in_place)
    return _advanced(state, U_new, sigma_new, dropped, beta)


def _advanced(state, U_new, sigma_new, dropped, beta):
    """Return the state after one update of ``state``: ``U_new``, ``sigma_new``, one more step.

    ``sigma_new`` is a float64 host array; the certificate advances by ``dropped`` (the
    eigenvalues the truncation dropped, or None: unknown).
    """
    return GingerState(
        U=U_new,
        sigma=_backend.from_host(sigma_new, U_new),
        damping=state.damping,
        step=state.step + 1,
        **_certificate.advance(state, beta, dropped),
    )


def _reference_form_update(state, F, beta):
    """Apply the authors' released update (:mod:`pyginger.core._released`) to a valid state."""
    if not isinstance(F, np.ndarray) or F.shape[1] != 1:
        what = f"shape {F.shape}" if isinstance(F, np.ndarray) else type(F).__module__
        raise ValueError(
            "update: form='reference' takes one factor of shape (d,) on NumPy arrays, as the "
            f"authors' code has no rank-k or other-library update; got {what}"
        )
    if not np.all(np.isfinite(F)):
        raise ValueError("update: factor must be finite, got NaN or inf entries")
    U, sigma, removed = _released.released_update(
        state.U, state.sigma, F[:, 0], state.damping, beta, trace=True
    )  # sigma ascending: the state keeps it descending (the same matrix)
    # removed is None when a guard of the released code changed the matrix: then the state is
    # no truncation of the EMA, and its certificate becomes unknown (NaN) for good.
    return GingerState(
        U=np.ascontiguousarray(U[:, ::-1]),
        sigma=np.ascontiguousarray(sigma[::-1]),
        damping=state.damping,
        step=state.step + 1,
        **_certificate.advance(state, beta, removed),
    )


def _inverse_form_update(kern, xp, U, sigma, gamma, beta, F, out=None):
    r"""Apply the paper's update: Woodbury on the inverse, eigen-update its low-rank part, map back.

    With :math:`A = \beta G + \gamma I`, :math:`A^{-1} = I/\gamma - U \operatorname{diag}(s) U^\top`
    and :math:`s = \beta\sigma / (\gamma(\gamma + \beta\sigma))`. Woodbury gives
    :math:`(A + b F F^\top)^{-1} = A^{-1} - Q M Q^\top` with :math:`Q = A^{-1} F` and
    :math:`M = (I/b + F^\top A^{-1} F)^{-1}`, so the new low-rank part is
    :math:`U \operatorname{diag}(s) U^\top + Q M Q^\top`; keep its top ``tau`` eigenpairs
    :math:`s'` and map back with :math:`\sigma = \gamma^2 s' / (1 - \gamma s')`.
    """
    b = 1.0 - beta
    k = F.shape[1]
    s = beta * sigma / (gamma * (gamma + beta * sigma))
    with _dispatch.quiet_products():
        C = kern.small_out(kern.project(U, F))
    _v.require_finite_product("update", "factor", C)
    Q = kern.axpy_lowrank(1.0 / gamma, F, U, kern.small_in(-(s[:, None] * C), U))  # A^{-1} F
    FtAinvF = _backend.to_host(F.T @ Q)
    middle = np.linalg.inv(np.eye(k) / b + (FtAinvF + FtAinvF.T) / 2)
    U_new, s_new, s_dropped = _eigen_update(
        kern, xp, U, s, _dispatch.contiguous(Q, xp), middle, out=out
    )
    # The map back divides by 1 - gamma s = gamma / (gamma + sigma): this is where digits are lost
    # as gamma shrinks. Rounding can push the denominator to <= 0; clip it at machine epsilon so
    # the state stays finite (it is then inaccurate, which is the point of offering both forms).
    eps = _dispatch.eps_of(U.dtype)
    denom = np.maximum(1.0 - gamma * s_new, eps)
    sigma_new = np.maximum(gamma**2 * s_new / denom, 0.0)
    if np.any(1.0 - gamma * s_new <= eps):
        return U_new, sigma_new, None  # a clipped eigenvalue: no truncation, nothing certified
    # s and sigma are in increasing correspondence, so the dropped s map to the dropped sigma.
    return U_new, sigma_new, gamma**2 * s_dropped / np.maximum(1.0 - gamma * s_dropped, eps)
