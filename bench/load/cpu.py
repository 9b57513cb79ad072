"""CPU seconds used by the server's processes (Linux /proc), to tell the app's cost per request
apart from the time it waited for a CPU on a shared machine."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from the 3rd (state) on


def _cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _processes() -> list[tuple[int, list[str]]]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            found.append((int(entry.name), fields))
    return found


def tree_cpu(root: int) -> float:
    """CPU seconds of ``root`` and its descendants (gunicorn's master and workers)."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for pid, fields in _processes():
        children.setdefault(int(fields[1]), []).append(pid)
        cpu[pid] = _cpu_seconds(fields)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def backends_cpu(database: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to ``database`` (by its process title)."""
    found = {}
    for pid, fields in _processes():
        try:
            title = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            found[pid] = _cpu_seconds(fields)
    return found


def precise_cpu_s(pids: list[int]) -> float:
    """CPU seconds of these processes to the nanosecond (/proc/PID/schedstat; ticks are 10 ms)."""
    total = 0
    for pid in pids:
        try:
            total += int((PROC / str(pid) / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


@dataclass
class CpuMeter:
    """CPU used between :meth:`start` and :meth:`stop` by gunicorn, PostgreSQL's backends of the
    database, and this process (the load client)."""

    server_pid: int | None
    database: str
    server_s: float = 0.0
    database_s: float = 0.0
    client_s: float = 0.0

    def start(self) -> None:
        self._server = tree_cpu(self.server_pid) if self.server_pid else 0.0
        self._backends = backends_cpu(self.database)
        self._client = _own_cpu()

    def stop(self) -> None:
        self.server_s = (tree_cpu(self.server_pid) - self._server) if self.server_pid else 0.0
        now = backends_cpu(self.database)
        # Backends that started during the window count from zero; those that ended are lost
        # (gunicorn's pools keep their connections for the whole run).
        self.database_s = sum(cpu - self._backends.get(pid, 0.0) for pid, cpu in now.items())
        self.client_s = _own_cpu() - self._client


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system
