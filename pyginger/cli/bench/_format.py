"""Text cells of the benchmark tables: times, byte counts and percentages."""

from __future__ import annotations

import math


def _fmt_time(seconds):
    if seconds is None or not math.isfinite(seconds):
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:7.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:7.2f} ms"
    return f"{seconds:7.3f} s "


def _fmt_bytes(nbytes):
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(nbytes) >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes:.0f} B"


def _fmt_pct(fraction):
    if fraction is None or not math.isfinite(fraction):
        return "   -  "
    return f"{100 * fraction:5.1f}%"
