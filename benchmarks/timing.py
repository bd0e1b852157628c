"""What every benchmark shares: installed-like bytecode and the median time of a command."""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path


def cache_bytecode() -> None:
    """Write srscards' bytecode, as an installed package has it (pip compiles at install time): in an
    editable install with PYTHONDONTWRITEBYTECODE set, every process would compile the sources again."""
    import compileall

    import srscards

    compileall.compile_dir(Path(srscards.__file__).parent, quiet=1)


def median_time(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)
