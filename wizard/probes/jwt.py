"""JSON Web Tokens, read without verifying, and the forged copies the session check sends.

The weak-key check runs here, offline: an HS256/384/512 signature is recomputed with each common
secret from `WEAK_KEYS`, so guessing costs no request at all. Only tokens that prove something (a
copy signed with the guessed key, an `alg: none` copy, a copy signed with a random key) are sent,
and only to a read-only "who am I" route.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from wizard.redact import register_secret

# Secrets seen in tutorials, framework defaults and leaked configs. Short on purpose: this is a
# smoke test for "never changed the default", not a cracking run.
WEAK_KEYS: tuple[str, ...] = (
    "secret", "Secret", "SECRET", "secretkey", "secret_key", "secret-key", "mysecret", "my-secret", "my_secret",
    "supersecret", "super-secret", "topsecret", "jwt", "jwtsecret", "jwt_secret", "jwt-secret", "JWT_SECRET",
    "your-256-bit-secret", "your-secret-key", "your_jwt_secret", "changeme", "change-me", "changeit", "password",
    "passw0rd", "123456", "1234567890", "key", "private", "default", "test", "testing", "dev", "development",
    "admin", "qwerty", "letmein", "shhhhh", "keyboard cat", "s3cr3t", "hmac-secret", "token", "auth", "",
)
_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Jwt:
    token: str
    header: dict
    claims: dict

    @property
    def alg(self) -> str:
        return str(self.header.get("alg", ""))

    @property
    def signing_input(self) -> bytes:
        return self.token.rsplit(".", 1)[0].encode()

    @property
    def signature(self) -> bytes:
        return unb64url(self.token.rsplit(".", 1)[1])

    def lifetime_seconds(self) -> float | None:
        """exp - iat when both are there; None when the token never expires (no exp)."""
        exp, iat = self.claims.get("exp"), self.claims.get("iat")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            return None
        if isinstance(iat, (int, float)) and not isinstance(iat, bool):
            return float(exp - iat)
        import time

        return float(exp - time.time())


def decode(token: str) -> Jwt | None:
    """The header and claims of a JWT (JWS compact form), without checking anything."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header, claims = json.loads(unb64url(parts[0])), json.loads(unb64url(parts[1]))
    except ValueError:
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return Jwt(token, header, claims)


def sign(header: dict, claims: dict, key: str, alg: str = "HS256") -> str:
    head = b64url(json.dumps({**header, "alg": alg}, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(key.encode(), f"{head}.{body}".encode(), _HASHES[alg]).digest()
    token = f"{head}.{body}.{b64url(sig)}"
    register_secret(token, "forged-token")
    return token


def unsigned(jwt: Jwt) -> str:
    """The same claims with `alg: none` and no signature: a server must never accept it."""
    head = b64url(json.dumps({**jwt.header, "alg": "none"}, separators=(",", ":")).encode())
    token = f"{head}.{jwt.token.split('.')[1]}."
    register_secret(token, "forged-token")
    return token


def with_random_key(jwt: Jwt) -> str:
    """The same claims signed with a key nobody knows (HMAC, whatever the original algorithm)."""
    alg = jwt.alg if jwt.alg in _HASHES else "HS256"
    return sign(jwt.header, jwt.claims, secrets.token_urlsafe(32), alg)


def guess_key(jwt: Jwt) -> str | None:
    """The weak secret this token was signed with, found offline, or None."""
    digest = _HASHES.get(jwt.alg)
    if digest is None:
        return None
    try:
        signature = jwt.signature
    except ValueError:
        return None
    for key in WEAK_KEYS:
        if hmac.compare_digest(hmac.new(key.encode(), jwt.signing_input, digest).digest(), signature):
            return key
    return None


def resigned_later(jwt: Jwt, key: str, extra_seconds: int = 60) -> str:
    """A copy whose expiry we moved, signed with the guessed key: accepted means anyone can mint tokens."""
    claims = dict(jwt.claims)
    if isinstance(claims.get("exp"), (int, float)):
        claims["exp"] = int(claims["exp"]) + extra_seconds
    return sign(jwt.header, claims, key, jwt.alg)
