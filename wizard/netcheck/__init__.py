"""TLS, DNS and email-authentication checks as plain functions, apart from the probes that run them.

- `targets`: which hosts and names are in scope, and the resolver to ask (`dns_server` or the system's).
- `dnsquery`: one DNS client (dnspython) whose answers say ok / no such name / no data / could not ask.
- `tlsconn`: TLS handshakes with the standard `ssl` module; `certs`: judging certificates (`cryptography`).
- `tlscheck`, `dnscheck`, `emailcheck` (with `spf`, `dmarc`, `dkim`): turn answers into `Outcome`s.
- `data/`: the curated lists (takeover-prone platforms, DKIM selector guesses, CA names for CAA).

The probes in `wizard/probes/{tls,dns,email}.py` only turn `Outcome`s into findings.
"""
