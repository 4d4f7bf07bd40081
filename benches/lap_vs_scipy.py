#!/usr/bin/env python3
"""Times Upmentor's assignment solver against SciPy's linear_sum_assignment on identical
matrices written to disk, in one run, each solved three times (the fastest is reported).

    python3 benches/lap_vs_scipy.py                    # the default set below
    python3 benches/lap_vs_scipy.py engine:5000 ties:2000 ties:2314x2686

    engine:N        an N × N score matrix scored by the engine from a generated pool
    ties:N | ties:RxC   integers 0-5, uniform, seeded (what an admin gets who sets every
                    weight but one to 0: a few distinct scores, heavy ties); R <= C

Both sides maximise the total; totals must agree. Installs numpy and scipy for itself
(pip --user) when missing; the Rust build never needs Python.
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

specs = sys.argv[1:] or ["engine:1000", "engine:5000", "ties:1000", "ties:2000", "ties:2314x2686"]
REPEATS = 3
print(f"{'matrix':>16} {'upmentor s':>11} {'scipy s':>9} {'ratio':>6}  totals")
failed = False
for spec in specs:
    kind, size = spec.split(":")
    rows, cols = (int(x) for x in size.split("x")) if "x" in size else (int(size), int(size))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "scores.f64")
        if kind == "engine":
            assert rows == cols, "engine matrices are square"
            subprocess.check_call([exe, "write", str(rows), path])
            m = np.fromfile(path, dtype="<f8").reshape(rows, cols)
        elif kind == "ties":
            m = np.random.default_rng(rows * 7919 + cols).integers(0, 6, size=(rows, cols)).astype("<f8")
            m.tofile(path)
        else:
            sys.exit(f"unknown matrix kind {kind!r}")
        ours = []
        for _ in range(REPEATS):
            out = subprocess.check_output([exe, "solve", str(rows), str(cols), path], text=True).split()
            ours.append((float(out[0]), float(out[1])))
        ours_s, ours_total = min(t for t, _ in ours), ours[0][1]
        theirs = []
        for _ in range(REPEATS):
            t = time.perf_counter()
            r, c = linear_sum_assignment(m, maximize=True)
            theirs.append(time.perf_counter() - t)
        scipy_s, scipy_total = min(theirs), float(m[r, c].sum())
        same = abs(scipy_total - ours_total) <= 1e-6 * max(1.0, abs(scipy_total))
        failed |= not same
        print(f"{spec:>16} {ours_s:>11.4f} {scipy_s:>9.4f} {ours_s / scipy_s:>6.2f}  {ours_total:.6f} vs {scipy_total:.6f} {'(equal)' if same else '(DIFFERENT)'}")
sys.exit(1 if failed else 0)
