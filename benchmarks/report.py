"""The report's wall time with its scenarios beside the other sections, against the same report
with them run in its own process.

Run:  python benchmarks/report.py [--rounds N]

Each round writes the report twice, each time in a new process (so that no cache carries over),
alternating the two ways so that machine noise hits both:

1. as ``il7 report`` writes it: the scenarios' runs and figures in a process of their own
   (``il7.report._beside``) while the main process writes the other sections;
2. the baseline: the same report with that process refused (``il7.report.usable_cpus`` read as
   1), so that the scenarios run in the main process after the other sections.

Prints each run's seconds, the medians and their ratio (beside over inline). The report's limit
is 3 minutes on 2 CPUs; this machine's CPUs are printed too. About 5 minutes a round. On a
shared machine one report's time moves by 20% from one run to the next: take several rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

RUN = """
import sys
import il7.report as report
if sys.argv[2] == "inline":
    report.usable_cpus = lambda: 1  # read by report._beside only: the scenarios run here
report.write_report(sys.argv[1])
"""


def timed(way: str) -> float:
    """Seconds to write the report ``way`` ('beside' or 'inline') in a new process."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", RUN, os.path.join(folder, "r"), way], check=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="pairs of reports to time (default 1)")
    rounds = parser.parse_args().rounds
    print(
        f"CPUs usable: {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}"
    )
    times: dict[str, list[float]] = {"beside": [], "inline": []}
    for i in range(rounds):
        for way in ("beside", "inline") if i % 2 == 0 else ("inline", "beside"):
            times[way].append(timed(way))
            print(f"round {i + 1}: {way} {times[way][-1]:.1f} s", flush=True)
    beside, inline = (statistics.median(times[w]) for w in ("beside", "inline"))
    print(
        f"median seconds: beside {beside:.1f}, inline {inline:.1f}; ratio beside/inline {beside / inline:.2f}"
    )


if __name__ == "__main__":
    main()
