"""What repository intelligence found: plain, serialisable results. No value of a secret is ever kept."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Hit:
    """One place in the repository: `path:line`, and what exactly was found there (a name, never a value)."""

    path: str
    line: int
    detail: str = ""

    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Signal:
    rule: str
    kind: str
    label: str
    hit: Hit


@dataclass
class Detected:
    id: str
    name: str
    kind: str
    evidence: list[str] = field(default_factory=list)  # "requirements.txt: django", "manage.py"


@dataclass
class Stack:
    languages: list[str] = field(default_factory=list)  # names, most files first
    frameworks: list[Detected] = field(default_factory=list)  # most specific first
    hosting: list[Detected] = field(default_factory=list)
    ci: list[Detected] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)  # normalised names from every manifest
    snippet_stack: str | None = None  # the checklist snippets' `stack:` that fits the primary framework

    @property
    def primary(self) -> Detected | None:
        return self.frameworks[0] if self.frameworks else None

    def describe(self) -> str:
        parts = []
        if self.frameworks:
            parts.append(", ".join(f.name for f in self.frameworks))
        elif self.languages:
            parts.append(", ".join(self.languages[:3]))
        if self.hosting:
            parts.append(", ".join(h.name for h in self.hosting))
        if self.ci:
            parts.append(", ".join(c.name for c in self.ci))
        return "; ".join(parts) or "nothing recognised"


@dataclass
class EnvVar:
    name: str
    sources: list[str] = field(default_factory=list)  # "app/settings.py:4 (os.environ)", at most a few
    documented: bool = False  # named in an example file, a compose file or a manifest


@dataclass
class EnvFile:
    """A committed .env-style file. `secret_keys` hold real-looking secret values (shown redacted only)."""

    path: str
    environment: str | None
    keys: list[str] = field(default_factory=list)
    secret_keys: list[str] = field(default_factory=list)
    redacted: dict[str, str] = field(default_factory=dict)  # key -> redacted value


@dataclass
class SharedSecret:
    """One secret value found in configuration for two or more environments."""

    fingerprint: str
    redacted: str
    environments: list[str]
    places: list[Hit]  # detail = the key name


@dataclass
class AdminAction:
    name: str
    hit: Hit
    route: str = ""
    audited: bool = False


@dataclass
class RepoIntel:
    root: str
    head: str | None
    is_git: bool
    files_seen: int
    truncated: bool
    stack: Stack
    env_vars: list[EnvVar] = field(default_factory=list)
    env_files: list[EnvFile] = field(default_factory=list)
    environment_configs: dict[str, list[str]] = field(default_factory=dict)  # environment -> config paths
    secrets_compared: int = 0  # secret values compared across environments
    shared_secrets: list[SharedSecret] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    error_tracking_installed: list[str] = field(default_factory=list)  # SDK dependencies present
    admin_actions: list[AdminAction] = field(default_factory=list)
    release_tags: list[str] = field(default_factory=list)
    uptime_targets: list[str] = field(default_factory=list)  # URLs in uptime-monitor files, credentials removed

    def of(self, kind: str) -> list[Signal]:
        return [s for s in self.signals if s.kind == kind]

    def labels(self, kind: str) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.of(kind):
            seen.setdefault(s.label, None)
        return list(seen)

    def details(self, kind: str) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.of(kind):
            if s.hit.detail:
                seen.setdefault(s.hit.detail, None)
        return list(seen)

    @property
    def env_var_names(self) -> list[str]:
        return [v.name for v in self.env_vars]

    def to_dict(self) -> dict:
        return asdict(self)
