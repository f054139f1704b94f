"""Engine overhead and cold start, as ratios against bare libroadrunner in the same process.

Run:  python benchmarks/engine.py [--repeats N]

Prints medians over repeated runs:
1. per simulation: il7's ``simulate(baseline)`` divided by a bare libroadrunner loop
   (``RoadRunner(sbml)`` once, then ``resetAll``, ``simulate`` on the same SBML and time grid);
   once without pre-equilibration (the literal comparison) and once with it, il7's steady-state
   cache cleared before every run (the bare loop then also reaches steady state the way il7's
   engine does: a 1e7-h simulation and a 1e3-h relaxation). With the cache warm, il7 skips the
   steady state altogether; that time is printed too;
2. cold start: ``il7 simulate baseline --out FILE.csv`` as a new process (process start to CSV
   written), with the compiled-model cache warm and empty, against a bare Python process that
   imports roadrunner, loads the same SBML, simulates and writes a CSV.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def paired_medians(a: Callable[[], object], b: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median seconds of ``a`` and ``b``, timed alternately so that machine noise hits both."""
    a(), b()  # warm-up
    times_a, times_b = [], []
    for _ in range(repeats):
        for work, times in ((a, times_a), (b, times_b)):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
    return statistics.median(times_a), statistics.median(times_b)


def per_simulation(repeats: int) -> None:
    import roadrunner

    import il7
    from il7 import build
    from il7.scenario import TIME_UNITS

    sbml = build.sbml()
    scenario = il7.load_scenario("baseline")
    grid = np.asarray(scenario.times) * TIME_UNITS[scenario.time_unit]
    no_preeq = dataclasses.replace(scenario, periods=())

    from il7.engine import ABSOLUTE_TOLERANCE
    from il7.simulate import clear_steady_state_cache

    rr = roadrunner.RoadRunner(sbml)
    rr.timeCourseSelections = ["time", *scenario.readouts]
    for species in rr.model.getFloatingSpeciesIds():  # the integrator settings il7 uses
        rr.integrator.setIndividualTolerance(species, ABSOLUTE_TOLERANCE)

    def bare() -> object:
        rr.resetAll()
        return rr.simulate(times=grid)

    def bare_steady() -> object:
        rr.resetAll()
        rr.simulate(0, 1e7, 2)
        rr.simulate(1e7, 1e7 + 1e3, 2)
        return rr.simulate(times=grid)

    def ours_uncached() -> object:
        clear_steady_state_cache()
        return il7.simulate(scenario)

    for label, ours, theirs in (
        ("baseline grid, no pre-equilibration", lambda: il7.simulate(no_preeq), bare),
        ("baseline with pre-equilibration, il7 cache cleared", ours_uncached, bare_steady),
        ("baseline with pre-equilibration, il7 cache warm", lambda: il7.simulate(scenario), bare_steady),
    ):
        t_il7, t_bare = paired_medians(ours, theirs, repeats)
        print(
            f"per simulation, {label}: il7 {t_il7 * 1e3:.2f} ms, bare roadrunner {t_bare * 1e3:.2f} ms, ratio {t_il7 / t_bare:.2f}"
        )


BARE_SCRIPT = """
import sys, roadrunner, numpy as np
rr = roadrunner.RoadRunner(open(sys.argv[1]).read())
for s in rr.model.getFloatingSpeciesIds():
    rr.integrator.setIndividualTolerance(s, 1e-6)
rr.simulate(0, 1e7, 2)
rr.simulate(1e7, 1e7 + 1e3, 2)
rr.timeCourseSelections = ["time", "IL7_serum_total", "IL7_serum", "sIL7R_serum", "CD127_per_T", "pSTAT5_frac"]
r = rr.simulate(times=np.linspace(1e7 + 1e3, 1e7 + 1e3 + 168, 8))
np.savetxt(sys.argv[2], np.asarray(r), delimiter=",")
"""


def cold_start(repeats: int) -> None:
    from il7 import build

    il7_cmd = [str(Path(sys.executable).with_name("il7"))]
    with tempfile.TemporaryDirectory() as tmp:
        sbml_path = Path(tmp) / "il7.xml"
        sbml_path.write_text(build.sbml())
        out = Path(tmp) / "out.csv"

        def run(cmd: list[str], env_cache: str | None) -> float:
            import os

            env = dict(os.environ)
            if env_cache is not None:
                env["IL7_CACHE_DIR"] = env_cache
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            elapsed = time.perf_counter() - start
            assert out.is_file()
            out.unlink()
            return elapsed

        cache = str(Path(tmp) / "cache")
        empty = [
            run([*il7_cmd, "simulate", "baseline", "--out", str(out)], str(Path(tmp) / f"empty{i}"))
            for i in range(repeats)
        ]
        run([*il7_cmd, "simulate", "baseline", "--out", str(out)], cache)  # fill the cache
        warm = [run([*il7_cmd, "simulate", "baseline", "--out", str(out)], cache) for _ in range(repeats)]
        bare = [
            run([sys.executable, "-c", BARE_SCRIPT, str(sbml_path), str(out)], None) for _ in range(repeats)
        ]
    m_empty, m_warm, m_bare = (statistics.median(x) for x in (empty, warm, bare))
    print(
        f"cold start, il7 simulate baseline --out CSV: cache warm {m_warm:.2f} s, cache empty {m_empty:.2f} s"
    )
    print(
        f"cold start, bare python + roadrunner doing the same: {m_bare:.2f} s; ratio warm/bare {m_warm / m_bare:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    per_simulation(args.repeats)
    cold_start(max(3, min(10, args.repeats // 20)))


if __name__ == "__main__":
    main()
