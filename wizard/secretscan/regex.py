"""One regex backend for every rule: google-re2 where its wheel installed, stdlib `re` otherwise.

Rules are written in RE2/Go syntax (what gitleaks configs use). RE2 scans in linear time and is
~10x faster than `re` on alternations; `re` is the fallback and for the few patterns RE2 refuses
(look-arounds, back-references in a user's rule). `translate_for_re` bridges the constructs that
differ between the two dialects. Patterns are compiled as bytes: the scanner never decodes a file
or a diff as a whole, only the matched secrets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence

try:  # google-re2 ships manylinux wheels; anything else falls back to the stdlib
    if os.environ.get("LAUNCH_READY_REGEX") == "re":  # force the fallback (benchmarks, tests)
        raise ImportError
    import re2 as _re2

    _OPTIONS = _re2.Options()
    _OPTIONS.log_errors = False  # RE2 would print parse errors to stderr; we report them ourselves
    _OPTIONS.max_mem = 64 << 20
    _UNANCHORED = _re2._Anchor.UNANCHORED
except ImportError:  # pragma: no cover - exercised where the wheel is missing
    _re2 = None

HAVE_RE2 = _re2 is not None

_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "digit": "0-9", "lower": "a-z", "upper": "A-Z",
    "space": r" \t\r\n\v\f", "xdigit": "0-9A-Fa-f", "word": r"\w", "punct": r"!-/:-@\[-`{-~",
}
_INLINE_FLAGS = re.compile(r"\(\?([imsU]+)\)")


TYPE_CHECKING = False  # `typing` costs ~10 ms of start-up: type checkers read this block, Python skips it
if TYPE_CHECKING:
    from typing import Any, Protocol

    class Pattern(Protocol):
        groups: int

        def search(self, data: bytes, pos: int = ..., endpos: int = ...) -> Any: ...
        def first(self, data: bytes, pos: int = ...) -> tuple[int, int] | None: ...
        def spans(self, data: bytes, pos: int = ..., endpos: int | None = ...) -> Iterator[Sequence[tuple[int, int]]]: ...
else:
    Pattern = object  # _RE2Pattern or _StdPattern


class _RE2Pattern:
    """RE2 without the Python wrapper's per-match objects: the hot loop only needs spans."""

    __slots__ = ("_compiled", "_match", "groups")

    def __init__(self, compiled: Any):
        self._compiled = compiled
        self._match = compiled._regexp.Match  # (anchor, bytes, pos, endpos) -> [(start, end) per group]
        self.groups = compiled.groups

    def search(self, data: bytes, pos: int = 0, endpos: int | None = None) -> Any:
        return self._compiled.search(data, pos, len(data) if endpos is None else endpos)

    def first(self, data: bytes, pos: int = 0) -> tuple[int, int] | None:
        """Span of the first match at or after `pos` (no generator, no match object: a hot loop)."""
        span = self._match(_UNANCHORED, data, pos, len(data))[0]
        return span if span[0] >= 0 else None

    def spans(self, data: bytes, pos: int = 0, endpos: int | None = None) -> Iterator[Sequence[tuple[int, int]]]:
        end = len(data) if endpos is None else endpos
        match, anchor = self._match, _UNANCHORED
        while pos <= end:
            found = match(anchor, data, pos, end)
            s, e = found[0]
            if s < 0:
                return
            yield found
            pos = e if e > s else e + 1


class _StdPattern:
    __slots__ = ("_compiled", "groups")

    def __init__(self, compiled: re.Pattern[bytes]):
        self._compiled = compiled
        self.groups = compiled.groups

    def search(self, data: bytes, pos: int = 0, endpos: int | None = None) -> Any:
        return self._compiled.search(data, pos, len(data) if endpos is None else endpos)

    def first(self, data: bytes, pos: int = 0) -> tuple[int, int] | None:
        m = self._compiled.search(data, pos)
        return m.span() if m else None

    def spans(self, data: bytes, pos: int = 0, endpos: int | None = None) -> Iterator[Sequence[tuple[int, int]]]:
        for m in self._compiled.finditer(data, pos, len(data) if endpos is None else endpos):
            yield m.regs


def translate_for_re(pattern: str) -> str:
    """RE2/Go syntax -> Python `re`: `\\z`, POSIX classes, and `(?i)` in mid-pattern."""
    out = pattern.replace(r"\z", r"\Z")
    for name, chars in _POSIX_CLASSES.items():
        out = out.replace(f"[:{name}:]", chars)
    # Python 3.11 accepts global flags only at the very start; elsewhere scope them to the rest
    # of the enclosing group: "a(?i)b" -> "a(?i:b)" (exact for the patterns gitleaks ships).
    first = _INLINE_FLAGS.match(out)
    head, rest = (out[: first.end()], out[first.end():]) if first else ("", out)
    while (m := _INLINE_FLAGS.search(rest)) is not None:
        end = _group_end(rest, m.end())
        flags = m.group(1).replace("U", "")
        inner = rest[m.end():end]
        rest = rest[: m.start()] + (f"(?{flags}:{inner})" if flags else inner) + rest[end:]
    head = head.replace("U", "")
    return ("" if head == "(?)" else head) + rest


def translate_for_re2(pattern: str) -> str:
    """Python `re` syntax -> RE2: `\\Z` is RE2's `\\z`."""
    return pattern.replace(r"\Z", r"\z")


def _group_end(text: str, start: int) -> int:
    """Index of the `)` closing the group that contains `start` (or the end of the text)."""
    depth, i, in_class = 0, start, False
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return len(text)


def compile_pattern(pattern: str, *, prefer_re2: bool = True) -> tuple[Pattern, str]:
    """Compile `pattern` (RE2 syntax) to a bytes regex; returns (regex, backend name).

    Raises `re.error` with a readable message when neither backend takes it.
    """
    if HAVE_RE2 and prefer_re2:
        try:
            return _RE2Pattern(_re2.compile(translate_for_re2(pattern).encode(), _OPTIONS)), "re2"
        except Exception:  # noqa: BLE001 - RE2 refuses look-arounds etc.: try the stdlib
            pass
    try:
        return _StdPattern(re.compile(translate_for_re(pattern).encode())), "re"
    except re.error as err:
        raise re.error(f"invalid regex: {err.msg} (at position {err.pos})") from None
    except (OverflowError, RecursionError):
        raise re.error("regex too large") from None


def keyword_pattern(keywords: list[str], prefix: str = "") -> Pattern:
    """One case-insensitive alternation of literal keywords. RE2 turns a flat alternation into one
    DFA pass; stdlib `re` would try every branch at every position, so it gets a prefix trie."""
    words = sorted({k.lower() for k in keywords}, key=len, reverse=True)
    if HAVE_RE2:
        alternation = "|".join(_literal(k) for k in words)
        return compile_pattern(f"{prefix}(?i:{alternation})")[0]
    # stdlib: case-insensitive matching is several times slower, so callers search lower-cased text
    return compile_pattern(f"{prefix}{_trie(words)}")[0]


KEYWORDS_NEED_LOWERCASE = not HAVE_RE2


def keyword_set(keywords: list[str]) -> Callable[[bytes], list[int]] | None:
    """Which of `keywords` occur anywhere in a text, case-insensitively: one RE2 Set pass that
    returns their indices (every occurrence counts, overlapping ones too). None without RE2."""
    if not HAVE_RE2:
        return None
    options = _re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = 64 << 20
    found = _re2.Set.SearchSet(options)
    for k in keywords:
        found.Add(_literal(k.lower()).encode())
    found.Compile()
    return found._set.Match  # the raw method: bytes in, list of indices out


def _trie(words: list[str]) -> str:
    """`abc|abd|x` -> `ab(?:c|d)|x`, longest match first (so "password" still beats "passw")."""
    tree: dict = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [_literal(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and "" not in node else "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body

    return emit(tree)


_ESCAPE_ASCII = {c: f"\\x{c:02x}" for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")}


def _literal(text: str) -> str:
    """Escape a keyword for both dialects (re.escape's `\\ ` and `\\-` are not portable)."""
    return text.translate(_ESCAPE_ASCII)
