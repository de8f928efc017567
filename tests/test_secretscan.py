"""The secret scanner as a user relies on it: rules as data, filters, baseline, ranges, API, demo."""

from __future__ import annotations

import random
import string
import subprocess
import sys
from pathlib import Path

import pytest

from secret_corpus import _git
from wizard.errors import UserError
from wizard.model import Status
from wizard.secretscan import ScanOptions, scan_repo, scan_text
from wizard.secretscan.engine import Scanner
from wizard.secretscan.regex import HAVE_RE2, translate_for_re, translate_for_re2
from wizard.secretscan.rules import load_rules

_rng = random.Random(99)


def token(prefix_a: str = "gh", prefix_b: str = "p_", n: int = 36) -> str:
    return prefix_a + prefix_b + "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def _repo(tmp_path: Path, files: dict[str, str], name: str = "repo") -> Path:
    path = tmp_path / name
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    for rel, text in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text)
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "first")
    return path


# --------------------------------------------------------------------------- rules as data
def test_default_rules_cover_the_providers_and_all_compile_on_re2():
    rules = load_rules().rules
    assert len(rules) >= 150
    ids = {r.id for r in rules}
    for needed in ("aws-access-key-id", "aws-secret-access-key", "gcp-service-account-key", "gcp-api-key",
                   "azure-storage-connection-string", "github-token", "gitlab-pat", "slack-token", "slack-webhook",
                   "stripe-secret-key", "twilio-api-key", "sendgrid-api-key", "mailgun-api-key", "npm-token", "pypi-token",
                   "openai-api-key", "anthropic-api-key", "jwt", "private-key", "putty-private-key", "url-credentials",
                   "connection-string-password", "basic-auth-header", "npmrc-auth-token", "docker-config-auth",
                   "netrc-password", "pgpass-password", "git-credentials", "django-secret-key", "rails-secret-key-base",
                   "laravel-app-key", "flask-secret-key", "bcrypt-hash", "generic-password", "generic-secret",
                   "generic-token", "generic-api-key"):
        assert needed in ids, needed
    for r in rules:
        assert r.keywords or r.path is not None, f"{r.id} has no keyword: it would run on every line"
        if r.source:
            assert r.regex is not None and (r.backend == "re2" or not HAVE_RE2), r.id
            assert r.secret_group <= r.regex.groups


def test_translator_bridges_re2_and_python_syntax():
    assert translate_for_re(r"a(?i)b\z") == r"a(?i:b\Z)"
    assert translate_for_re(r"(?i)[[:alnum:]]+") == r"(?i)[a-zA-Z0-9]+"
    assert translate_for_re2(r"abc\Z") == r"abc\z"


def test_a_users_gitleaks_config_loads_with_allowlists_and_extends_ours(tmp_path):
    cfg = tmp_path / ".gitleaks.toml"
    cfg.write_text(
        "title = 'mine'\n[extend]\nuseDefault = true\ndisabledRules = ['generic-token']\n"
        "[[rules]]\nid = 'acme-key'\ndescription = 'Acme internal key'\nregex = '''acme_(?i)([a-z0-9]{24})'''\n"
        "keywords = ['acme_']\nsecretGroup = 1\nentropy = 3.0\ntags = ['internal']\n"
        "[[rules.allowlists]]\nregexTarget = 'line'\nregexes = ['''fixture''']\n"
        "[allowlist]\npaths = ['''^vendor/''']\nstopwords = ['notsecret']\n"
    )
    ruleset = load_rules(cfg)
    ids = [r.id for r in ruleset.rules]
    assert ids[0] == "acme-key" and "github-token" in ids and "generic-token" not in ids
    key = "acme_" + "".join(_rng.choice(string.ascii_lowercase + string.digits) for _ in range(24))
    scanner = Scanner(ruleset)
    assert [c.rule.id for c in scanner.scan_bytes(f"k = '{key}'\n".encode(), "app.cfg")] == ["acme-key"]
    assert scanner.scan_bytes(f"k = '{key}'  # fixture\n".encode(), "app.cfg") == []
    assert scanner.scan_bytes(f"k = '{key}'\n".encode(), "vendor/lib.cfg") == []


@pytest.mark.parametrize("text,needle", [
    ("[[rules]]\nid = 'x'\nregex = '''(unclosed'''\nkeywords=['x']\n", "rule 1 (x): invalid regex"),
    ("[[rules]]\nid = 'x'\nregex = 'a'\nseverity = 'urgent'\n", "severity must be one of"),
    ("[[rules]]\ndescription = 'no id'\nregex = 'a'\n", "missing field 'id'"),
    ("rules = [", "not valid TOML"),
])
def test_bad_rules_file_names_file_rule_and_field(tmp_path, text, needle):
    bad = tmp_path / "rules.toml"
    bad.write_text(text)
    with pytest.raises(UserError) as err:
        load_rules(bad)
    assert needle in str(err.value) and str(bad) in str(err.value)


def test_default_rules_parse_is_cached_and_a_broken_cache_costs_only_the_parse(tmp_path, monkeypatch):
    from wizard.secretscan import rulecache

    monkeypatch.setenv("LAUNCH_READY_HOME", str(tmp_path / "home"))
    fresh = load_rules()
    entries = list(rulecache.cache_dir().glob("*.marshal"))
    assert len(entries) == 1
    cached = load_rules()
    assert [(r.id, r.source, r.keywords, r.tags, r.confidence) for r in cached.rules] == \
        [(r.id, r.source, r.keywords, r.tags, r.confidence) for r in fresh.rules]
    entries[0].write_bytes(b"not marshal data")
    assert len(load_rules()) == len(fresh)
    monkeypatch.setenv("LAUNCH_READY_HOME", "/proc/no-such-place")  # cannot be created
    assert len(load_rules()) == len(fresh)


# --------------------------------------------------------------------------- context filters
def _scan(text: str, path: str = "app/settings.py", **kw):
    scanner = Scanner(explain=True, **kw)
    return scanner.scan_bytes(text.encode(), path), scanner.dropped


def test_generic_rules_count_only_quoted_literals_in_source_code():
    value = "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(20))
    kept, _ = _scan(f'db_password = "{value}"\n')
    assert [c.rule.id for c in kept] == ["generic-password"]
    kept, dropped = _scan(f"db_password = {value}\n")
    assert kept == [] and "unquoted value in source code" in dropped[0].reason
    kept, _ = _scan(f"DB_PASSWORD={value}\n", path=".env")
    assert [c.rule.id for c in kept] == ["generic-password"]


@pytest.mark.parametrize("line,reason", [
    ('api_key = os.environ["API_KEY"]', "reference"),
    ("token: ${GITHUB_TOKEN}", "placeholder"),
    ("client_secret: '{{ .Values.secret }}'", "placeholder"),
    ('password = "changeme-please"', "placeholder"),
    ('API_KEY = "<your-api-key>"', "placeholder"),
    ('secret = "xxxxxxxxxxxxxxxx"', "placeholder"),
    ('tenant_token = "0b0f2a3c-6a1e-4f55-9d8e-0c9a7d1e2f34"', "UUID"),
    ('api_key_id = "8f14e45fceea167a5a36dedd4bea2543"', "identifier or reference"),
    # found by scanning this repository itself
    ("secretRegex = '[A-Za-z0-9/+]{40}'", "pattern"),
    ('identifiers = ["jwt_?secret", "jwt_?signing_?key"]', "pattern"),
    ('app.post("/password-reset", loginLimiter, resetHandler);', "reference"),
    ('"secrets": "wizard.probes.secrets:SecretsProbe",', "reference"),
    ('rule("authn.invalid-token-accepted", "authn.expired-token-accepted")', "reference"),
    ('doc_secret = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCY"', "concatenated"),
])
def test_placeholders_references_and_identifiers_are_dropped_with_a_reason(line, reason):
    kept, dropped = _scan(line + "\n", path="config/app.yaml")
    assert kept == [] and all(reason in d.reason for d in dropped), dropped  # no candidate at all is fine too


def test_lockfiles_are_never_generic_hits():
    kept, dropped = _scan('"token": "' + "".join(_rng.choice(string.ascii_letters) for _ in range(40)) + '"\n',
                          path="web/package-lock.json")
    assert kept == [] and "lockfile" in dropped[0].reason


def test_tests_and_docs_downgrade_confidence():
    value = "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(24))
    kept, dropped = _scan(f'password = "{value}"\n', path="tests/test_login.py")
    assert kept == [] and "test, docs or example" in dropped[0].reason
    real = token()
    kept, _ = _scan(f'GH = "{real}"\n', path="tests/test_api.py")
    assert [(c.rule.id, c.confidence) for c in kept] == [("github-token", "medium")]


def test_format_placeholders_are_not_secrets_for_any_rule():
    kept, dropped = _scan("f\"machine api.acme.io login ci password {v['netrc']}\"\n", path="tools/netrc.py")
    assert kept == [] and "placeholder" in dropped[0].reason


def test_inline_pragma_allows_one_line():
    real = token()
    kept, dropped = _scan(f'GH = "{real}"  # launch-ready:allow (revoked test token)\n')
    assert kept == [] and "pragma" in dropped[0].reason


def test_explain_never_shows_the_value(tmp_path):
    real = token()
    repo = _repo(tmp_path, {"a.py": f'GH = "{real}"  # gitleaks:allow\n'})
    run = subprocess.run([sys.executable, "-m", "wizard", "secrets", str(repo), "--explain"], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and "pragma" in run.stdout and real not in run.stdout + run.stderr


# --------------------------------------------------------------------------- baseline
def test_baseline_statuses_drop_accept_or_warn_and_survive_line_moves(tmp_path):
    from wizard.probes.secrets import secret_finding
    from wizard.secretscan.baseline import load_baseline, write_baseline

    a, b, c = token(), token(), token()
    repo = _repo(tmp_path, {"app.py": f'A = "{a}"\nB = "{b}"\nC = "{c}"\n'})
    first = scan_repo(repo)
    baseline = repo / ".launch-ready-baseline.yaml"
    assert write_baseline(baseline, first.findings) == 3
    entries = load_baseline(baseline).entries
    fp = {f.first.line: f.fingerprint for f in first.findings}
    text = baseline.read_text()
    text = text.replace(f"fingerprint: {fp[1]}\n  rule: github-token\n  status: unaudited\n  reason: ''",
                        f"fingerprint: {fp[1]}\n  rule: github-token\n  status: false_positive\n  reason: revoked test token")
    text = text.replace(f"fingerprint: {fp[2]}\n  rule: github-token\n  status: unaudited\n  reason: ''",
                        f"fingerprint: {fp[2]}\n  rule: github-token\n  status: accepted_risk\n  reason: read-only, public repo")
    baseline.write_text(text)
    assert len(entries) == 3
    # move every line down: fingerprints are not tied to lines
    (repo / "app.py").write_text("\n\n\n" + (repo / "app.py").read_text())
    again = scan_repo(repo)
    assert again.suppressed == 1
    statuses = {f.fingerprint: secret_finding("secrets", f) for f in again.findings}
    assert statuses[fp[2]].status is Status.PASS and statuses[fp[2]].rule == "secrets.accepted-risk"
    assert statuses[fp[3]].status is Status.WARN and "not audited" in statuses[fp[3]].detail


def test_bad_baseline_is_one_clear_error(tmp_path):
    repo = _repo(tmp_path, {"a.txt": "x\n"})
    (repo / ".launch-ready-baseline.yaml").write_text("secrets: [{status: maybe}]\n")
    with pytest.raises(UserError, match="fingerprint"):
        scan_repo(repo)


# --------------------------------------------------------------------------- range modes
def test_since_scans_only_newer_history_and_staged_only_the_index(tmp_path):
    old, new, staged = token(), token(), token()
    repo = _repo(tmp_path, {"old.py": f'T = "{old}"\n'})
    base = _git(repo, "rev-parse", "HEAD").strip()
    (repo / "old.py").unlink()
    (repo / "new.py").write_text(f'T = "{new}"\n')
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "second")
    since = scan_repo(repo, ScanOptions(since=base, tree=False))
    assert [f.first.path for f in since.findings] == ["new.py"] and since.since == base
    (repo / "hook.py").write_text(f'T = "{staged}"\n')
    _git(repo, "add", "hook.py")
    only_staged = scan_repo(repo, ScanOptions(staged=True))
    assert [(f.first.path, f.sources) for f in only_staged.findings] == [("hook.py", ["staged"])]
    hook = subprocess.run([sys.executable, "-m", "wizard", "secrets", "--staged", str(repo)], capture_output=True,
                          text=True, timeout=60)
    assert hook.returncode == 1 and "hook.py" in hook.stdout and staged not in hook.stdout


def test_log_folders_are_scanned_as_their_own_target(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    leaked = token()
    (logs / "app.log").write_text("INFO start\n" * 500 + f"DEBUG calling github with token={leaked}\n")
    (logs / "old.log.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\0" * 64)  # binary: skipped, not decoded
    result = scan_repo(tmp_path / "nothing-here", ScanOptions(history=False, tree=False, paths=[logs]))
    assert [(f.rule, f.first.line, f.sources) for f in result.findings] == [("github-token", 501, ["log"])]
    assert "log files" in result.scanned and result.stats.skipped.get("binary") == 1


def test_scan_command_takes_secrets_since_and_staged(tmp_path):
    from wizard.commands import build_config

    config = build_config(None, None, tmp_path, None, None, None, None, False, False, secrets_since="v1.2", staged=True)
    assert config.secrets.since == "v1.2" and config.secrets.staged


# --------------------------------------------------------------------------- API for fetched bundles
def test_scan_text_finds_redacted_secrets_in_bundles_and_source_maps():
    import json

    secret = "sk_" + "live_" + "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(24))
    bundle = "!function(){" + "var a=1;" * 20000 + f'const s="{secret}";' + "}();"
    hits = scan_text(bundle, "https://app.example/static/main.js")
    assert [(h.rule, h.first.path, h.first.line) for h in hits] == [("stripe-secret-key", "https://app.example/static/main.js", 1)]
    assert secret not in json.dumps(hits[0].to_dict()) and hits[0].prefix == "sk_l" and hits[0].length == len(secret)
    smap = json.dumps({"version": 3, "sources": ["src/pay.ts"], "sourcesContent": [f"\n\nconst k = '{secret}';\n"]})
    hits = scan_text(smap, "https://app.example/static/main.js.map")
    assert [(h.first.path, h.first.line) for h in hits] == [("https://app.example/static/main.js.map!src/pay.ts", 3)]


def test_demo_bundle_plants_a_key_only_in_the_flawed_build():
    from wizard.demo.app import app_js

    flawed = scan_text(app_js(False), "/static/app.js")
    assert [h.rule for h in flawed] == ["sendgrid-api-key"]
    assert scan_text(app_js(True), "/static/app.js") == []  # the publishable key is a decoy


# --------------------------------------------------------------------------- the probe on the demo repo
@pytest.mark.parametrize("fixed", [False, True])
def test_demo_repo_findings_match_flaws_table(tmp_path, fixed):
    from wizard.audit import Audit
    from wizard.config import Config, Target
    from wizard.demo.flaws import FLAWS, matches
    from wizard.demo.repo import make_demo_repo

    demo = make_demo_repo(tmp_path / "demo", fixed=fixed)
    audit = Audit.start(Config(target=Target(repo=str(demo.path))), tmp_path / "s.json")
    audit.run_probes(only=["secrets"])
    findings = list(audit.session.findings.values()) if isinstance(audit.session.findings, dict) else audit.session.findings
    # the repository's planted secrets (F11-F17); the others are found by other probes (bundles, repo evidence)
    secret_flaws = [f for f in FLAWS if f.rule == "secrets.exposed" and f.id in {f"F{n}" for n in range(11, 18)}]
    if fixed:
        assert not [f for f in findings if f.status in (Status.FAIL, Status.WARN)]
        assert any(f.rule == "secrets.clean" and f.status is Status.PASS for f in findings)
        return
    for flaw in secret_flaws:
        assert any(matches(flaw, f) for f in findings), flaw.id
    exposed = [f for f in findings if f.rule == "secrets.exposed"]
    # decoys stay unreported; the one extra is the secret in the committed per-environment files (F18/F19)
    extra = [f for f in exposed if not any(matches(flaw, f) for flaw in secret_flaws)]
    assert [f.location.path for f in extra] == ["config/staging.env"]
    history_only = [f for f in exposed if f.data["rule"] in ("aws-access-key-id", "private-key")]
    assert all(not f.data["in_head"] and "history" in f.title for f in history_only)
    text = (tmp_path / "s.json").read_text()
    for p in demo.planted:
        for marker in p.leak_markers:
            assert marker not in text, p.kind
    assert "filter-repo" in exposed[0].fix and exposed[0].fix.index("Rotate") < exposed[0].fix.index("filter-repo")
