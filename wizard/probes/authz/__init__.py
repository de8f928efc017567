"""The authorization matrix: expected access (`expect`), content comparison (`compare`), record ids
from list responses (`objects`), role-scoped requests (`requests`), cross-user writes (`writes`),
the matrix as data (`matrix`) and the probe that runs them (`probe`)."""

from wizard.probes.authz.probe import AuthzProbe

__all__ = ["AuthzProbe"]
