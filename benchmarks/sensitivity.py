"""Sensitivity analysis: its cost per run, and what extra processes buy, as ratios in one process.

Run:  python benchmarks/sensitivity.py [--repeats N] [--parameters N] [--jobs N]

Prints medians over repeated runs of ``il7.sensitivities("baseline", "IL7_serum_total")`` on the
first N default parameters:
1. overhead: its time divided by that of the same number of plain ``il7.simulate`` calls with
   the same overrides (2 per parameter and the nominal, steady-state cache cleared), so 1.0
   means the analysis adds nothing to the simulations it needs;
2. processes: its time with ``jobs`` spawned processes divided by its time in this process
   (below 1 is a speed-up; the spawned processes each load the compiled model, about a second).
"""

from __future__ import annotations

import argparse

from engine import paired_medians  # benchmarks/engine.py: alternate timing of two workloads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parameters", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    import warnings

    import il7
    from il7.sensitivity import varied_parameters
    from il7.simulate import clear_steady_state_cache

    warnings.simplefilter("ignore", il7.Il7Warning)  # x1.1 takes some past their bounds, as the analysis does

    ids = list(varied_parameters()[: args.parameters])
    table = {p.id: p.value for p in il7.parameter_table().reset_index().itertuples() if p.id in ids}

    def analysis(jobs: int) -> object:
        clear_steady_state_cache()
        return il7.sensitivities("baseline", "IL7_serum_total", parameters=ids, jobs=jobs)

    def plain() -> object:
        clear_steady_state_cache()
        il7.simulate("baseline")
        for pid in ids:
            for factor in (1.1, 1 / 1.1):
                try:
                    il7.simulate("baseline", overrides={pid: table[pid] * factor})
                except il7.Il7Error:
                    pass  # refused, as the analysis finds too
        return None

    ours, bare = paired_medians(lambda: analysis(1), plain, args.repeats)
    print(f"overhead: {ours:.2f} s vs {bare:.2f} s of plain simulations: ratio {ours / bare:.2f}")
    many, one = paired_medians(lambda: analysis(args.jobs), lambda: analysis(1), args.repeats)
    print(f"processes: {args.jobs} jobs {many:.2f} s vs 1 job {one:.2f} s: ratio {many / one:.2f}")


if __name__ == "__main__":
    main()
