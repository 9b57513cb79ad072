"""The scheduler process (``sharedbuy scheduler``): the time-driven cycle events every minute.

What a tick does is ``services.schedule.run_tick`` (open scheduled cycles, close those past
their cutoff, cutoff reminders, passed approval deadlines). Here is only *when* and *where*:

- without ``REDIS_URL``, each tick runs in this process;
- with ``REDIS_URL``, each tick is an RQ job (``jobs.scheduled_tick``) that the
  ``sharedbuy worker`` processes run; a new one is queued only once the previous one has
  finished, so a busy queue does not pile ticks up.

A tick is safe to run twice at once, so running two schedulers (say, one per machine) sends
nothing twice; one is enough.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from marketplace import jobs
from marketplace.config import Config
from marketplace.services.schedule import TickResult, run_tick

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_S = 60.0
#: RQ kills a tick job after this long (a tick takes well under a second).
TICK_TIMEOUT_S = 300
_UNFINISHED = ("queued", "started", "deferred", "scheduled")


def tick(config: Config, *, now: datetime | None = None, base_url: str | None = None) -> TickResult:
    """One tick in this process, emailing its notifications when SMTP is configured."""
    with jobs.emailing(config, base_url), jobs.job_session(config.database_url) as session:
        return run_tick(session, now=now)


class Scheduler:
    """Ticks every ``interval_s`` seconds until :meth:`stop` (or once)."""

    def __init__(self, config: Config, *, interval_s: float = DEFAULT_INTERVAL_S, base_url: str | None = None,
                 echo: Callable[[str], Any] = print):
        if interval_s <= 0:
            raise ValueError("the interval must be positive")
        self.config, self.interval_s, self.base_url, self.echo = config, interval_s, base_url, echo
        self._stop = threading.Event()
        self._queue = jobs.RedisQueue(config.redis_url, config.rq_queue) if config.redis_url else None
        self._job: Any = None

    @property
    def uses_redis(self) -> bool:
        return self._queue is not None

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Tick now, then every interval (measured from each tick's start) until stopped."""
        while not self._stop.is_set():
            started = time.monotonic()
            self.step()
            self._stop.wait(max(0.0, self.interval_s - (time.monotonic() - started)))

    def step(self) -> None:
        """One tick: queued on Redis, or run here. An error is logged; the next tick tries again."""
        try:
            if self._queue is not None:
                self._enqueue()
            else:
                result = tick(self.config, base_url=self.base_url)
                if result.opened or result.closed or result.reminders or result.deadlines or result.failed:
                    self.echo(f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} tick: {result.summary()}")
        except Exception:
            log.exception("scheduler tick failed")

    def _enqueue(self) -> None:
        assert self._queue is not None
        if self._job is not None and self._status() in _UNFINISHED:
            log.info("previous tick job %s has not finished: not queueing another", self._job.id)
            return
        self._job = self._queue.queue.enqueue(jobs.scheduled_tick, self.config.database_url, self.base_url,
                                              job_timeout=TICK_TIMEOUT_S, result_ttl=3600, failure_ttl=86400)

    def _status(self) -> str | None:
        """The previous tick job's status (None once Redis has forgotten it: its TTL passed)."""
        try:
            status = self._job.get_status(refresh=True)
        except Exception:  # rq raises InvalidJobOperation for a job Redis no longer has
            return None
        return str(getattr(status, "value", status))
