"""Cross-user writes (write tier only): can one test user change another test user's record?

Only records that a test account owns are touched (ids from that account's own list, never from a
role that sees everything), one text field at a time, with a marker value (`launch-ready-` + hex,
nothing that could execute). The owner changes its own record first and reads it back: if that
does not show, the cell is inconclusive. Then the other user sends the same change, and the owner
reads the record back: only a change that is really there is a bypass (some APIs answer 204 to a
cross-user write and change nothing). Every change is put back by the owner afterwards.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING

from wizard.inventory import Endpoint, template_key
from wizard.probes.authz.matrix import ALLOWED, BYPASSED, ENFORCED, INCONCLUSIVE, Cell, Row
from wizard.probes.authz.objects import fill

if TYPE_CHECKING:
    from wizard.probes.authz.expect import Expectation
    from wizard.probes.authz.probe import AuthzProbe

PREFERRED_FIELDS = ("note", "notes", "comment", "comments", "description", "memo", "title", "label", "nickname",
                    "display_name", "bio", "name")
_NEVER = re.compile(r"(^|_)(id|uuid|pk|owner|user|email|role|roles|password|pass|token|secret|status|state|type|"
                    r"admin|permission|permissions|scope|created|updated|deleted|url|slug|key)s?$", re.I)


def marker() -> str:
    return f"launch-ready-{secrets.token_hex(4)}"


def read_template(ep: Endpoint, endpoints: list[Endpoint]) -> str:
    """Where the record is read back: the GET of the same path, else of a parent path ending with an id."""
    gets = {template_key(e.path): e.path for e in endpoints if e.method == "GET"}
    path = ep.path
    while path:
        if template_key(path) in gets:
            return gets[template_key(path)]
        parent = path.rsplit("/", 1)[0]
        if not parent or not parent.endswith("}"):
            break
        path = parent
    return ep.path


def choose_field(record: dict, hinted: list[str]) -> str | None:
    text = [k for k, v in record.items() if isinstance(v, str) and not _NEVER.search(k)]
    for name in [h for h in hinted if h in text] + [p for p in PREFERRED_FIELDS if p in text]:
        return name
    return None


def unwrap(doc):
    """The record itself: `{"data": {...}}` and similar envelopes are opened."""
    for _ in range(2):
        if isinstance(doc, dict) and len(doc) <= 3:
            inner = next((doc[k] for k in ("data", "result", "item", "record") if isinstance(doc.get(k), dict)), None)
            if inner is not None:
                doc = inner
                continue
        break
    return doc if isinstance(doc, dict) else None


async def _read(probe: "AuthzProbe", role: str, path: str):
    out = await probe.req.send(role, "GET", path)
    try:
        doc = out.resp.json() if out.ok else None
    except ValueError:
        doc = None
    return out, unwrap(doc)


async def cross_user_writes(probe: "AuthzProbe", row: Row, ep: Endpoint, exp: "Expectation") -> None:
    req = probe.req
    read_tpl = read_template(ep, probe.ctx.endpoints)
    logged = [r for r in req.headers if r != "anonymous"]
    owned = {r: await probe.ids.owned(r, read_tpl) for r in logged}
    # victims: test accounts with records of their own that are not a see-everything role
    victims = [r for r in logged if owned[r] and r not in probe.privileged]
    if not victims:
        row.fill(list(req.headers), INCONCLUSIVE, "no test account with records of its own to use as the other user")
        return
    tried = False
    for victim in victims:
        target = owned[victim][0]
        write_path, read_path = fill(ep.path, target), fill(read_tpl, target)
        key = tuple(sorted(target.items()))
        attackers = [r for r in logged if r != victim and key not in {tuple(sorted(m.items())) for m in owned[r] or []}]
        if not attackers:
            continue
        before, record = await _read(probe, victim, read_path)
        field = choose_field(record or {}, ep.body_fields)
        if record is None or field is None:
            row.set(victim, Cell(INCONCLUSIVE, f"{read_path} gave no text field that is safe to change", kind="write",
                                 evidence=[req.line(victim, "GET", read_path, before)]))
            continue
        original = record[field]
        tried = True
        # the owner first: its own change must show when read back, or nothing can be judged
        mine = marker()
        own_write = await req.send(victim, ep.method, write_path, json={field: mine})
        _, after = await _read(probe, victim, read_path)
        own_ok = own_write.ok and after is not None and after.get(field) == mine
        if after is not None and after.get(field) != original:
            await req.send(victim, ep.method, write_path, json={field: original})
        own_line = req.line(victim, ep.method, write_path, own_write, f"owner sets '{field}', then reads it back")
        if not own_ok:
            row.fill(attackers + [victim], INCONCLUSIVE, f"the owner's own change to '{field}' did not show when read back")
            continue
        row.set(victim, Cell(ALLOWED, "changed its own record and read it back", kind="write", evidence=[own_line]))
        for attacker in attackers:
            theirs = marker()
            # some APIs apply a cross-user write to the caller's own record: remember it to put it back
            own_path = fill(read_tpl, owned[attacker][0]) if owned[attacker] else None
            own_before = (await _read(probe, attacker, own_path))[1] if own_path else None
            out = await req.send(attacker, ep.method, write_path, json={field: theirs})
            if own_path and own_before is not None and field in own_before:
                _, own_after = await _read(probe, attacker, own_path)
                if own_after is not None and own_after.get(field) == theirs:
                    await req.send(attacker, ep.method, fill(ep.path, owned[attacker][0]), json={field: own_before[field]})
            check, now = await _read(probe, victim, read_path)
            line = req.line(attacker, ep.method, write_path, out, f"sets '{field}' on {victim}'s record")
            check_line = req.line(victim, "GET", read_path, check, "the owner reads it back")
            if now is None:
                row.set(attacker, Cell(INCONCLUSIVE, f"{victim} could not read its record back", kind="write",
                                       evidence=[own_line, line, check_line]))
            elif now.get(field) == theirs:
                await req.send(victim, ep.method, write_path, json={field: original})
                row.set(attacker, Cell(BYPASSED, f"{victim}'s '{field}' took the value {attacker} sent "
                                                 f"(answered {out.resp.status if out.resp else '-'})", kind="write",
                                       evidence=[own_line, line, check_line + "; the change is there"]))
            else:
                status = out.resp.status if out.resp is not None else out.error
                row.set(attacker, Cell(ENFORCED, f"answered {status}, and {victim}'s record was unchanged when "
                                                 f"{victim} read it back", kind="write",
                                       evidence=[own_line, line, check_line + "; unchanged"]))
        break  # one victim record per route is enough
    if not tried:
        row.fill(list(req.headers), INCONCLUSIVE, "no pair of test accounts with separate records to try")
    row.fill(["anonymous"], "not_probed", "writes without a login are the authentication probe's check")
    row.fill(list(req.headers), "not_probed", "sees every record or owns the one tried: no cross-user write to test")
