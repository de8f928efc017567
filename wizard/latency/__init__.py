"""Latency sampling you can trust: plan, open-model schedule, clocks, sampler and its self-check.

`plan` says what will be timed; `schedule` says when each request goes out; `clocks` reads one
request's timings; `sampler` runs it all and decides per endpoint; `selfcheck` tells whether the
client itself was the bottleneck. The `latency` probe (wizard/probes/latency.py) ties them together.
"""
