"""When each request goes out: an open-model, fixed-rate schedule.

Each endpoint ("lane") gets exactly one request per 1/rate slot, whether or not earlier answers
have come back (an open model: a slow answer never delays the next request). Within its slot the
request lands at a seeded random point, so a server hiccup that repeats every few seconds cannot
line up with the schedule and be always hit or always missed. No two sends, across all lanes, are
closer than `min_gap`: the client's per-host rate limit would otherwise hold one back, and that wait
would be ours, not the server's.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Hashable


class Schedule:
    def __init__(self, rate: float, min_gap: float = 0.0, seed: int = 0):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.slot = 1.0 / rate
        self.min_gap = min_gap
        self.rng = random.Random(seed)
        self._heap: list[tuple[float, int, Hashable]] = []  # (raw time, tie-break, lane)
        self._slot_start: dict[Hashable, float] = {}
        self._last = -math.inf
        self._seq = 0
        self._hold_until = -math.inf  # a Retry-After: nothing goes out before this

    def __bool__(self) -> bool:
        return bool(self._slot_start)

    def add(self, lane: Hashable, start: float) -> None:
        """Start a lane: its first slot begins at `start` (or when a pause ends)."""
        self._slot_start[lane] = max(start, self._hold_until)
        self._push(lane)

    def remove(self, lane: Hashable) -> None:
        self._slot_start.pop(lane, None)  # its heap entry is skipped when it surfaces

    def delay_all(self, until: float) -> None:
        """Nothing goes out before `until` (a 429's Retry-After); each lane's slots move back as a block."""
        self._hold_until = max(self._hold_until, until)
        entries = [(raw, seq, lane) for raw, seq, lane in self._heap if lane in self._slot_start]
        if not entries:
            return
        shift = until - min(raw for raw, _, _ in entries)
        if shift <= 0:
            return
        self._heap = [(raw + shift, seq, lane) for raw, seq, lane in entries]
        heapq.heapify(self._heap)
        for lane in self._slot_start:
            self._slot_start[lane] += shift

    def peek(self) -> tuple[float, Hashable] | None:
        """The next send: (time, lane), without taking it."""
        while self._heap and self._heap[0][2] not in self._slot_start:
            heapq.heappop(self._heap)
        if not self._heap:
            return None
        raw, _, lane = self._heap[0]
        return max(raw, self._last + self.min_gap), lane

    def take(self) -> tuple[float, Hashable]:
        """Commit the next send and plan that lane's following slot."""
        nxt = self.peek()
        if nxt is None:
            raise IndexError("no lane scheduled")
        when, lane = nxt
        heapq.heappop(self._heap)
        self._last = when
        self._slot_start[lane] += self.slot
        self._push(lane)
        return when, lane

    def _push(self, lane: Hashable) -> None:
        self._seq += 1
        raw = self._slot_start[lane] + self.rng.random() * self.slot
        heapq.heappush(self._heap, (raw, self._seq, lane))
