"""Typed configuration read from environment variables.

Read only by ``create_app`` and the command line. Secrets have no default outside
development and testing: a missing or weak ``SECRET_KEY`` stops the app at start.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "testing", "production")
_WEAK_KEYS = {"changeme", "secret", "dev", "development", "password", "secret-key", "secretkey"}
_MIN_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The environment does not describe a configuration the app can safely run with."""


@dataclass(frozen=True)
class Config:
    """Every setting the app reads, with its type. Build it with :meth:`from_env`."""

    env: str = "production"
    secret_key: str = ""
    database_url: str = "sqlite:///instance/sharedbuy.db"
    redis_url: str | None = None
    rq_queue: str = "sharedbuy"
    stripe_api_key: str | None = None
    stripe_api_base: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_publishable_key: str | None = None
    stripe_js_url: str = "https://js.stripe.com/v3/"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "sharedbuy@localhost"
    smtp_starttls: bool = True
    max_content_length: int = 20 * 1024 * 1024
    invitation_max_age_s: int = 7 * 24 * 3600
    session_lifetime_s: int = 12 * 3600
    login_attempts: int = 5
    login_window_s: int = 15 * 60
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, default_env: str = "production", **overrides: Any
    ) -> Config:
        """Read ``SHAREDBUY_ENV``, ``DATABASE_URL``, ``SECRET_KEY``... and validate the result."""
        env_vars = os.environ if environ is None else environ
        values: dict[str, Any] = {"env": env_vars.get("SHAREDBUY_ENV", default_env)}
        for f in fields(cls):
            if f.name in ("env", "extra"):
                continue
            raw = env_vars.get(f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.name, raw, f.type)
        values.update(overrides)
        return cls(**values).checked()

    def checked(self) -> Config:
        """Return this config, completed and validated; raise :class:`ConfigError` otherwise."""
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"SHAREDBUY_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}")
        config = replace(self, database_url=normalise_database_url(self.database_url))
        if not config.secret_key:
            if config.is_production:
                raise ConfigError("SECRET_KEY is not set: generate one with "
                                  "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`")
            config = replace(config, secret_key=secrets.token_urlsafe(48))
        elif config.is_production and is_weak_secret(config.secret_key):
            raise ConfigError(f"SECRET_KEY is too weak: use at least {_MIN_KEY_LENGTH} random characters")
        if config.max_content_length <= 0:
            raise ConfigError("MAX_CONTENT_LENGTH must be a positive number of bytes")
        check_stripe_js(config)
        return config

    def flask_settings(self) -> dict[str, Any]:
        """The Flask config keys this configuration implies."""
        return {
            "SECRET_KEY": self.secret_key,
            "TESTING": self.env == "testing",
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.is_production,
            "SESSION_COOKIE_NAME": "sharedbuy_session",
            "PERMANENT_SESSION_LIFETIME": self.session_lifetime_s,
            # A login ends at a fixed time (its server-side session's expiry): re-signing and
            # re-sending the cookie on every response would not extend it.
            "SESSION_REFRESH_EACH_REQUEST": False,
            "WTF_CSRF_ENABLED": True,
            "WTF_CSRF_TIME_LIMIT": self.session_lifetime_s,
            "WTF_CSRF_SSL_STRICT": self.is_production,
            **dict(self.extra),
        }


def check_stripe_js(config: Config) -> None:
    """Stripe.js comes over HTTPS (plain HTTP only from this machine: the test emulator), and
    the publishable key is of the same mode (test or live) as the secret key."""
    url = urlsplit(config.stripe_js_url)
    loopback = url.scheme == "http" and url.hostname in ("127.0.0.1", "localhost", "::1")
    if not (url.scheme == "https" or loopback) or not url.hostname:
        raise ConfigError(f"STRIPE_JS_URL must be an https:// address, not {config.stripe_js_url!r}")
    key = config.stripe_publishable_key
    if key and not key.startswith(("pk_test_", "pk_live_")):
        raise ConfigError("STRIPE_PUBLISHABLE_KEY must be a publishable key (pk_test_... or pk_live_...)")
    secret = config.stripe_api_key or ""
    if key and secret and ("_test_" in key) != ("_test_" in secret):
        raise ConfigError("STRIPE_PUBLISHABLE_KEY and STRIPE_API_KEY must both be test keys or both live keys")


def is_weak_secret(key: str) -> bool:
    """True for keys that are short, well known or made of very few distinct characters."""
    return len(key) < _MIN_KEY_LENGTH or key.lower() in _WEAK_KEYS or len(set(key)) < 10


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3, the driver this project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _coerce(name: str, raw: str, annotation: Any) -> Any:
    kind = str(annotation)
    try:
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("bool"):
            return raw.strip().lower() in ("1", "true", "yes", "on")
    except ValueError as exc:
        raise ConfigError(f"{name.upper()} must be a whole number, not {raw!r}") from exc
    return raw
