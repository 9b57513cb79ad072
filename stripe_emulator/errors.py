"""Stripe-shaped API errors raised by the emulator's resource handlers.

Every error renders as ``{"error": {"type", "code", "message", "param", ...}}``
with the HTTP status Stripe uses for it. ``stored`` says whether a response
carrying this error is saved under the request's idempotency key: Stripe saves
a result only once an endpoint has started executing, so parameter validation
errors are not saved (a corrected retry with the same key is allowed), while
business outcomes such as a card decline or an over-refund are.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error response of the emulated API."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        stored: bool = False,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.code = code
        self.param = param
        self.stored = stored
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON document Stripe returns for this error."""
        error: dict[str, Any] = {
            "type": self.type,
            "code": self.code,
            "message": self.message,
            "param": self.param,
        }
        if self.code:
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        error.update(self.extra)
        return {"error": error}


def invalid_request(
    message: str, *, param: str | None = None, code: str | None = None, stored: bool = False
) -> ApiError:
    """400 invalid_request_error; not stored unless it is a business outcome."""
    return ApiError(400, "invalid_request_error", message, code=code, param=param, stored=stored)


def state_error(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    """400 for a request that is well formed but not allowed in the current state (stored)."""
    return invalid_request(message, param=param, code=code, stored=True)


def missing_param(param: str) -> ApiError:
    return invalid_request(f"Missing required param: {param}.", param=param, code="parameter_missing")


def unknown_param(param: str) -> ApiError:
    return invalid_request(
        f"Received unknown parameter: {param}", param=param, code="parameter_unknown"
    )


def invalid_value(param: str, message: str, code: str | None = None) -> ApiError:
    return invalid_request(message, param=param, code=code)


def resource_missing(kind: str, object_id: str, param: str = "id") -> ApiError:
    return ApiError(
        404,
        "invalid_request_error",
        f"No such {kind}: '{object_id}'",
        code="resource_missing",
        param=param,
    )


def authentication(message: str) -> ApiError:
    return ApiError(401, "invalid_request_error", message)


def idempotency_mismatch(key: str, endpoint: str | None = None) -> ApiError:
    if endpoint:
        message = (
            "Keys for idempotent requests can only be used for the same endpoint they "
            f"were first used for ('{endpoint}'). Try using a key other than '{key}' if "
            "you meant to execute a different request."
        )
    else:
        message = (
            "Keys for idempotent requests can only be used with the same parameters "
            f"they were first used with. Try using a key other than '{key}' if you meant "
            "to execute a different request."
        )
    return ApiError(400, "idempotency_error", message)


def rate_limited(code: str = "rate_limit") -> ApiError:
    message = (
        "Too many requests hit the API too quickly. We recommend an exponential "
        "backoff of your requests."
    )
    headers = {"Stripe-Should-Retry": "true"} if code == "lock_timeout" else {}
    if code == "lock_timeout":
        message = (
            "This object cannot be accessed right now because another API request or "
            "Stripe process is currently accessing it. Please retry your request."
        )
    return ApiError(429, "invalid_request_error", message, code=code, headers=headers)


def server_error() -> ApiError:
    return ApiError(500, "api_error", "An unknown error occurred (injected by the emulator).")


def in_progress() -> ApiError:
    """409: another request with the same idempotency key is still running."""
    return ApiError(
        409, "idempotency_error",
        "There is currently another in-progress request using this Idempotent Key (that "
        "probably means you submitted twice, and the other request is still going through). "
        "Please try again later.")
