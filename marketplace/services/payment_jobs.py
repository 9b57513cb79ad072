"""The hub's "Pay vendors now" and "Reconcile" as background jobs.

The request stores a :class:`PaymentJob` (queued) and hands its id to the job queue; the job
(:func:`execute_payment_job`, on a worker thread or an RQ worker) claims it, runs the payout
job or the reconciliation of the cycle, and stores what it did; the cycle's money page shows
queued, running, done (or failed) and the result. Both jobs are safe to run again at any time
(every Stripe call has its stored key), so a second click while one is queued or running
joins it, and a job that a dead worker left behind can be started again once it is stale.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.db import begin_write, utcnow
from marketplace.models import Cycle, PaymentJob, PaymentJobKind, PaymentJobStatus, Role, User
from marketplace.payments.errors import PaymentsError
from marketplace.payments.gateway import StripeGateway, require_gateway
from marketplace.services import payouts, reconciliation
from marketplace.services.audit import record_event
from marketplace.services.scope import get_scoped, require_role, scoped_select

log = logging.getLogger(__name__)
#: A job queued or running for longer than this is taken for lost (its worker died): a new
#: click starts another one (which resumes the same Stripe calls with the same keys).
STALE_AFTER = timedelta(minutes=30)
ACTIVE = (PaymentJobStatus.QUEUED, PaymentJobStatus.RUNNING)


def start_payment_job(session: Session, actor: User, cycle_id: int, kind: PaymentJobKind,
                      enqueue: Callable[[int], str]) -> tuple[PaymentJob, bool]:
    """Queue the payout job or the reconciliation of a cycle (the hub). Returns the job and
    whether it is new (False: one of the same kind was queued or running already: joined).
    The row is committed before ``enqueue(job_id) -> queue job id`` is called."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    begin_write(session)
    active = session.scalar(select(PaymentJob).where(
        PaymentJob.cycle_id == cycle.id, PaymentJob.kind == kind, PaymentJob.status.in_(ACTIVE),
        PaymentJob.created_at > utcnow() - STALE_AFTER).order_by(PaymentJob.id.desc()).limit(1))
    if active is not None:
        session.commit()
        return active, False
    job = PaymentJob(cycle_id=cycle.id, kind=kind, status=PaymentJobStatus.QUEUED, created_by_id=actor.id)
    session.add(job)
    session.flush()
    record_event(session, actor, f"payment_job.{kind.value}", job, alliance_id=actor.alliance_id,
                 after={"cycle_id": cycle.id})
    session.commit()
    job.job_id = enqueue(job.id)[:100]
    session.commit()
    return job, True


def execute_payment_job(session: Session, gateway: StripeGateway | None, job_id: int) -> PaymentJob | None:
    """The job: claim the queued row (once: another worker given the same id does nothing),
    run it, store the result. A refusal or an unanswered Stripe is stored as a failure."""
    begin_write(session)
    claimed = session.execute(update(PaymentJob).where(
        PaymentJob.id == job_id, PaymentJob.status == PaymentJobStatus.QUEUED)
        .values(status=PaymentJobStatus.RUNNING, started_at=utcnow())).rowcount
    session.commit()
    job = session.get(PaymentJob, job_id)
    if job is None or not claimed:
        return job
    kind, cycle_id, actor = job.kind, job.cycle_id, session.get(User, job.created_by_id or 0)
    result: dict[str, Any] = {}
    report_id, error = None, ""
    try:
        if kind is PaymentJobKind.PAYOUTS:
            result = _payout_result(payouts.run_payouts(session, require_gateway(gateway), cycle_id=cycle_id))
        else:
            report = reconciliation.reconcile_cycle(session, gateway, cycle_id, actor=actor)
            report_id = report.id
            result = {"discrepancies": len(report.discrepancies), "settled": bool(report.totals.get("settled"))}
    except PaymentsError as failure:
        session.rollback()
        error = failure.message
    except Exception:  # a bug must not leave the job "running" for ever
        log.exception("payment job %s failed", job_id)
        session.rollback()
        error = "The job stopped on an unexpected error (it is logged). Run it again: nothing is paid twice."
    begin_write(session)
    job = session.get_one(PaymentJob, job_id)
    job.status = PaymentJobStatus.FAILED if error else PaymentJobStatus.DONE
    job.result, job.report_id, job.error, job.finished_at = result, report_id, error[:500], utcnow()
    session.commit()
    return job


def _payout_result(summary: payouts.PayoutSummary) -> dict[str, Any]:
    return {"done": dict(summary.done), "pending": summary.pending, "failed": list(summary.failed),
            "waiting": sorted(set(summary.waiting))}


def latest_payment_jobs(session: Session, actor: User, cycle_id: int) -> dict[PaymentJobKind, PaymentJob]:
    """The newest job of each kind for the cycle (the hub's money page)."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    latest: dict[PaymentJobKind, PaymentJob] = {}
    for job in session.scalars(scoped_select(actor, PaymentJob, PaymentJob.cycle_id == cycle.id)
                               .order_by(PaymentJob.id.desc()).limit(20)):
        latest.setdefault(job.kind, job)
    return latest


def get_payment_job(session: Session, actor: User, job_id: int) -> PaymentJob:
    job = get_scoped(session, actor, PaymentJob, job_id)
    require_role(actor, Role.HUB_MANAGER)
    return job


def describe(job: PaymentJob) -> str:
    """What a finished job did, in words for the hub."""
    if job.status is PaymentJobStatus.FAILED:
        return f"Stopped: {job.error}"
    if job.status is not PaymentJobStatus.DONE:
        return ""
    result = job.result or {}
    if job.kind is PaymentJobKind.RECONCILE:
        count = int(result.get("discrepancies") or 0)
        return "Our ledger and Stripe agree." if not count else \
            f"{count} discrepanc{'y' if count == 1 else 'ies'} found: see the list."
    done = ", ".join(f"{n} {kind.replace('_', ' ')}{'s' if n > 1 else ''}"
                     for kind, n in sorted((result.get("done") or {}).items()))
    text = f"Payouts: {done or 'nothing new to pay'}."
    if result.get("pending"):
        text += f" {result['pending']} call(s) without an answer yet: run it again later."
    if result.get("waiting"):
        text += f" Waiting: {'; '.join(result['waiting'])}."
    if result.get("failed"):
        text += f" Refused: {'; '.join(result['failed'])}."
    return text
