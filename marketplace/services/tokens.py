"""Signed, expiring tokens for links sent by email (itsdangerous)."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from marketplace.errors import InvalidTokenError


@dataclass(frozen=True)
class TokenSigner:
    """Signs and reads invitation tokens with the app's secret; they expire after ``max_age_s``."""

    secret_key: str
    max_age_s: int

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt="sharedbuy.invitation")

    def sign_invitation(self, invitation_id: int, nonce: str) -> str:
        return self._serializer().dumps({"i": invitation_id, "n": nonce})

    def read_invitation(self, token: str) -> tuple[int, str]:
        """The (invitation id, nonce) in ``token``; :class:`InvalidTokenError` if forged or expired."""
        try:
            data = self._serializer().loads(token, max_age=self.max_age_s)
        except SignatureExpired as exc:
            raise InvalidTokenError("This invitation link has expired. Ask your hub manager for a new one.") from exc
        except BadSignature as exc:
            raise InvalidTokenError("This invitation link is not valid.") from exc
        if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("n"), str):
            raise InvalidTokenError("This invitation link is not valid.")
        return data["i"], data["n"]
