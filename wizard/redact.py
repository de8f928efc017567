"""The one redaction function every output path goes through.

A secret is shown as its rule, the first 4 characters, its length and a fingerprint, never more.
Besides redacting values it is handed explicitly (a finding's secret), the process-wide registry
remembers every sensitive value the tool has touched (credentials from the environment, secrets a
probe found) so writers can scrub whole documents before they reach disk or screen.
"""

from __future__ import annotations

import hashlib
import threading

_MIN_SCRUB_LEN = 6  # shorter values would scrub ordinary words


_key_lock = threading.Lock()
_key: bytes | None = None


def _fingerprint_key() -> bytes:
    """A random per-install key, so a shared report's fingerprints cannot be checked against guesses.

    A plain hash of a weak password is a dictionary lookup away from the password itself.
    """
    global _key
    with _key_lock:
        if _key is None:
            import os
            import secrets

            from wizard.paths import user_home

            path = user_home() / "fingerprint.key"
            try:
                _key = bytes.fromhex(path.read_text().strip())
            except (OSError, ValueError):
                _key = secrets.token_bytes(32)
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "w") as fh:
                        fh.write(_key.hex())
                except FileExistsError:  # another process won the race: use its key
                    try:
                        _key = bytes.fromhex(path.read_text().strip())
                    except (OSError, ValueError):
                        pass
                except OSError:
                    pass  # read-only home: fingerprints are then stable for this process only
        return _key


def secret_fingerprint(value: str) -> str:
    import hmac

    return hmac.new(_fingerprint_key(), value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:12]


def redact(value: str, rule: str = "secret") -> str:
    """`[REDACTED aws-access-key AKIA… len=20 fp=1a2b3c4d5e6f]`"""
    prefix = value[:4] if len(value) >= 12 else ""
    head = f"{prefix}…" if prefix else "…"
    return f"[REDACTED {rule} {head} len={len(value)} fp={secret_fingerprint(value)}]"


class _Registry:
    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, value: str | None, rule: str = "credential") -> None:
        if not value or len(value) < _MIN_SCRUB_LEN:
            return
        with self._lock:
            self._values.setdefault(value, rule)

    def scrub(self, text: str) -> str:
        with self._lock:
            items = sorted(self._values.items(), key=lambda kv: -len(kv[0]))
        for value, rule in items:
            if value in text:
                text = text.replace(value, redact(value, rule))
        return text

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_registry = _Registry()


def register_secret(value: str | None, rule: str = "credential") -> None:
    """Remember a sensitive value so that every later output scrubs it."""
    _registry.add(value, rule)


def scrub(text: str) -> str:
    """Replace every registered sensitive value in `text` by its redacted form."""
    return _registry.scrub(text)


def mask_window(line: str, start: int, end: int, rule: str, width: int = 60) -> str:
    """A short window of a (possibly 100k-character minified) line with the secret masked."""
    value = line[start:end]
    left = line[max(0, start - width // 2):start]
    right = line[end:end + width // 2]
    lead = "…" if start - width // 2 > 0 else ""
    tail = "…" if end + width // 2 < len(line) else ""
    return f"{lead}{left}{redact(value, rule)}{right}{tail}"
