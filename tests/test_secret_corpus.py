"""The labelled corpus: recall and precision of the secret scan, and no output carrying a secret."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from secret_corpus import Corpus, make_corpus
from wizard.secretscan import ScanOptions, scan_repo


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    return make_corpus(tmp_path_factory.mktemp("corpus") / "repo")


@pytest.fixture(scope="module")
def result(corpus):
    return scan_repo(corpus.path, ScanOptions(explain=True))


def _matches(secret: str, planted: str) -> bool:
    # a PEM or PuTTY block is reported whole; the label may be the block or its private part
    return secret == planted or (len(planted) >= 12 and planted in secret)


def leak_markers(corpus: Corpus) -> list[str]:
    """Every planted value, and each line of multi-line ones (a PEM body line alone is a leak)."""
    out = []
    for p in corpus.planted:
        out.append(p.value)
        for part in p.value.replace("\\n", "\n").splitlines():
            if len(part) >= 16 and not part.startswith("-----"):
                out.append(part)
    return out


def test_corpus_covers_kinds_file_types_and_history(corpus):
    kinds = {p.kind for p in corpus.planted}
    paths = [p.path for p in corpus.planted]
    assert len(corpus.planted) >= 60 and len(kinds) >= 30 and len(corpus.decoys) >= 60
    for suffix in (".py", ".go", ".ts", ".env", ".yaml", ".json", ".ipynb", ".min.js", ".map", ".toml", ".sql", ".npmrc"):
        assert any(p.endswith(suffix) for p in paths), suffix
    assert sum(p.history_only for p in corpus.planted) >= 4
    assert any(p.startswith("dist/") for p in paths)  # ignored build output


def test_recall_and_precision_at_least_95_percent(corpus, result):
    secrets = [f._secret for f in result.findings]
    found = [p for p in corpus.planted if any(_matches(s, p.value) for s in secrets)]
    true_pos = [f for f in result.findings if any(_matches(f._secret, p.value) for p in corpus.planted)]
    recall = len(found) / len(corpus.planted)
    precision = len(true_pos) / len(result.findings)
    missed = sorted({p.kind for p in corpus.planted} - {p.kind for p in found})
    false = [(f.rule, f.first.path, f.first.line) for f in result.findings if f not in true_pos]
    print(f"\ncorpus: {len(corpus.planted)} planted ({len({p.kind for p in corpus.planted})} kinds, "
          f"{len({f.rule for f in true_pos})} distinct scanner rules fired), "
          f"{len(corpus.decoys)} decoys; recall {recall:.3f}, precision {precision:.3f}; missed {missed}; false {false}")
    assert recall >= 0.95, missed
    assert precision >= 0.95, false


def test_no_decoy_is_reported(corpus, result):
    reported = {(o.path, o.line) for f in result.findings for o in f.occurrences}
    for path, text in corpus.decoys:
        lines = (corpus.path / path).read_text().splitlines()
        line_no = lines.index(text) + 1
        assert (path, line_no) not in reported, (path, text[:40])


def test_history_only_secrets_name_their_first_commit(corpus, result):
    for p in (p for p in corpus.planted if p.history_only):
        f = next(f for f in result.findings if _matches(f._secret, p.value))
        assert f.in_history and not f.in_head and not f.in_working_tree, p.kind
        assert f.first.path == p.path and f.first_commit and f.first_date.startswith("2024-05-02"), p.kind


def test_secrets_in_head_are_marked_still_present(corpus, result):
    f = next(f for f in result.findings if f.rule == "stripe-secret-key" and f.first.path == "app/settings.py")
    assert f.in_head and f.in_working_tree and f.in_history and f.first_commit


def test_build_output_counts_as_client_side(corpus, result):
    f = next(f for f in result.findings if f.first.path.startswith("dist/"))
    assert f.client_side and f.sources == ["build"]


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wizard", "secrets", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_no_output_format_carries_a_planted_value(corpus, result, tmp_path):
    from wizard.config import Config, Target
    from wizard.probes.secrets import secret_finding

    outputs = {}
    for fmt in ("text", "json", "sarif"):
        run = _cli(str(corpus.path), "--explain", "--format", fmt)
        assert run.returncode == 1, run.stderr
        outputs[f"cli-{fmt}"] = run.stdout + run.stderr
        if fmt != "text":
            json.loads(run.stdout)
    findings = [secret_finding("secrets", f) for f in result.findings]
    outputs["finding-json"] = json.dumps([f.model_dump(mode="json") for f in findings])
    outputs["results-dict"] = json.dumps([f.to_dict() for f in result.findings])
    outputs["explain"] = json.dumps([d.__dict__ for d in result.dropped])
    # the whole audit path: probe -> engine -> session file on disk
    from wizard.audit import Audit

    audit = Audit.start(Config(target=Target(repo=str(corpus.path))), tmp_path / "s.json")
    audit.run_probes(only=["secrets"])
    outputs["session"] = (tmp_path / "s.json").read_text()
    assert '"secrets.exposed"' in outputs["session"]
    markers = leak_markers(corpus)
    for name, text in outputs.items():
        leaked = [m[:6] + "…" for m in markers if m in text]
        assert not leaked, f"{name} leaks {leaked}"
    assert "REDACTED" in outputs["cli-text"] and "REDACTED" in outputs["finding-json"]


def test_sarif_locations_carry_path_line_and_commit(corpus):
    doc = json.loads(_cli(str(corpus.path), "--format", "sarif").stdout)
    results = doc["runs"][0]["results"]
    assert results and all(r["ruleId"].startswith("secrets.") for r in results)
    loc = next(r for r in results if "commit" in r["locations"][0].get("properties", {}))["locations"][0]
    assert loc["physicalLocation"]["region"]["startLine"] >= 1 and len(loc["properties"]["commit"]) == 40


def test_stdlib_re_fallback_finds_the_same_secrets(corpus, result):
    import os

    run = subprocess.run([sys.executable, "-m", "wizard", "secrets", str(corpus.path), "--format", "json"],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "LAUNCH_READY_REGEX": "re"})
    fingerprints = {f["fingerprint"] for f in json.loads(run.stdout)["findings"]}
    assert fingerprints == {f.fingerprint for f in result.findings}
