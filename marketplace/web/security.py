"""Logins, CSRF, security headers and login throttling."""

from __future__ import annotations

import threading
import time
from collections import deque
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, jsonify, redirect, request, session, url_for
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from marketplace.config import Config
from marketplace.db import get_session
from marketplace.models import User
from marketplace.services import accounts
from marketplace.web.helpers import wants_json

CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
CONTENT_SECURITY_POLICY = "; ".join(f"{name} {value}" for name, value in CSP_DIRECTIVES.items())
STRIPE_JS_ORIGIN = "https://js.stripe.com"
#: What Stripe.js itself talks to besides its own origin (Stripe's CSP guide): its API, and the
#: frames of bank authentication.
STRIPE_JS_COMPANIONS = {"connect-src": "https://api.stripe.com", "frame-src": "https://hooks.stripe.com"}
SESSION_KEY = "sid"
csrf = CSRFProtect()


class LoginThrottle:
    """Counts failed logins per (address, email) and per address in a sliding window.

    Kept in memory: each web process counts on its own, which is enough to slow down guessing.
    """

    def __init__(self, attempts: int, window_s: int):
        self.attempts = attempts
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, address: str, email: str) -> list[tuple[str, int]]:
        return [(f"{address}|{email.strip().lower()}", self.attempts), (address, self.attempts * 4)]

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def blocked(self, address: str, email: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(key, now)) >= limit for key, limit in self._keys(address, email))

    def failed(self, address: str, email: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key, _ in self._keys(address, email):
                self._recent(key, now).append(now)

    def succeeded(self, address: str, email: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(address, email)[0][0], None)


def stripe_js_policy(js_url: str) -> str:
    """The policy of a page that loads Stripe.js from ``js_url``: the site's own, plus that
    origin for the script, its frames (the card fields) and its requests; with Stripe's own
    Stripe.js, also Stripe's API and authentication frames. Nothing else."""
    parts = urlsplit(js_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    extra = {"script-src": origin, "frame-src": origin, "connect-src": origin}
    if origin == STRIPE_JS_ORIGIN:
        extra = {name: " ".join([value, STRIPE_JS_COMPANIONS[name]]) if name in STRIPE_JS_COMPANIONS else value
                 for name, value in extra.items()}
    directives = {**CSP_DIRECTIVES, "frame-src": "'self'"}
    for name, value in extra.items():
        directives[name] = f"{directives[name]} {value}"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def register_security(app: Flask, config: Config) -> None:
    csrf.init_app(app)
    _register_login_manager(app)
    app.extensions["sharedbuy.login_throttle"] = LoginThrottle(config.login_attempts, config.login_window_s)
    app.after_request(_security_headers)


def _register_login_manager(app: Flask) -> None:
    manager = LoginManager()
    manager.login_view = "auth.login"
    manager.login_message = "Please log in to see this page."
    manager.login_message_category = "info"
    manager.init_app(app)

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        if not user_id.isdigit():
            return None
        login = accounts.load_login(get_session(), int(user_id), session.get(SESSION_KEY))
        if login is None:
            return None
        g.unread_notifications = login.unread_notifications  # the bell's number, read with the login
        return login.user

    @manager.unauthorized_handler
    def unauthorized() -> Response:
        if wants_json():
            response = jsonify(error="unauthorized", message="Log in first.", details=[])
            response.status_code = 401
            return response
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        headers.setdefault("Cache-Control", "no-store")
    return response
