"""An HTTP server on 127.0.0.1 with seeded, known delays that records what it served: ground truth
for the latency sampler.

Each route has a delay model:
- `LogNormal(p95)`: lognormal delays with a chosen p95 (sigma 0.4 by default: p50 = 0.52 x p95);
- `Mixture()`: 90% of answers in 50 ms, 10% in 600 ms (a p95 of 600 ms that a mean of 105 ms hides);
- `Stall()`: 10 ms of work, but the whole server freezes 200 ms every 2 s (what closed-loop tools miss);
- `Fixed(s)`: always s seconds (0 for the zero-delay case).
A route may also answer with errors (`fail_every`, `status`) or rate-limit (`status=429`, `retry_after`).

`served` holds one record per answer: path, arrival time, how long the server held it (measured by
the server itself, from the end of the request head to the end of the write) and the status.

In-process: `with DelayServer(routes) as srv: ... srv.url, srv.served_on(path)`.
In its own process (`with DelayProcess() as srv:`, same interface, standard routes): no shared GIL
with the client under test, so what the client measures is the server plus the network, nothing
else. By hand: `python tests/delay_server.py [seed]` prints `PORT n` and serves until killed;
`GET /__served?path=/x` returns the records as JSON and `GET /__reset` clears them.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from urllib.parse import parse_qs, urlsplit

Z95 = NormalDist().inv_cdf(0.95)


class LogNormal:
    def __init__(self, p95: float, sigma: float = 0.4, seed: int = 1):
        self.median = p95 / math.exp(Z95 * sigma)
        self.sigma = sigma
        self.rng = random.Random(seed)

    def hold(self, arrival: float) -> float:
        return self.rng.lognormvariate(math.log(self.median), self.sigma)


class Mixture:
    def __init__(self, fast: float = 0.05, slow: float = 0.6, slow_share: float = 0.1, seed: int = 2):
        self.fast, self.slow, self.slow_share = fast, slow, slow_share
        self.rng = random.Random(seed)

    def hold(self, arrival: float) -> float:
        return self.slow if self.rng.random() < self.slow_share else self.fast


class Fixed:
    def __init__(self, seconds: float = 0.0):
        self.seconds = seconds

    def hold(self, arrival: float) -> float:
        return self.seconds


class Stall:
    """`work` seconds per request, but no work happens during the first `pause` s of every `period` s."""

    def __init__(self, period: float = 2.0, pause: float = 0.2, work: float = 0.010):
        self.period, self.pause, self.work = period, pause, work

    def hold(self, arrival: float) -> float:
        # Closed form (no loop on float phases): work starts at arrival, or when the stall it arrived
        # in ends, and is cut by the next stall if it does not fit before it (work < period - pause).
        k = math.floor(arrival / self.period)
        start = max(arrival, k * self.period + self.pause)
        next_stall = (k + 1) * self.period
        done = start + self.work if start + self.work <= next_stall else next_stall + self.pause + (start + self.work - next_stall)
        return done - arrival

    def truth(self, p: float, grid: int = 200_000) -> float:
        """The p-quantile a request arriving at a uniformly random moment sees (the time average)."""
        holds = sorted(self.hold(i * self.period / grid) for i in range(grid))
        return holds[max(1, math.ceil(p * grid)) - 1]


@dataclass
class Route:
    model: object
    status: int = 200
    fail_every: int = 0  # every k-th answer gets `status` (0: every answer does)
    retry_after: str | None = None
    body: bytes = b'{"ok": true}'
    count: int = 0

    def status_for_next(self) -> int:
        self.count += 1
        if self.status == 200 or not self.fail_every:
            return self.status
        return self.status if self.count % self.fail_every == 0 else 200


@dataclass
class Served:
    path: str
    arrival: float  # seconds since the server started
    held: float  # seconds, end of request head -> response written
    status: int


def standard_routes(seed: int = 1) -> dict[str, Route]:
    return {
        "/zero": Route(Fixed(0.0)),
        "/p95-300": Route(LogNormal(0.300, seed=seed)),
        "/p95-500": Route(LogNormal(0.500, seed=seed + 1)),
        "/p95-700": Route(LogNormal(0.700, seed=seed + 2)),
        "/bimodal": Route(Mixture(seed=seed + 3)),
        "/stall": Route(Stall()),
        "/flaky": Route(Fixed(0.005), status=500, fail_every=20),  # 5% server errors
        "/broken": Route(Fixed(0.001), status=503),
        "/slow-limit": Route(Fixed(0.005), status=429, fail_every=10, retry_after="1"),
        "/not-found": Route(Fixed(0.001), status=404),
        "/moved": Route(Fixed(0.001), status=302),
    }


@dataclass
class DelayServer:
    routes: dict[str, Route]
    served: list[Served] = field(default_factory=list)
    port: int = 0

    def __post_init__(self):
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self.t0 = time.perf_counter()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def served_on(self, path: str) -> list[Served]:
        return [s for s in self.served if s.path == path]

    # -- lifecycle ------------------------------------------------------------------------------
    def __enter__(self) -> "DelayServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "DelayServer":
        self._thread = threading.Thread(target=lambda: asyncio.run(self.serve()), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("delay server did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread:
            self._thread.join(10)

    async def serve(self, on_ready=None) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._connection, "127.0.0.1", self.port)
        self.port = server.sockets[0].getsockname()[1]
        self.t0 = time.perf_counter()
        self._ready.set()
        if on_ready:
            on_ready(self.port)
        async with server:
            await self._stop.wait()

    # -- HTTP/1.1, just enough ------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                arrival = time.perf_counter()
                lines = head.decode("latin1").split("\r\n")
                method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                if int(headers.get("content-length") or 0):
                    await reader.readexactly(int(headers["content-length"]))
                close = headers.get("connection", "").lower() == "close"
                await self._answer(method, target, arrival, writer)
                if close:
                    return
        finally:
            writer.close()

    async def _answer(self, method: str, target: str, arrival: float, writer: asyncio.StreamWriter) -> None:
        parts = urlsplit(target)
        extra: list[str] = []
        if parts.path == "/__served":
            wanted = parse_qs(parts.query).get("path", [None])[0]
            body = json.dumps([asdict(s) for s in self.served if wanted in (None, s.path)]).encode()
            status = 200
        elif parts.path == "/__reset":
            self.served.clear()
            body, status = b"{}", 200
        elif parts.path in self.routes:
            route = self.routes[parts.path]
            status = route.status_for_next()
            hold = route.model.hold(arrival - self.t0)
            if hold > 0:
                await asyncio.sleep(max(0.0, arrival + hold - time.perf_counter()))
            body = route.body
            if status == 429 and route.retry_after:
                extra.append(f"Retry-After: {route.retry_after}")
        else:
            body, status = b'{"error": "not found"}', 404
        head = [f"HTTP/1.1 {status} X", "Content-Type: application/json", f"Content-Length: {len(body)}", *extra, "", ""]
        writer.write("\r\n".join(head).encode("latin1") + (b"" if method == "HEAD" else body))
        await writer.drain()
        if parts.path in self.routes:
            self.served.append(Served(parts.path, arrival - self.t0, time.perf_counter() - arrival, status))


class DelayProcess:
    """`standard_routes(seed)` served by a child process; `served_on` reads its records over HTTP."""

    def __init__(self, seed: int = 1):
        self.seed = seed
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> "DelayProcess":
        self.proc = subprocess.Popen([sys.executable, __file__, str(self.seed)], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 2:
            self.proc.kill()
            raise RuntimeError("delay server process did not start")
        self.url = f"http://127.0.0.1:{line[1]}"
        return self

    def __exit__(self, *exc) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait()

    def _get(self, path: str):
        with urllib.request.urlopen(self.url + path, timeout=10) as resp:
            return json.load(resp)

    def served_on(self, path: str) -> list[Served]:
        return [Served(**s) for s in self._get(f"/__served?path={path}")]

    def reset(self) -> None:
        self._get("/__reset")


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    server = DelayServer(standard_routes(seed))
    try:
        asyncio.run(server.serve(on_ready=lambda port: print(f"PORT {port}", flush=True)))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
