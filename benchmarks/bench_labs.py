"""Every lab on the local emulator, as a user runs it; print times and ratios.

    python benchmarks/bench_labs.py [--runs 3]

Each `srscards lab run NAME` runs in a fresh process. The baseline, measured in the same run,
is the floor every lab pays: a fresh process that imports boto3 and moto, starts the emulator
and makes one S3 call.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = (
    "import boto3, moto\n"
    "with moto.mock_aws():\n"
    "    boto3.client('s3', region_name='us-east-1', aws_access_key_id='testing',"
    " aws_secret_access_key='testing').list_buckets()\n"
)


# Completions go to a throw-away store, not the user's.
ENV = {**os.environ, "SRSCARDS_HOME": tempfile.mkdtemp(prefix="srscards-bench-")}


def median_time(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    srscards = shutil.which("srscards") or sys.exit("srscards is not installed in this environment")
    names = sorted(p.parent.name for p in (REPO / "lab_walkthroughs").glob("*/lab.py"))
    base = median_time([sys.executable, "-c", BASELINE], args.runs)
    print(f"runs: {args.runs} (medians)")
    print(f"{'baseline: emulator + one S3 call':<42} {base:6.2f} s")
    total = 0.0
    for name in names:
        seconds = median_time([srscards, "lab", "run", name], args.runs)
        total += seconds
        print(f"{name:<42} {seconds:6.2f} s  ratio {seconds / base:5.2f}x")
    print(f"{'all labs, one after another':<42} {total:6.2f} s")


if __name__ == "__main__":
    main()
