from __future__ import annotations

import pytest

from marketplace.config import Config, ConfigError

STRONG = "kP9w-3vXq_Zr8LmN2bTy6HcJ4uFd7sAe1Wg0"


def test_production_refuses_a_missing_or_weak_secret():
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        Config.from_env({})
    for weak in ("changeme", "short-key", "a" * 40, "abababababababababababababababab"):
        with pytest.raises(ConfigError, match="too weak"):
            Config.from_env({"SECRET_KEY": weak})
    assert Config.from_env({"SECRET_KEY": STRONG}).secret_key == STRONG


def test_development_makes_a_throwaway_secret():
    config = Config.from_env({"SHAREDBUY_ENV": "development"})
    assert len(config.secret_key) >= 32
    assert config.flask_settings()["SESSION_COOKIE_SECURE"] is False


def test_values_are_typed_and_urls_normalised():
    config = Config.from_env({"SECRET_KEY": STRONG, "DATABASE_URL": "postgres://u@db/app", "SMTP_PORT": "2525",
                              "SMTP_STARTTLS": "false", "MAX_CONTENT_LENGTH": "1024", "REDIS_URL": "redis://r"})
    assert config.database_url == "postgresql+psycopg://u@db/app"
    assert (config.smtp_port, config.smtp_starttls, config.max_content_length) == (2525, False, 1024)
    assert config.redis_url == "redis://r"
    settings = config.flask_settings()
    assert settings["SESSION_COOKIE_SECURE"] and settings["SESSION_COOKIE_HTTPONLY"]
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_bad_values_fail_fast():
    with pytest.raises(ConfigError, match="SMTP_PORT"):
        Config.from_env({"SECRET_KEY": STRONG, "SMTP_PORT": "lots"})
    with pytest.raises(ConfigError, match="SHAREDBUY_ENV"):
        Config.from_env({"SHAREDBUY_ENV": "staging"})
