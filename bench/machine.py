"""What a benchmark ran on and when: the `machine` and `measured` blocks of every bench/results/*.json.

The site's Performance page prints these next to the numbers, so a reader can tell a slow
machine from a slow build. Load average is recorded because the runs share their cores.
"""

from __future__ import annotations

import datetime
import os
import platform
from importlib import metadata
from pathlib import Path


def cpu_model() -> str | None:
    """The CPU's marketing name from /proc/cpuinfo (Linux); None where there is no such file."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            return value.strip()
    return None


def memory_gib() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)  # kB
    return None


def package_versions(names: tuple[str, ...]) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def machine_info(packages: tuple[str, ...] = ()) -> dict[str, object]:
    """CPU, cores, memory, OS, Python, the load when the run started, and the versions of `packages`."""
    info: dict[str, object] = {
        "cpu": cpu_model() or platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gib": memory_gib(),
        "architecture": platform.machine(),
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    if packages:
        info["packages"] = package_versions(packages)
    return info


def measured_on() -> str:
    """Today's date (UTC), as the results' `measured` field."""
    return datetime.datetime.now(datetime.UTC).date().isoformat()
