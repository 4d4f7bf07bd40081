#!/usr/bin/env python3
"""Times Upmentor's assignment solver against SciPy's linear_sum_assignment on identical
score matrices written to disk (scored by the engine from a generated pool), in one run.

    python3 benches/lap_vs_scipy.py 5000 10000

Installs numpy and scipy for itself (pip --user) when missing; the Rust build never needs Python.
"""
import os, subprocess, sys, tempfile, time

try:
    import numpy as np
    from scipy.optimize import linear_sum_assignment
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "numpy", "scipy"])
    import numpy as np
    from scipy.optimize import linear_sum_assignment

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/upmentor/target"))
subprocess.check_call(["cargo", "build", "--release", "--example", "lap_file"], cwd=root)
exe = os.path.join(target, "release", "examples", "lap_file")

sizes = [int(a) for a in sys.argv[1:]] or [1000, 5000]
print(f"{'n':>6} {'upmentor s':>11} {'scipy s':>9} {'ratio':>6}  totals")
for n in sizes:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, f"scores-{n}.f64")
        subprocess.check_call([exe, "write", str(n), path])
        ours = subprocess.check_output([exe, "solve", str(n), path], text=True).split()
        ours_s, ours_total = float(ours[0]), float(ours[1])
        m = np.fromfile(path, dtype="<f8").reshape(n, n)
        t = time.perf_counter()
        rows, cols = linear_sum_assignment(m, maximize=True)
        scipy_s = time.perf_counter() - t
        scipy_total = float(m[rows, cols].sum())
        same = abs(scipy_total - ours_total) <= 1e-6 * max(1.0, abs(scipy_total))
        print(f"{n:>6} {ours_s:>11.3f} {scipy_s:>9.3f} {ours_s / scipy_s:>6.2f}  {ours_total:.6f} vs {scipy_total:.6f} {'(equal)' if same else '(DIFFERENT)'}")
        if not same:
            sys.exit(1)
