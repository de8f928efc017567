"""The open-model schedule: a fixed rate per endpoint, random placement in each slot, never a burst."""

import pytest

from wizard.latency.schedule import Schedule


def drain(schedule: Schedule, until: float) -> list[tuple[float, str]]:
    out = []
    while (nxt := schedule.peek()) is not None and nxt[0] < until:
        out.append(schedule.take())
    return out


def test_each_endpoint_gets_exactly_one_request_per_slot_whatever_the_answers_do():
    s = Schedule(rate=5, seed=1)
    s.add("a", 0.0)
    s.add("b", 0.0)
    sends = drain(s, 100.0)
    for lane in "ab":
        times = [t for t, l in sends if l == lane]
        assert len(times) == 500
        assert all(i * 0.2 <= t < (i + 1) * 0.2 for i, t in enumerate(times))


def test_placement_in_the_slot_is_uniform_so_a_periodic_stall_cannot_alias():
    s = Schedule(rate=20, seed=3)
    s.add("a", 0.0)
    times = [t for t, _ in drain(s, 200.0)]
    # phase against a 2 s period (a server that stalls every 2 s): every tenth of it is hit about as often
    bins = [0] * 10
    for t in times:
        bins[int((t % 2.0) / 0.2)] += 1
    assert min(bins) > 0.85 * len(times) / 10


def test_no_two_sends_are_closer_than_the_gap_across_endpoints():
    s = Schedule(rate=5, min_gap=0.05, seed=2)
    for lane in "abc":
        s.add(lane, 0.0)
    times = [t for t, _ in drain(s, 60.0)]
    assert all(b - a >= 0.05 - 1e-9 for a, b in zip(times, times[1:]))
    assert len(times) == pytest.approx(3 * 5 * 60, rel=0.02)  # the pushes do not eat into the rate


def test_a_retry_after_moves_every_send_back_and_removed_lanes_stop():
    s = Schedule(rate=10, seed=4)
    s.add("a", 0.0)
    s.add("b", 0.0)
    drain(s, 1.0)
    s.delay_all(until=5.0)
    assert s.peek()[0] >= 5.0
    s.remove("a")
    assert {lane for _, lane in drain(s, 8.0)} == {"b"}
    s.remove("b")
    assert s.peek() is None and not s


def test_an_endpoint_started_during_a_pause_waits_for_it_too():
    s = Schedule(rate=10, seed=5)
    s.add("a", 0.0)
    drain(s, 1.0)
    s.delay_all(until=4.0)
    s.add("b", 1.0)
    assert min(t for t, _ in drain(s, 6.0)) >= 4.0
