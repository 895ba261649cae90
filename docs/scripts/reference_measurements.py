"""Print the measured consequences quoted in docs/reference.md (run: python this_file.py)."""

import numpy as np

import pyginger
from pyginger import core
from pyginger.cli.demo.experiments import curvature_stream
from pyginger.cli.demo.released import reference_error_rows
from pyginger.core import _released

BETA, DIM, STEPS, RANK = 0.95, 60, 120, 8


def thresholds():
    """Print the collapse threshold from a zero eigenvalue, tau = 4 and 8, float32."""
    for gamma in (1e-8, 1e-5, 1e-2):
        t4 = _released.collapse_threshold(gamma, 4, np.float32)
        t8 = _released.collapse_threshold(gamma, 8, np.float32)
        print(f"threshold gamma={gamma:g}: tau=4 {t4:.3g}, tau=8 {t8:.3g}")


def demo_rows():
    """Print the demo's section 1b (d = 60, as with --quick)."""
    for r in reference_error_rows(DIM, RANK, steps=STEPS, beta=BETA):
        print(
            f"released gamma={r['damping']:g}: collapsed {r['collapsed']}/{RANK}, top sigma "
            f"{r['top_reference']:.3g} vs exact {r['top_curvature']:.3g}, err(state) "
            f"{r['err_state']:.3g}, step angle {r['angle_reference']:.1f} vs "
            f"{r['angle_curvature']:.1f} deg"
        )


def inverse_form():
    """Print pyginger's form="inverse" (float64, no guards) against the curvature form."""
    factors = curvature_stream(DIM, STEPS, seed=0)
    for gamma in (1e-8, 1e-5):
        inv = pyginger.init(DIM, RANK, damping=gamma)
        cur = pyginger.init(DIM, RANK, damping=gamma)
        for f in factors:
            inv = pyginger.update(inv, f, beta=BETA, form="inverse")
            cur = pyginger.update(cur, f, beta=BETA)
        rel = np.max(np.abs(inv.sigma - cur.sigma) / cur.sigma)
        print(f"form='inverse' gamma={gamma:g}: max relative sigma error {rel:.2e}")


def drift():
    """Print ||U^T U - I||_F of the released state (never re-orthonormalized)."""
    factors = curvature_stream(DIM, 400, seed=0).astype(np.float32)
    s = pyginger.init(DIM, RANK, damping=1e-5, dtype=np.float32)
    for f in factors:
        s = pyginger.update(s, f, beta=BETA, form="reference")
    print(f"released U drift after 400 updates (d=60, tau=8): {core.orthogonality_error(s):.2e}")


if __name__ == "__main__":
    thresholds()
    demo_rows()
    inverse_form()
    drift()
