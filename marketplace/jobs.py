"""Background jobs: RQ workers on Redis when ``REDIS_URL`` is set, a worker thread otherwise.

A job is a plain importable function taking JSON-like arguments; it opens its own session
with :func:`job_session`. The web layer enqueues, services do the work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from marketplace.config import Config
from marketplace.db import make_engine, make_session_factory, session_scope

if TYPE_CHECKING:
    from marketplace.services.mail import Mailer

_factories: dict[str, Callable[[], Session]] = {}
_lock = threading.Lock()


@dataclass
class JobHandle:
    """A queued job: its id, and for thread jobs the future holding its result."""

    id: str
    future: Future[Any] | None = None


class ThreadQueue:
    """The embedded default: jobs run on one worker thread inside the app process."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sharedbuy-job")
        self._count = 0

    def enqueue(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> JobHandle:
        self._count += 1
        return JobHandle(f"thread-{self._count}", self._executor.submit(func, *args, **kwargs))


class RedisQueue:
    """Jobs go to an RQ queue on Redis; ``sharedbuy worker`` processes run them."""

    def __init__(self, redis_url: str, name: str):
        from redis import Redis
        from rq import Queue

        self.queue = Queue(name, connection=Redis.from_url(redis_url))

    def enqueue(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> JobHandle:
        job = self.queue.enqueue(func, *args, **kwargs)
        return JobHandle(job.id)


def make_queue(config: Config) -> ThreadQueue | RedisQueue:
    return RedisQueue(config.redis_url, config.rq_queue) if config.redis_url else ThreadQueue()


def register_database(database_url: str, factory: Callable[[], Session]) -> None:
    """Let jobs in this process reuse the app's sessions for ``database_url``."""
    with _lock:
        _factories[database_url] = factory


@contextmanager
def job_session(database_url: str) -> Iterator[Session]:
    """A session for a job (the app's factory in thread mode, a new engine in a worker)."""
    with _lock:
        factory = _factories.get(database_url)
        if factory is None:
            factory = _factories[database_url] = make_session_factory(make_engine(database_url))
    with session_scope(factory) as session:
        yield session


def ping(text: str = "pong") -> str:
    """A job that does nothing but answer: used to check that workers run jobs."""
    return text


def run_worker(config: Config, *, burst: bool = False) -> bool:
    """Run an RQ worker on ``config.rq_queue`` until stopped (or, with ``burst``, until empty)."""
    if not config.redis_url:
        raise RuntimeError("REDIS_URL is not set: without Redis, jobs run inside the web process")
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(config.redis_url)
    worker = Worker([Queue(config.rq_queue, connection=connection)], connection=connection)
    return worker.work(burst=burst)


def run_optimization(database_url: str, run_id: int) -> str:
    """The optimizer job: solve one queued run (see ``services.run_execution``)."""
    from marketplace.services.run_execution import execute_run

    with job_session(database_url) as session:
        return execute_run(session, run_id).value


def enqueue_optimization(queue: ThreadQueue | RedisQueue, database_url: str, run_id: int,
                         time_limit_s: float) -> JobHandle:
    """Queue :func:`run_optimization`; on RQ the job may take several times the solver's limit
    (pooled solve, standalone baselines, explanations) before RQ would kill it."""
    if isinstance(queue, RedisQueue):
        job = queue.queue.enqueue(run_optimization, database_url, run_id,
                                  job_timeout=int(time_limit_s * 6 + 300))
        return JobHandle(job.id)
    return queue.enqueue(run_optimization, database_url, run_id)


def make_mailer(config: Config) -> Mailer:
    """The SMTP settings of ``config`` (email is off without ``SMTP_HOST``)."""
    from marketplace.services.mail import Mailer

    return Mailer(host=config.smtp_host, port=config.smtp_port, user=config.smtp_user,
                  password=config.smtp_password, sender=config.smtp_from, starttls=config.smtp_starttls)


def send_notification_emails(database_url: str, notification_ids: list[int], base_url: str | None = None) -> int:
    """The email job on an RQ worker: email new notifications with this process's SMTP settings
    (see ``services.notifications.email_notifications``; in-process, the app's mailer is used)."""
    from marketplace.services.notifications import email_notifications

    mailer = make_mailer(Config.from_env(database_url=database_url))
    with job_session(database_url) as session:
        return email_notifications(session, mailer, notification_ids, base_url=base_url)


@contextmanager
def emailing(config: Config, base_url: str | None = None) -> Iterator[list[int]]:
    """For a process without the web app (a command, the scheduler, a worker's job): while open,
    notifications committed on ``config.database_url`` are emailed from here right after their
    commit when SMTP is configured. Yields a list that receives the number sent per commit."""
    from marketplace.services import notifications

    mailer, emailed = make_mailer(config), []

    def send(ids: list[int]) -> None:
        with job_session(config.database_url) as session:
            emailed.append(notifications.email_notifications(session, mailer, ids, base_url=base_url))

    notifications.register_email_sender(config.database_url, send if mailer.enabled else None)
    try:
        yield emailed
    finally:
        notifications.register_email_sender(config.database_url, None)


def scheduled_tick(database_url: str, base_url: str | None = None) -> dict[str, Any]:
    """The scheduler's job (``sharedbuy scheduler`` with Redis): one tick of the time-driven
    cycle events (``services.schedule.run_tick``), emailing what it notifies."""
    from marketplace.services.schedule import run_tick

    with emailing(Config.from_env(database_url=database_url), base_url), job_session(database_url) as session:
        return run_tick(session).as_dict()


def run_payment_job(database_url: str, job_id: int) -> str:
    """The hub's payout or reconciliation job on an RQ worker (``services.payment_jobs``), with
    this process's Stripe settings (in-process, the app's gateway is used)."""
    from marketplace.payments.gateway import make_gateway
    from marketplace.services.payment_jobs import execute_payment_job

    config = Config.from_env(database_url=database_url)
    gateway = make_gateway(config.stripe_api_key, config.stripe_api_base, config.stripe_webhook_secret)
    with job_session(database_url) as session:
        job = execute_payment_job(session, gateway, job_id)
        return job.status.value if job is not None else "missing"
