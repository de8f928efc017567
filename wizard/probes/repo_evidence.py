"""Evidence from the repository beyond secrets: monitoring, audit logging, deployment and environments.

Repository evidence shows what is *configured*, never that it is live: a signal found is a `pass` for
that narrow claim only ("error tracking is started in the code"), and the questions and guided
verifications still decide whether humans see the alerts. A gap the code itself shows (an SDK
installed but never started, alert rules that route nowhere, admin actions that write no audit
record, a deploy with no way back) is a `warn`. Where the repository is silent about something
that usually lives in a web console (an uptime monitor, alert rules), no finding is made at all:
absence there is not evidence.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

from wizard.model import Finding, Location, Severity, Status
from wizard.probes.base import Probe, ProbeContext
from wizard.repointel import RepoIntel, RepoUnreadable, cached_analysis
from wizard.repointel.model import Signal

MAX_EVIDENCE = 8
_ROUTE_NAMES = {
    "slack_configs": "Slack", "pagerduty_configs": "PagerDuty", "opsgenie_configs": "Opsgenie",
    "email_configs": "email", "webhook_configs": "a webhook", "msteams_configs": "Microsoft Teams",
    "telegram_configs": "Telegram", "victorops_configs": "VictorOps", "pushover_configs": "Pushover",
    "discord_configs": "Discord", "sns_configs": "Amazon SNS", "pagerduty_service": "PagerDuty",
    "pagerduty_escalation_policy": "PagerDuty", "opsgenie_team": "Opsgenie", "opsgenie_integration": "Opsgenie",
    "grafana_contact_point": "a Grafana contact point", "aws_sns_topic_subscription": "an SNS subscription",
    "betteruptime_policy": "Better Stack on-call", "datadog_integration_slack_channel": "Slack",
    "newrelic_notification_destination": "a New Relic destination",
}


def _where(signals: list[Signal]) -> list[str]:
    return [f"{s.hit.where()}: {s.label}" + (f" ({s.hit.detail})" if s.hit.detail else "") for s in signals[:MAX_EVIDENCE]]


def _first_location(signals: list[Signal]) -> Location:
    return Location(path=signals[0].hit.path, line=signals[0].hit.line or None) if signals else Location()


def _names(items: list[str], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


class _RepoProbe(Probe):
    needs = ("repo",)

    def _root(self, ctx: ProbeContext) -> Path:
        root = ctx.config.resolve(ctx.config.target.repo)
        assert root is not None
        return root

    def not_applicable(self, ctx: ProbeContext) -> str | None:
        reason = super().not_applicable(ctx)
        if reason is None and not self._root(ctx).is_dir():
            return f"repository folder not found: {self._root(ctx)}"
        return reason

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        self.progress(ctx, "reading the repository (nothing is run)", 0.1)
        try:
            intel = await asyncio.to_thread(cached_analysis, self._root(ctx))
        except RepoUnreadable:
            return  # not_applicable() said so already; a folder removed mid-run is not this probe's story
        for finding in self.findings(intel, ctx):
            yield finding

    def findings(self, intel: RepoIntel, ctx: ProbeContext) -> list[Finding]:
        raise NotImplementedError


class RepoMonitoringProbe(_RepoProbe):
    id = "repo-monitoring"
    title = "Monitoring set up in the code: error tracking, uptime, alerts, failed logins"
    areas = ("monitoring", "repo")
    rules = ("monitoring.error-tracking", "monitoring.uptime-monitor", "monitoring.alert-routing",
             "monitoring.failed-login-logging")

    def findings(self, intel: RepoIntel, ctx: ProbeContext) -> list[Finding]:
        out = [self._error_tracking(intel)]
        for f in (self._uptime(intel, ctx), self._alerts(intel), self._failed_logins(intel)):
            if f is not None:
                out.append(f)
        return out

    def _error_tracking(self, intel: RepoIntel) -> Finding:
        inits = intel.of("error-tracking")
        if inits:
            return self.finding(
                "monitoring.error-tracking", Status.PASS,
                f"Error tracking is started in the code ({', '.join(intel.labels('error-tracking'))})",
                key="error-tracking", location=_first_location(inits), evidence=_where(inits),
                detail="This shows it is configured, not that errors arrive: check the tracker for recent "
                       "production events (the question below).",
            )
        if intel.error_tracking_installed:
            return self.finding(
                "monitoring.error-tracking", Status.WARN, "Error tracking is installed but never started",
                key="error-tracking",
                detail=f"{_names(intel.error_tracking_installed)} is a dependency, but no start-up call (such as "
                       "sentry_sdk.init or Sentry.init) was found in the code, so no error is reported.",
                fix="Call the tracker's init function once at start-up with its DSN from an environment variable, "
                    "tagged with the environment and release; then trigger a test error and find it in the tracker.",
            )
        return self.finding(
            "monitoring.error-tracking", Status.WARN, "No error tracking found in the code", key="error-tracking",
            detail="No error tracker (Sentry, Rollbar, Bugsnag, Datadog, New Relic, Honeybadger...) is installed or "
                   "started in this repository: a crash in production reaches nobody unless something outside the "
                   "code catches it.",
            fix="Add an error tracker (Sentry or similar) to the backend and the frontend, started at boot with its DSN "
                "from an environment variable, tagged with the environment and release.",
        )

    def _uptime(self, intel: RepoIntel, ctx: ProbeContext) -> Finding | None:
        monitors = intel.of("uptime-monitor")
        if not monitors:
            return None
        targets = intel.uptime_targets
        host = ctx.config.target.host if ctx.config.target.url else None
        aimed = [t for t in targets if host and urlsplit(t).hostname == host]
        detail = ("It checks the audited address." if aimed else
                  f"It checks {_names(targets)}." if targets else "We could not see which address it checks.")
        return self.finding(
            "monitoring.uptime-monitor", Status.PASS,
            f"Uptime monitor defined as code ({', '.join(intel.labels('uptime-monitor'))})",
            key="uptime-monitor", location=_first_location(monitors), evidence=_where(monitors),
            detail=detail + " Whether it alerts a person is for the alert challenge below.",
            data={"targets": targets[:10], "checks_audited_host": bool(aimed)},
        )

    def _alerts(self, intel: RepoIntel) -> Finding | None:
        rules, routes = intel.of("alert-rule"), intel.of("alert-route")
        if routes:
            details = intel.details("alert-route")
            channels = [d for d in details if d.startswith("#")]
            named = [_ROUTE_NAMES.get(d, d) for d in details if not d.startswith("#")] or intel.labels("alert-route")
            named = list(dict.fromkeys(named))
            where = _names(named) + (f" (channel {', '.join(channels)})" if channels else "")
            return self.finding(
                "monitoring.alert-routing", Status.PASS, f"Alerts are routed to {where}",
                key="alert-routing", location=_first_location(routes), evidence=_where(rules + routes),
                detail=(f"{len(rules)} alert rule(s) and " if rules else "") + f"{len(routes)} destination(s) found in the "
                       "repository. Whether a named person sees them is what the alert challenge proves.",
                data={"alert_routes": named + channels, "handover": {"alert_channel": f"From the repository: alerts go to {where}"}},
            )
        if rules:
            names = intel.details("alert-rule") or intel.labels("alert-rule")
            return self.finding(
                "monitoring.alert-routing", Status.WARN, "Alert rules exist but route nowhere",
                key="alert-routing", location=_first_location(rules), evidence=_where(rules),
                detail=f"{len(rules)} alert rule(s) ({_names(names)}) but no destination (an Alertmanager receiver, a "
                       "Slack channel, a pager, an SNS subscription, a contact point) anywhere in the repository: unless "
                       "routing is set up elsewhere, these alerts fire and nobody hears them.",
                fix="Route the alerts to one channel people watch (for example an Alertmanager receiver for a Slack "
                    "channel plus PagerDuty for urgent ones), name an owner, and send a test alert end to end.",
            )
        return None

    def _failed_logins(self, intel: RepoIntel) -> Finding | None:
        logged, logins = intel.of("failed-login-logging"), intel.of("login-handler")
        if logged:
            return self.finding(
                "monitoring.failed-login-logging", Status.PASS,
                f"Failed logins are logged or counted ({', '.join(intel.labels('failed-login-logging'))})",
                key="failed-login-logging", location=_first_location(logged), evidence=_where(logged),
            )
        if logins:
            return self.finding(
                "monitoring.failed-login-logging", Status.WARN, "Failed logins are not logged",
                key="failed-login-logging", location=_first_location(logins), evidence=_where(logins),
                detail="The app has its own login, but nothing in the code logs or counts failed attempts, so someone "
                       "guessing passwords goes unnoticed.",
                fix="Log every failed login (user name tried and IP, never the password) to a security log, and alert "
                    "when failures spike (for example more than 20 in 10 minutes).",
            )
        return None


class RepoAuditLogProbe(_RepoProbe):
    id = "repo-auditlog"
    title = "Audit logging in the code: an audit trail, and admin actions that write to it"
    areas = ("auditlog", "repo")
    rules = ("auditlog.audit-trail", "auditlog.admin-actions-covered")

    def findings(self, intel: RepoIntel, ctx: ProbeContext) -> list[Finding]:
        out = []
        trail, actions = intel.of("audit-trail"), intel.admin_actions
        unaudited = [a for a in actions if not a.audited]
        listing = [f"{a.hit.where()}: {a.name}" + (f" ({a.route})" if a.route and a.route not in a.name else "")
                   + ("" if a.audited else ": no audit call") for a in actions[:MAX_EVIDENCE]]
        if trail:
            out.append(self.finding(
                "auditlog.audit-trail", Status.PASS,
                f"An audit trail exists in the code ({_names(intel.labels('audit-trail'))})",
                key="audit-trail", location=_first_location(trail), evidence=_where(trail),
                detail="Whether each record carries who, what, which record, when (UTC), the request id and the outcome "
                       "is what the pasted log line check below shows.",
            ))
        elif actions:
            out.append(self.finding(
                "auditlog.audit-trail", Status.WARN, "No audit trail found in the code", key="audit-trail",
                location=Location(path=actions[0].hit.path, line=actions[0].hit.line), evidence=listing,
                detail=f"{len(actions)} admin action(s) change or export data, but the repository has no audit table, "
                       "audit model, audit library or dedicated audit logger.",
                fix="Add one audit helper that writes actor id, action type, target id, UTC timestamp, request id and "
                    "outcome to an audit log or append-only table, and call it from every admin action.",
            ))
        if actions and (trail or len(unaudited) < len(actions)):
            if unaudited:
                out.append(self.finding(
                    "auditlog.admin-actions-covered", Status.WARN,
                    f"{len(unaudited)} of {len(actions)} admin actions write no audit record",
                    key="admin-actions-covered",
                    location=Location(path=unaudited[0].hit.path, line=unaudited[0].hit.line), evidence=listing,
                    detail=f"Not audited: {_names([a.name for a in unaudited])}. After a bad change or a leak, nobody "
                           "could tell who did it.",
                    fix="Call the audit helper from each of these handlers, on success and on refusal.",
                    data={"unaudited": [a.name for a in unaudited], "actions": len(actions)},
                ))
            else:
                out.append(self.finding(
                    "auditlog.admin-actions-covered", Status.PASS,
                    f"Every admin action found writes an audit record ({len(actions)})", key="admin-actions-covered",
                    evidence=listing, data={"unaudited": [], "actions": len(actions)},
                ))
        return out


class RepoDeployProbe(_RepoProbe):
    id = "repo-deploy"
    title = "Deployment in the code: deploy and rollback path, environment variable inventory"
    areas = ("deploy", "repo")
    rules = ("deploy.rollback", "deploy.env-inventory")

    def findings(self, intel: RepoIntel, ctx: ProbeContext) -> list[Finding]:
        out = []
        deploys, rollbacks = intel.of("deploy"), intel.of("rollback")
        notes = []
        if intel.of("migrations"):
            notes.append(f"The database changes through {_names(intel.labels('migrations'))}: a rollback needs "
                         "migrations the previous release can still work with.")
        if intel.release_tags:
            notes.append(f"{len(intel.release_tags)} release tag(s), latest {intel.release_tags[-1]}.")
        facts = {"deploy": _where(deploys), "rollback": _where(rollbacks), "migrations": intel.labels("migrations"),
                 "containers": [h.name for h in intel.stack.hosting if h.kind == "container"],
                 "release_tags": intel.release_tags[-10:]}
        if deploys and rollbacks:
            how = f"{rollbacks[0].label} in {rollbacks[0].hit.where()}"
            out.append(self.finding(
                "deploy.rollback", Status.PASS, "The repository shows a way back to the previous release",
                key="rollback", location=_first_location(rollbacks), evidence=_where(deploys + rollbacks),
                detail=" ".join([f"Rollback: {how}."] + notes),
                data={**facts, "handover": {"rollback_steps": f"From the repository: {how}"}},
            ))
        elif deploys:
            out.append(self.finding(
                "deploy.rollback", Status.WARN, "Deploys exist, but the repository shows no way to roll back",
                key="rollback", location=_first_location(deploys), evidence=_where(deploys),
                detail=" ".join([f"Deploy: {_names([d.hit.where() for d in deploys])}. Nothing in the workflows, "
                                 "scripts or docs goes back to the previous release (no rollback job, no 'deploy this "
                                 "version' input, no rollback command or runbook)."] + notes),
                fix="Add a rollback path next to the deploy (a workflow that redeploys a chosen earlier release, or the "
                    "platform's rollback command), write its steps in the handover, and try it on staging.",
                data=facts,
            ))

        names = intel.env_var_names
        if names:
            undocumented = [v for v in intel.env_vars if not v.documented]
            evidence = [f"{v.name}: {', '.join(v.sources)}" for v in (undocumented or intel.env_vars)[:MAX_EVIDENCE]]
            data = {"env_vars": names, "undocumented": [v.name for v in undocumented],
                    "stack": {"frameworks": [f.name for f in intel.stack.frameworks], "languages": intel.stack.languages,
                              "hosting": [h.name for h in intel.stack.hosting], "ci": [c.name for c in intel.stack.ci]},
                    "handover": {"env_vars": "From the repository (names only): " + ", ".join(names)}}
            if undocumented:
                out.append(self.finding(
                    "deploy.env-inventory", Status.WARN,
                    f"{len(undocumented)} environment variable(s) the code reads are documented nowhere",
                    key="env-inventory", evidence=evidence, data=data,
                    detail=f"Undocumented: {_names([v.name for v in undocumented], 8)}. Someone setting up a new "
                           "environment will not know to set them. (Names only: no value was read.)",
                    fix="List every variable name (never its value) in .env.example or the deploy manifest, and in the "
                        "handover document.",
                ))
            else:
                out.append(self.finding(
                    "deploy.env-inventory", Status.PASS,
                    f"All {len(names)} environment variable names are documented",
                    key="env-inventory", evidence=evidence, data=data,
                    detail="Names only: no value was read. The list goes into the handover checklist.",
                ))
        return out


class RepoEnvironmentsProbe(_RepoProbe):
    id = "repo-environments"
    title = "Environment separation: committed .env files and secrets shared across environments"
    areas = ("secrets", "repo")
    rules = ("secrets.shared-across-environments", "secrets.env-file-committed")

    def findings(self, intel: RepoIntel, ctx: ProbeContext) -> list[Finding]:
        out = []
        for shared in intel.shared_secrets:
            envs = " and ".join(shared.environments)
            keys = sorted({h.detail for h in shared.places})
            places = [f"{h.where()} {h.detail} = {shared.redacted}" for h in shared.places[:MAX_EVIDENCE]]
            out.append(self.finding(
                "secrets.shared-across-environments", Status.FAIL, f"The same secret is used in {envs}",
                key=shared.fingerprint, severity=Severity.HIGH,
                detail=f"{_names(keys)} {'holds' if len(keys) == 1 else 'hold'} one value {shared.redacted} in the "
                       f"configuration for {envs}: a leak or a careless test in one environment opens the other.",
                location=Location(path=shared.places[0].path, line=shared.places[0].line or None),
                evidence=places,
                fix="Give every environment its own secrets: generate a new value for production, rotate the shared "
                    "one, and keep the values in each environment's settings or secret manager, not in the repository.",
                references=["OWASP ASVS 4.0.3 V14.1.3", "OWASP API8:2023 Security Misconfiguration"],
                data={"fingerprint": shared.fingerprint, "environments": shared.environments,
                      "red_flag": "secret-handling.separate-env-secrets"},
            ))
        if not intel.shared_secrets and intel.secrets_compared:
            envs = sorted(intel.environment_configs)
            out.append(self.finding(
                "secrets.shared-across-environments", Status.PASS,
                f"No secret is shared between {', '.join(envs)}", key="none-shared",
                detail=f"{intel.secrets_compared} secret value(s) in per-environment configuration compared by "
                       "fingerprint; none appears in two environments.",
                evidence=[f"{env}: {', '.join(paths)}" for env, paths in intel.environment_configs.items()][:MAX_EVIDENCE],
            ))

        with_secrets = [f for f in intel.env_files if f.secret_keys]
        for env_file in with_secrets:
            out.append(self.finding(
                "secrets.env-file-committed", Status.FAIL, f"{env_file.path} is committed with secret values",
                key=env_file.path, severity=Severity.CRITICAL if env_file.environment == "production" else Severity.HIGH,
                detail=f"{_names(env_file.secret_keys)}: anyone who can read the repository (and every clone of it) "
                       "has these values.",
                location=Location(path=env_file.path),
                evidence=[f"{env_file.path}: {k} = {env_file.redacted[k]}" for k in env_file.secret_keys[:MAX_EVIDENCE]],
                fix="Rotate these values now, delete the file from the repository (and its history), list it in "
                    ".gitignore, and set the values in the hosting platform or a secret manager.",
                data={"environment": env_file.environment, "keys": env_file.secret_keys},
            ))
        if intel.env_files and not with_secrets:
            out.append(self.finding(
                "secrets.env-file-committed", Status.PASS,
                "Committed environment files hold no secret values", key="env-files-clean",
                evidence=[f"{f.path}: {', '.join(f.keys[:8])}" for f in intel.env_files[:MAX_EVIDENCE]],
            ))
        return out
