"""Secret scanning: rules as data (a gitleaks-compatible TOML subset), one engine for every source."""

from wizard.secretscan.engine import Candidate, Scanner, load_rules

__all__ = ["Candidate", "Scanner", "load_rules"]
