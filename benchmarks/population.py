"""Virtual populations: their cost per patient, and what extra processes buy, as ratios in one process.

Run:  python benchmarks/population.py [--repeats N] [--patients N] [--jobs N]

Prints medians over repeated runs of ``il7.population("sportes_2008", {"age": "20..70 years"})``
with N patients:
1. overhead: its time divided by that of N plain ``il7.simulate`` calls with the same drawn
   ages, so 1.0 means the population adds nothing to the simulations it needs;
   (every timed run starts with the steady-state cache cleared, as a spawned process does)
2. processes: its time with ``jobs`` spawned processes divided by its time in this process
   (below 1 is a speed-up; the spawned processes each load the compiled model, about a second).
"""

from __future__ import annotations

import argparse

from engine import paired_medians  # benchmarks/engine.py: alternate timing of two workloads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    import il7
    from il7.simulate import clear_steady_state_cache

    vary = {"age": "20..70 years"}
    ages = il7.population("baseline", vary, n=args.patients, readouts=["CD4_blood"]).draws[:, 0]

    def population(jobs: int) -> object:
        clear_steady_state_cache()
        return il7.population("sportes_2008", vary, n=args.patients, jobs=jobs)

    def plain() -> object:
        clear_steady_state_cache()
        for age in ages:
            il7.simulate("sportes_2008", overrides={"age": float(age)})
        return None

    ours, bare = paired_medians(lambda: population(1), plain, args.repeats)
    print(f"overhead: {ours:.2f} s vs {bare:.2f} s of plain simulations: ratio {ours / bare:.2f}")
    many, one = paired_medians(lambda: population(args.jobs), lambda: population(1), args.repeats)
    print(f"processes: {args.jobs} jobs {many:.2f} s vs 1 job {one:.2f} s: ratio {many / one:.2f}")


if __name__ == "__main__":
    main()
