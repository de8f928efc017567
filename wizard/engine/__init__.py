"""The engine: runs the applicable probes of a session concurrently and records what they find."""

from wizard.engine.runner import Engine, Observer, RunSummary, select_probes

__all__ = ["Engine", "Observer", "RunSummary", "select_probes"]
