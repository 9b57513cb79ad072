"""Notifications: an in-app list for every user, and an email when SMTP is configured.

For the other modules, the one call to make is::

    notify(session, recipients, kind, title, body, link)

inside your own service, before its ``session.commit()``. ``recipients`` are users and/or
organizations (an organization means each of its active users); ``kind`` is one of
:data:`KINDS`; ``link`` is a path inside the app (``/cycles/12``). ``notify`` adds one row per
user and *flushes*: it joins the caller's transaction, so the notification exists exactly when
the caller's change does. Emails leave only after that transaction commits (a rolled-back
change sends nothing) and never take the in-app row with them when SMTP fails: the app
registers an email sender per database (:func:`register_email_sender`), which queues a job
that calls :func:`email_notifications`.

Helpers to find recipients: :func:`hub_organizations`, :func:`member_organizations`.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine, ScalarSelect, event, func, or_, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, SessionTransaction

from marketplace.db import claim_row, utcnow
from marketplace.models import Cycle, CycleStatus, Notification, Organization, OrgKind, User
from marketplace.services.mail import Mailer
from marketplace.services.paging import Page, paginate
from marketplace.services.scope import get_scoped, scoped_select, visible

log = logging.getLogger(__name__)

CYCLE_OPENED = "cycle_opened"
CUTOFF_REMINDER = "cutoff_reminder"
CYCLE_CLOSED = "cycle_closed"
PLAN_PUBLISHED = "plan_published"
APPROVAL_NEEDED = "approval_needed"
PO_SENT = "po_sent"
DELIVERY_SHORTAGE = "delivery_shortage"
DELIVERY_CORRECTED = "delivery_corrected"
APPROVAL_DEADLINE = "approval_deadline"
PAYMENT_FAILED = "payment_failed"
#: Every kind, with the label the notification list shows.
KINDS = {
    CYCLE_OPENED: "Cycle opened",
    CUTOFF_REMINDER: "Cutoff reminder",
    CYCLE_CLOSED: "Cutoff passed",
    PLAN_PUBLISHED: "Plan published",
    APPROVAL_NEEDED: "Approval needed",
    PO_SENT: "Purchase order sent",
    DELIVERY_SHORTAGE: "Delivery shortage",
    DELIVERY_CORRECTED: "Delivery corrected",
    APPROVAL_DEADLINE: "Approval deadline passed",
    PAYMENT_FAILED: "Payment failed",
}
REMINDER_WINDOW = timedelta(hours=48)
#: The scheduler's cutoff reminders: 48 and 24 hours before, once each per cycle.
REMINDER_STAGES = (REMINDER_WINDOW, timedelta(hours=24))
_OUTBOX = "sharedbuy.notification_outbox"
EmailSender = Callable[[list[int]], None]
_senders: dict[str, EmailSender] = {}


Recipient = User | Organization


def notify(session: Session, recipients: Iterable[Recipient], kind: str, title: str, body: str = "",
           link: str = "", *, dedupe_key: str | None = None) -> list[Notification]:
    """Add a notification for each recipient user (organizations: each active user) and flush.

    Does not commit: the caller's transaction decides. With ``dedupe_key``, a user who already
    has a notification with that key gets no second one. Returns the rows added."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; one of {', '.join(KINDS)}")
    if link and (not link.startswith("/") or link.startswith("//")):
        raise ValueError("a notification's link is a path inside the app, like /cycles/12")
    users = _users(session, recipients)
    if dedupe_key is not None and users:
        already = set(session.scalars(select(Notification.user_id).where(
            Notification.dedupe_key == dedupe_key, Notification.user_id.in_([u.id for u in users]))))
        users = [u for u in users if u.id not in already]
    rows = [Notification(user_id=user.id, kind=kind, title=title[:200], body=body, link=link[:500],
                         dedupe_key=dedupe_key) for user in users]
    session.add_all(rows)
    session.flush()
    session.info.setdefault(_OUTBOX, []).extend(row.id for row in rows)
    return rows


def _users(session: Session, recipients: Iterable[Recipient]) -> list[User]:
    users: dict[int, User] = {}
    organization_ids = []
    for recipient in recipients:
        if isinstance(recipient, Organization):
            organization_ids.append(recipient.id)
        elif recipient.is_active:
            users[recipient.id] = recipient
    if organization_ids:
        query = (select(User).join(Organization, Organization.id == User.organization_id)
                 .where(User.organization_id.in_(organization_ids), User.active.is_(True),
                        Organization.active.is_(True)))
        for user in session.scalars(query):
            users.setdefault(user.id, user)
    return sorted(users.values(), key=lambda u: u.id)


def hub_organizations(session: Session, alliance_id: int) -> list[Organization]:
    """The alliance's hub (a list, to pass as recipients)."""
    return list(session.scalars(select(Organization).where(
        Organization.alliance_id == alliance_id, Organization.kind == OrgKind.HUB)))


def member_organizations(session: Session, alliance_id: int) -> list[Organization]:
    """The alliance's active members."""
    return list(session.scalars(select(Organization).where(
        Organization.alliance_id == alliance_id, Organization.kind == OrgKind.MEMBER,
        Organization.active.is_(True)).order_by(Organization.name)))


# ---------------------------------------------------------------- emails after commit

def _url_key(url: str | URL) -> str:
    return make_url(url).render_as_string(hide_password=False)


def register_email_sender(database_url: str, sender: EmailSender | None) -> None:
    """Who emails the notifications committed on sessions of ``database_url`` (None: nobody)."""
    key = _url_key(database_url)
    if sender is None:
        _senders.pop(key, None)
    else:
        _senders[key] = sender


def _session_url(session: Session) -> str | None:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    return None if engine is None else _url_key(engine.url)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    ids = session.info.pop(_OUTBOX, None)
    if not ids:
        return
    sender = _senders.get(_session_url(session) or "")
    if sender is None:
        return
    try:
        sender(list(ids))
    except Exception:  # the notifications are committed; a failed hand-off only loses the email
        log.exception("could not hand %d notification email(s) to the sender", len(ids))


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_OUTBOX, None)


def email_notifications(session: Session, mailer: Mailer, notification_ids: list[int], *,
                        base_url: str | None = None) -> int:
    """Email each of these notifications not emailed yet to its (active) user; record
    ``emailed_at``. A failing SMTP server is logged and leaves the rows as they are. Commits."""
    if not mailer.enabled or not notification_ids:
        return 0
    query = (select(Notification, User).join(User, User.id == Notification.user_id)
             .where(Notification.id.in_(notification_ids), Notification.emailed_at.is_(None))
             .order_by(Notification.id))
    sent = 0
    for notification, user in session.execute(query).all():
        if not user.is_active:
            continue
        try:
            mailer.send(user.email, f"SharedBuy: {notification.title}", email_body(notification, user, base_url))
        except (smtplib.SMTPException, OSError) as error:
            log.warning("notification %s: email to user %s failed: %s", notification.id, user.id, error)
            continue
        notification.emailed_at = utcnow()
        sent += 1
    session.commit()
    return sent


def email_body(notification: Notification, user: User, base_url: str | None) -> str:
    root = (base_url or "").rstrip("/")
    lines = [f"Hello {user.name},", "", notification.title]
    if notification.body:
        lines += ["", notification.body]
    if notification.link:
        lines += ["", f"Open it: {root}{notification.link}" if root else
                  f"Open it in SharedBuy: {notification.link}"]
    lines += ["", "--", "You get these emails as a user of SharedBuy; every notification is also "
              "in your list" + (f": {root}/notifications" if root else " in the app") + "."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the in-app list

def list_notifications(session: Session, actor: User, *, page: int = 1, per_page: int = 25,
                       unread_only: bool = False) -> Page[Notification]:
    """The actor's notifications, newest first."""
    query = scoped_select(actor, Notification).order_by(Notification.created_at.desc(), Notification.id.desc())
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return paginate(session, query, page, per_page)


def unread_count(session: Session, actor: User) -> int:
    """How many of the actor's notifications are unread (the bell's number)."""
    return session.scalar(select(func.count(Notification.id)).where(
        visible(actor, Notification), Notification.read_at.is_(None))) or 0


def unread_count_column() -> ScalarSelect[int]:
    """:func:`unread_count` as a column of the users row it is selected with, so the login
    query brings the bell's number. Its condition is the notifications' scope rule (the
    user's own, and its organization's) written on the row's columns; a test keeps the two
    the same."""
    return (select(func.count(Notification.id))
            .where(or_(Notification.user_id == User.id, Notification.organization_id == User.organization_id),
                   Notification.read_at.is_(None))
            .correlate(User).scalar_subquery())


def get_notification(session: Session, actor: User, notification_id: int) -> Notification:
    return get_scoped(session, actor, Notification, notification_id)


def mark_read(session: Session, actor: User, notification_id: int) -> Notification:
    """Mark one of the actor's notifications read (already read: unchanged)."""
    notification = get_scoped(session, actor, Notification, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
    session.commit()
    return notification


def mark_all_read(session: Session, actor: User) -> int:
    """Mark every unread notification of the actor read; how many were."""
    ids = list(session.scalars(select(Notification.id).where(visible(actor, Notification),
                                                             Notification.read_at.is_(None))))
    if ids:
        session.execute(update(Notification).where(Notification.id.in_(ids)).values(read_at=utcnow()))
    session.commit()
    return len(ids)


def safe_link(notification: Notification) -> str | None:
    """The notification's link when it is a path inside the app (never another site)."""
    link = notification.link or ""
    if link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return None


# ---------------------------------------------------------------- cutoff reminders

def reminder_key(cycle_id: int, within: timedelta | None = None) -> str:
    """The once-only key of a cycle's reminder: the first reminder (``within`` None) has one key
    however early it is sent (``send-reminders --hours`` or the scheduler's 48 hours); a later
    stage has its own (``cutoff_reminder:12:24h``)."""
    if within is None:
        return f"cutoff_reminder:{cycle_id}"
    return f"cutoff_reminder:{cycle_id}:{int(within.total_seconds() // 3600)}h"


def send_cutoff_reminders(session: Session, *, now: datetime | None = None,
                          within: timedelta = REMINDER_WINDOW,
                          stages: tuple[timedelta, ...] | None = None) -> int:
    """Remind the member users of each open cycle whose cutoff is within a stage's window, once
    per stage and cycle however often this runs (the scheduler's stages are 48 and 24 hours;
    ``send-reminders`` has one, ``within``). A cycle gets the reminder of the narrowest stage it
    is in: one whose cutoff is 20 hours away gets the 24-hour reminder only, never both at once.
    A stage sent is recorded by its notifications (their ``dedupe_key``), so a restart does not
    send it again; each cycle is claimed (``db.claim_row``) while its reminders are added, so two
    schedulers at once send one. Commits; returns how many reminders were added."""
    now = now or utcnow()
    windows = sorted(stages or (within,))
    cycles = list(session.execute(select(Cycle.id, Cycle.cutoff_at).where(
        Cycle.status == CycleStatus.OPEN, Cycle.cutoff_at > now, Cycle.cutoff_at <= now + windows[-1])
        .order_by(Cycle.cutoff_at, Cycle.id)))
    added = 0
    for cycle_id, cutoff_at in cycles:
        window = next(w for w in windows if cutoff_at - now <= w)
        key = reminder_key(cycle_id, None if window == windows[-1] else window)
        if session.scalar(select(Notification.id).where(Notification.dedupe_key == key).limit(1)) is None:
            added += _remind(session, cycle_id, key, now)
    session.commit()
    return added


def _remind(session: Session, cycle_id: int, key: str, now: datetime) -> int:
    session.commit()
    cycle = claim_row(session, Cycle, cycle_id)
    if cycle is None or cycle.status is not CycleStatus.OPEN or cycle.cutoff_at <= now or \
            session.scalar(select(Notification.id).where(Notification.dedupe_key == key).limit(1)) is not None:
        session.commit()
        return 0  # another scheduler has it, or sent it, or the cycle moved on
    hours = max(1, int((cycle.cutoff_at - now).total_seconds() // 3600))
    added = len(notify(
        session, member_organizations(session, cycle.alliance_id), CUTOFF_REMINDER,
        f"{cycle.name}: needs close in {hours} hour{'s' if hours != 1 else ''}",
        f"Check your sites' demand lines for {cycle.name} before the cutoff on "
        f"{cycle.cutoff_at:%B %d at %H:%M} UTC; after it, lines are frozen for the order.",
        f"/cycles/{cycle.id}", dedupe_key=key))
    session.commit()
    return added
