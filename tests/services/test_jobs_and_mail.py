from __future__ import annotations

import os
import uuid

import pytest

from marketplace import jobs
from marketplace.config import Config
from marketplace.services.mail import Mailer
from tests.conftest import require_service


def test_thread_queue_runs_jobs_in_process():
    queue = jobs.make_queue(Config(env="testing", secret_key="x" * 40))
    assert isinstance(queue, jobs.ThreadQueue)
    handle = queue.enqueue(jobs.ping, "hello")
    assert handle.future.result(timeout=5) == "hello"


@pytest.mark.redis
def test_redis_queue_and_worker_run_a_job():
    url = os.environ.get("REDIS_URL")
    require_service(bool(url), "Redis", "set REDIS_URL=redis://127.0.0.1:6379/15")
    from redis import Redis
    from rq.job import Job

    try:
        Redis.from_url(url).ping()
    except Exception as error:  # noqa: BLE001
        require_service(False, "Redis", f"cannot reach REDIS_URL ({error})")
    config = Config(env="testing", secret_key="x" * 40, redis_url=url, rq_queue=f"test-{uuid.uuid4().hex}")
    queue = jobs.make_queue(config)
    assert isinstance(queue, jobs.RedisQueue)
    handle = queue.enqueue(jobs.ping, "from redis")
    jobs.run_worker(config, burst=True)
    job = Job.fetch(handle.id, connection=queue.queue.connection)
    assert job.get_status() == "finished" and job.return_value() == "from redis"
    queue.queue.delete(delete_jobs=True)


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port):
        self.host, self.port, self.calls = host, port, []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        self.calls.append("starttls")

    def login(self, user, password):
        self.calls.append(("login", user))

    def send_message(self, message):
        FakeSMTP.sent.append((self.host, self.port, self.calls, message))


def test_mailer_sends_only_when_configured():
    assert Mailer(host=None).send("a@example.org", "s", "b") is False
    FakeSMTP.sent.clear()
    mailer = Mailer(host="smtp.example.org", port=2525, user="u", password="p", sender="hub@example.org",
                    smtp_factory=FakeSMTP)
    assert mailer.send("a@example.org", "Invitation", "Hello") is True
    host, port, calls, message = FakeSMTP.sent[0]
    assert (host, port, calls) == ("smtp.example.org", 2525, ["starttls", ("login", "u")])
    assert message["To"] == "a@example.org" and message.get_content().strip() == "Hello"


def count_sites(database_url):
    from sqlalchemy import func, select

    from marketplace.models import Site

    with jobs.job_session(database_url) as session:
        return session.scalar(select(func.count(Site.id)))


def test_thread_jobs_use_the_apps_sessions(app, database_url, world):
    queue = jobs.ThreadQueue()
    assert queue.enqueue(count_sites, database_url).future.result(timeout=10) == 3
