"""Secrets in git history: stream `git log -p -U0` and look at added lines only.

Never walk history through GitPython objects (~90x slower). The diff stream is read in blocks
of about 1 MB; one keyword pass runs over a whole block and only the runs of added lines that
contain a keyword are cut out and matched. Memory stays flat however long the history is: a
block is cut at a commit boundary (or, inside one huge commit, at a line boundary with the
commit/file/hunk headers carried over). git's diffing is most of the work and single-threaded:
when a core is spare, the newer and the older half of the log are diffed by two git processes
side by side, and the results still come out in log order.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wizard.secretscan.engine import Candidate, Scanner
from wizard.secretscan.regex import KEYWORDS_NEED_LOWERCASE

BLOCK = 1 << 20  # bytes read from git at a time: git writes the next MB into the pipe meanwhile
MAX_BLOCK = 32 << 20  # a single commit larger than this is split at a line boundary
STREAMS = 2  # parallel `git log` processes at most (one per core)
PARALLEL_MIN_COMMITS = 400  # below this a second git process is not worth its start
TRICKLE_WAIT = 0.002  # seconds to let git's output pile up when we are ahead of it
MAX_HELD = 20_000  # candidates of a later stream held back to keep log order
_RUN_END = re.compile(rb"\n[^+]")
_NEW_PATH = re.compile(rb"\n\+\+\+ ([^\n]*)")  # a file header's new path
_HUNK = re.compile(rb"\n@@ -\d+(?:,\d+)? \+(\d+)")
_FILE_MARK = b"\ndiff --git "
_COMMIT_MARK = b"\ncommit "


class GitError(Exception):
    """git could not do what we asked (not a repo, unknown revision...): one plain sentence."""


@dataclass
class RepoState:
    is_repo: bool
    has_commits: bool = False
    shallow: bool = False
    head: str | None = None


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(LC_ALL="C", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    return env


def _git(repo: Path, *args: str, check: bool = False, timeout: float = 60) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, env=git_env(), timeout=timeout)
    except FileNotFoundError:
        raise GitError("git is not installed (Debian/Ubuntu: apt-get install git)") from None
    if check and proc.returncode != 0:
        raise GitError(proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:][0] if proc.stderr else "git failed")
    return proc


def repo_state(path: Path) -> RepoState:
    top = _git(path, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        return RepoState(is_repo=False)
    head = _git(path, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    shallow = _git(path, "rev-parse", "--is-shallow-repository").stdout.strip() == b"true"
    any_ref = _git(path, "rev-list", "--all", "--max-count=1").stdout.strip()
    return RepoState(
        is_repo=True, has_commits=bool(any_ref), shallow=shallow,
        head=head.stdout.decode().strip() if head.returncode == 0 else None,
    )


def resolve_revision(repo: Path, rev: str) -> str:
    if not rev or rev.startswith("-") or any(c.isspace() for c in rev):
        raise GitError(f"'{rev}' is not a revision")
    proc = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if proc.returncode != 0:
        raise GitError(f"unknown revision '{rev}' (give a commit id, tag or branch)")
    return proc.stdout.decode().strip()


def log_command(repo: Path, since: str | None = None, window: tuple[int, int | None] | None = None) -> list[str]:
    """`window` = (skip, count): one slice of the log, in the log's own order. (No --diff-filter=d
    to spare git the deleted files: with it, --skip and --max-count no longer cut the same walk.)"""
    cmd = ["git", "-C", str(repo), "-c", "core.quotepath=off", "-c", "diff.renames=false", "log", "-p", "-U0",
           "--full-history", "--no-color", "--no-ext-diff", "--no-textconv", "--full-index",  # no abbreviating ids
           "--format=commit %H %at %aI"]
    if window is not None:
        skip, count = window
        cmd += [f"--skip={skip}"] + ([f"--max-count={count}"] if count is not None else [])
    cmd.append("--all")
    if since:
        cmd += ["--not", since]
    return cmd


def scan_history(repo: Path, scanner: Scanner, since: str | None = None) -> Iterator[Candidate]:
    """Every secret on an added line anywhere in history (or in `since..` every ref)."""
    cmds = [log_command(repo, since, window) for window in _windows(repo, since, scanner)]
    scanner.stats.git_streams = len(cmds)
    yield from _scan_streams(cmds, scanner, _COMMIT_MARK, source="history")


def scan_staged(repo: Path, scanner: Scanner) -> Iterator[Candidate]:
    """What `git commit` would add now: for a pre-commit hook."""
    cmd = ["git", "-C", str(repo), "-c", "core.quotepath=off", "diff", "--cached", "-U0", "--no-color",
           "--no-ext-diff", "--no-textconv", "--no-renames"]
    yield from _scan_streams([cmd], scanner, _FILE_MARK, source="staged")


def _windows(repo: Path, since: str | None, scanner: Scanner) -> list[tuple[int, int | None] | None]:
    """Slices of the log for parallel `git log` processes: git's diffing is single-threaded and
    is most of the work, so on 2+ cores the newest and the oldest halves are diffed side by side.
    --skip/--max-count cut the same ordered walk, so the slices are exact complements.
    (--explain keeps one stream: its list of drops is kept in the order they were met; so does
    Windows, where pipes cannot be waited on together.)"""
    if min(STREAMS, _cpus()) < 2 or scanner.explain or os.name == "nt":
        return [None]
    count = _git(repo, "rev-list", "--count", "--all", *(["--not", since] if since else []))
    total = int(count.stdout.strip() or 0) if count.returncode == 0 else 0
    streams = min(STREAMS, 1 + _spare_cores())
    if total < PARALLEL_MIN_COMMITS or streams < 2:
        return [None]
    size = -(-total // streams)
    return [(k * size, size if k < streams - 1 else None) for k in range(streams)]


def _spare_cores() -> int:
    """Cores no other task is running on right now (Linux). A second git only pays on a spare
    core: on a busy machine it adds ~13% CPU (two delta caches, two walks) and gains nothing."""
    samples = []
    for n in range(3):  # the median of three looks 1 ms apart: one busy instant is not a busy machine
        try:
            with open("/proc/loadavg") as fh:
                samples.append(int(fh.read().split()[3].split("/")[0]))  # running tasks, this one included
        except (OSError, ValueError, IndexError):
            return _cpus() - 1
        if n < 2:
            time.sleep(0.001)
    return _cpus() - sorted(samples)[1]


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _scan_streams(cmds: list[list[str]], scanner: Scanner, boundary: bytes, source: str) -> Iterator[Candidate]:
    """Scan the output of one or more git commands, yielding candidates in the order of the
    concatenated outputs (so "first commit" and occurrences do not depend on which git was faster)."""
    procs: list[subprocess.Popen] = []
    errors: list = []
    stream_env = {**git_env(), "GIT_FLUSH": "0"}  # fully buffered: git would flush after every commit into a pipe
    try:
        for cmd in cmds:
            errors.append(tempfile.TemporaryFile())  # a stderr pipe nobody reads could fill up and stall git
            procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors[-1], env=stream_env, bufsize=0))
    except FileNotFoundError:
        _stop(procs, errors)
        raise GitError("git is not installed (Debian/Ubuntu: apt-get install git)") from None
    try:
        yield from _in_order(procs, scanner, boundary, source)
    finally:
        failures = _stop(procs, errors)
    if failures:
        raise GitError(failures[0])


def _stop(procs: list[subprocess.Popen], errors: list) -> list[str]:
    failures = []
    for proc in procs:
        assert proc.stdout is not None
        proc.stdout.close()
    for proc, err_file in zip(procs, errors):
        code = proc.wait()
        err_file.seek(0)
        err = err_file.read(4096)
        if code != 0 and code != -13:  # -13: SIGPIPE when the consumer stopped early
            lines = err.decode("utf-8", "replace").strip().splitlines()
            failures.append(lines[-1] if lines else f"git exited with {code}")
    for err_file in errors:
        err_file.close()
    return failures


def _in_order(procs: list[subprocess.Popen], scanner: Scanner, boundary: bytes, source: str) -> Iterator[Candidate]:
    """Read every stream as its data comes, scan each block at once; the candidates of a later
    stream wait in a bounded list until the earlier ones have ended (past MAX_HELD that stream
    is not read any more until its turn: its git waits on a full pipe, memory stays flat)."""
    splitters = [_Splitter(boundary) for _ in procs]
    held: list[list[Candidate]] = [[] for _ in procs]
    done = [False] * len(procs)
    paused: set[int] = set()
    current = 0
    selector = selectors.DefaultSelector() if os.name != "nt" else _Blocking()
    landing = memoryview(bytearray(BLOCK))
    try:
        wide = True
        for i, proc in enumerate(procs):
            assert proc.stdout is not None
            wide = _widen_pipe(proc.stdout) and wide
            selector.register(proc.stdout, selectors.EVENT_READ, i)
        received = 0
        while current < len(procs):
            trickle = True
            for key, _ in selector.select():
                i = key.data
                chunk = _read(key.fd, landing)
                received += len(chunk)
                trickle = trickle and len(chunk) < BLOCK // 4
                for block in splitters[i].feed(chunk) if chunk else splitters[i].finish():
                    if i == current:
                        yield from scan_diff_block(block, scanner, source)
                    else:
                        held[i].extend(scan_diff_block(block, scanner, source))
                if not chunk:
                    done[i] = True
                    selector.unregister(key.fileobj)
                elif i != current and len(held[i]) >= MAX_HELD:
                    selector.unregister(key.fileobj)
                    paused.add(i)
                while done[current]:
                    current += 1
                    if current == len(procs):
                        break
                    yield from held[current]
                    held[current] = []
                    if current in paused:
                        paused.discard(current)
                        selector.register(procs[current].stdout, selectors.EVENT_READ, current)
            if trickle and wide and received > BLOCK:
                # We are ahead of git, which writes 4 KB at a time: let its output pile up in the pipe
                # instead of waking for every 4 KB (~6,000 wake-ups for 25 MB, ~0.06 s of CPU).
                # Small outputs (a pre-commit hook's staged diff) never wait, nor do 64 KB pipes.
                time.sleep(TRICKLE_WAIT)
    finally:
        selector.close()


def _read(fd: int, landing: memoryview) -> bytes:
    if hasattr(os, "readv"):
        got = os.readv(fd, [landing])  # os.read(BLOCK) would allocate 1 MB and shrink it
        return landing[:got].tobytes()
    return os.read(fd, len(landing))


class _Blocking:
    """Windows cannot select() on pipes: one stream (see _windows), read as it comes."""

    def __init__(self) -> None:
        self.keys: dict = {}

    def register(self, fileobj, events, data=None) -> None:
        self.keys[fileobj] = selectors.SelectorKey(fileobj, fileobj.fileno(), events, data)

    def unregister(self, fileobj) -> None:
        self.keys.pop(fileobj, None)

    def select(self) -> list:
        return [(key, selectors.EVENT_READ) for key in list(self.keys.values())]

    def close(self) -> None:
        self.keys.clear()


class _Splitter:
    """Cuts a stream into blocks of complete commits (or files, for `git diff`), about BLOCK bytes
    each, every block starting with a newline (so "\n+" finds its first line too); a single commit
    larger than MAX_BLOCK is cut at a line with its headers carried over. Each block is built by
    one join of the chunks read: no big intermediate copies (they cost CPU, and their varying sizes
    fragment the heap so that peak memory crept up with history length)."""

    def __init__(self, boundary: bytes):
        self.boundary = boundary
        self.parts: list[bytes] = [b"\n"]
        self.fresh = 0  # bytes received since the last attempt to cut

    def feed(self, chunk: bytes) -> list[bytes]:
        self.parts.append(chunk)
        self.fresh += len(chunk)
        if self.fresh < BLOCK:
            return []
        self.fresh = 0
        cut = self._last_boundary()
        if cut is not None:
            k, at = cut
            last = memoryview(self.parts[k])
            block = b"".join([*self.parts[:k], last[:at]])
            self.parts = [bytes(last[at:]), *self.parts[k + 1:]]  # the next block starts at "\ncommit"
            return [block]
        buf = b"".join(self.parts)
        if len(buf) <= MAX_BLOCK:
            self.parts = [buf]
            return []
        cut = buf.rfind(b"\n")
        if cut <= 0:  # one gigantic line: cut anywhere, the tail keeps its headers
            cut = len(buf)
        self.parts = [b"\n" + _resume_headers(buf, cut), buf[cut + 1:]]
        return [buf[:cut]]

    def _last_boundary(self) -> tuple[int, int] | None:
        """(part, offset) where the last boundary starts; None if there is none past the start."""
        marker, parts = self.boundary, self.parts
        width = len(marker) - 1
        for k in range(len(parts) - 1, -1, -1):
            at = parts[k].rfind(marker)
            if at >= 0:
                return (k, at) if (k, at) != (0, 0) else None
            if k > 0:  # a boundary across the seam with the part before
                head, tail = parts[k][:width], parts[k - 1][-width:]
                at = (tail + head).rfind(marker)
                if at >= 0 and at < len(tail):
                    return k - 1, len(parts[k - 1]) - len(tail) + at
        return None

    def finish(self) -> list[bytes]:
        buf = b"".join(self.parts)
        self.parts = []
        return [buf] if len(buf) > 1 else []


def _widen_pipe(stream) -> bool:
    """Let git write a whole block ahead while we scan the last one (Linux; a default pipe holds
    64 KB, so git would wait on us). True when the pipe now holds a block."""
    try:
        import fcntl

        return fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20) >= (1 << 20)
    except (ImportError, OSError, ValueError):
        return False


def _resume_headers(buf: bytes, cut: int) -> bytes:
    """Headers that let the rest of a split commit parse alone: commit, file, and hunk position."""
    data = b"\n" + buf
    cut += 1
    out = b""
    c = data.rfind(_COMMIT_MARK, 0, cut)
    if c >= 0:
        out += data[c + 1: data.find(b"\n", c + 1)] + b"\n"
    f = data.rfind(_FILE_MARK, 0, cut)
    if f < 0:
        return out
    out += data[f + 1: data.find(b"\n", f + 1)] + b"\n"
    plus = data.find(b"\n+++ ", f, cut)
    if plus >= 0:
        out += data[plus + 1: data.find(b"\n", plus + 1)] + b"\n"
    h = data.rfind(b"\n@@ ", f, cut)
    if h >= 0:
        m = _HUNK.match(data, h)
        header_end = data.find(b"\n", h + 1)
        if m and 0 <= header_end < cut:
            added = data.count(b"\n+", header_end, cut)
            out += b"@@ -0,0 +%d @@\n" % (int(m.group(1)) + added)
    return out


def scan_diff_block(block: bytes, scanner: Scanner, source: str = "history") -> Iterator[Candidate]:
    """Scan the added lines of a block of complete `git log -p` / `git diff` output."""
    data = block if block[:1] == b"\n" else b"\n" + block  # blocks from _Splitter already start so
    runs: dict[int, tuple[int, int, int, tuple[int, ...]]] = {}  # start -> end, hunk, file header, rules
    finder = scanner.added_line_keyword or scanner.keywords
    line_mode = scanner.added_line_keyword is not None  # the hit starts at "\n+" of an added line
    haystack = data.lower() if KEYWORDS_NEED_LOWERCASE else data
    pos = 0
    while finder is not None:
        hit = finder.first(haystack, pos)
        if hit is None:
            break
        if line_mode:
            line_start = hit[0] + 1
        else:
            line_start = data.rfind(b"\n", 0, hit[0]) + 1
            if data[line_start] != 0x2B:  # '+': only added lines matter
                pos = hit[1]
                continue
        found = _run_at(data, line_start)
        if found is None:  # a "+++ b/path" header: go on after it
            pos = _line_end(data, line_start)
            continue
        start, end, hunk, file_at = found
        runs[start] = (end, hunk, file_at, scanner.selected_rules(data, start, end))
        pos = end  # the whole run is selected: skip the rest of it
    if scanner.always or scanner.path_rules:
        _add_all_runs(data, scanner, runs)
    headers = _Headers(data)
    for start in sorted(runs):
        end, hunk, file_at, rule_ids = runs[start]
        path = headers.path(file_at)
        if path is None:
            continue
        if scanner.path_rules and (extra := scanner.path_rules_for(path)):
            rule_ids = scanner.order((*rule_ids, *extra))
        if not rule_ids:
            continue
        m = _HUNK.match(data, hunk)
        commit, timestamp, date = headers.commit(file_at)
        text = data[start + 1:end].replace(b"\n+", b"\n")  # the lines without their "+"
        scanner.stats.lines += text.count(b"\n") + 1
        yield from scanner.scan_ordered(
            text, rule_ids, path=path, first_line=int(m.group(1)) if m else 1, source=source,
            commit=commit, date=date, timestamp=timestamp,
        )


def _line_end(data: bytes, pos: int) -> int:
    end = data.find(b"\n", pos)
    return len(data) if end < 0 else end


def _run_at(data: bytes, pos: int) -> tuple[int, int, int, int] | None:
    """The run of added lines containing `pos` (start, end, its hunk header, its file header), or
    None when `pos` is not on an added hunk line."""
    ls = data.rfind(b"\n", 0, pos) + 1
    if data[ls:ls + 1] != b"+":
        return None
    hunk = data.rfind(b"\n@@ ", 0, ls)
    file_at = data.rfind(_FILE_MARK, 0, ls)
    if hunk < 0 or file_at > hunk:
        return None  # a "+++ b/path" file header, not content
    header_end = data.find(b"\n", hunk + 1)
    start = data.find(b"\n+", header_end) + 1
    m = _RUN_END.search(data, ls)
    # at the end of a block the run ends before the block's last newline, as it would mid-block
    return start, (m.start() if m else len(data) - data.endswith(b"\n")), hunk, file_at


def _add_all_runs(data: bytes, scanner: Scanner, runs: dict[int, tuple[int, int, int, tuple[int, ...]]]) -> None:
    """Rules without keywords see every added run of the files they apply to (all files for
    keyword-less, path-less user rules: the slow path)."""
    if scanner.always:
        spans = [(0, len(data))]
    else:
        # Each path is looked at once per block (a block repeats the same few files many times).
        wanted = {raw for raw in set(_NEW_PATH.findall(data)) if scanner.path_rules_for(_unquote(raw))}
        spans = []
        for m in _NEW_PATH.finditer(data) if wanted else ():
            if m.group(1) in wanted:
                end = data.find(_FILE_MARK, m.end())
                spans.append((m.end(), len(data) if end < 0 else end))
    no_keywords = scanner.selected_rules(b"", 0, 0)  # the keyword-less rules alone
    for lo, hi in spans:
        for m in _HUNK.finditer(data, lo, hi):
            header_end = data.find(b"\n", m.start() + 1)
            nxt = data.find(b"\n+", header_end, hi)
            if nxt < 0:
                continue
            found = _run_at(data, nxt + 1)
            if found is not None and found[0] == nxt + 1:
                runs.setdefault(found[0], (found[1], found[2], found[3], no_keywords))


class _Headers:
    """Path and commit of a file section in a diff block (memoised per file and commit header)."""

    def __init__(self, data: bytes):
        self.data = data
        self._paths: dict[int, str | None] = {}
        self._commits: dict[int, tuple[str | None, int, str | None]] = {}

    def path(self, f: int) -> str | None:
        found = self._paths.get(f, False)
        if found is False:
            found = self._paths[f] = self._path(f)
        return found

    def commit(self, f: int) -> tuple[str | None, int, str | None]:
        c = self.data.rfind(_COMMIT_MARK, 0, f if f >= 0 else len(self.data))
        found = self._commits.get(c)
        if found is None:
            found = self._commits[c] = self._commit(c)
        return found

    def _path(self, f: int) -> str | None:
        if f < 0:
            return None
        d = self.data
        h = d.find(b"\n@@ ", f + 1)
        plus = d.find(b"\n+++ ", f + 1, h if h >= 0 else len(d))
        if plus < 0:
            return None
        raw = d[plus + 5: d.find(b"\n", plus + 1)]
        if raw == b"/dev/null":
            return None
        return _unquote(raw)

    def _commit(self, c: int) -> tuple[str | None, int, str | None]:
        if c < 0:
            return None, 0, None
        d = self.data
        parts = d[c + 1: d.find(b"\n", c + 1)].decode("ascii", "replace").split()
        sha = parts[1] if len(parts) > 1 else None
        ts = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0
        return sha, ts, parts[3] if len(parts) > 3 else None


def _unquote(raw: bytes) -> str:
    """`b/path` or git's C-quoted `"b/pa\\tth"` -> path (always without the `b/` prefix)."""
    if raw.startswith(b'"') and raw.endswith(b'"'):
        try:
            raw = raw[1:-1].decode("unicode_escape").encode("latin-1")
        except (UnicodeDecodeError, UnicodeEncodeError):
            raw = raw[1:-1]
    text = raw.decode("utf-8", "surrogateescape")
    return text[2:] if text.startswith("b/") else text


def paths_in_head(repo: Path, wanted: dict[str, list[str]]) -> set[str]:
    """Which (path -> secrets) are still in HEAD: one `git cat-file --batch` for every path."""
    if not wanted:
        return set()
    proc = subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git_env())
    assert proc.stdin is not None and proc.stdout is not None
    still: set[str] = set()
    try:
        for path, secrets in wanted.items():
            proc.stdin.write(f"HEAD:{path}\n".encode("utf-8", "surrogateescape"))
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                continue
            size = int(header[2])
            blob = proc.stdout.read(size + 1)[:size]
            for s in secrets:
                if s.encode("utf-8", "surrogateescape") in blob:
                    still.add(f"{path}\x00{s}")
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.wait()
    return still
