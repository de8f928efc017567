"""Context help as data: what each screen is for and which keys work there."""

HELP: dict[str, str] = {
    "welcome": """\
Launch Ready checks whether an internal admin app is ready for production traffic.

- Resume: carry on with an audit you saved (it autosaves after every answer and result).
- Start a new audit: give the app's URL, the hosts you allow us to contact and, if you have
  it, the repository path. Nothing outside those hosts is ever contacted.
- Try the demo: a deliberately flawed admin app runs on this machine so you can see the whole
  flow, down to the PDF report, in a few minutes.

Keys: up/down (or j/k) move, enter opens, q quits, ctrl+p opens the command palette.""",
    "setup": """\
Describe the app to audit. Only the URL is required.

- Scope: the host names we may contact. The URL's host is always in it. Nothing else is
  requested, redirects included.
- Staging or production: checks that write test data only ever run on staging.
- Repository: a local git checkout; we read it (history included) to find leaked secrets.
- Roles: test accounts are given as the NAMES of environment variables holding the username
  and password, never the values. Example: admin:LR_ADMIN_USER:LR_ADMIN_PASS

Press "Test connection" to check the URL answers. tab moves between fields.""",
    "overview": """\
Every item of the checklist with its live status. Items marked * are on the launch bar: the
app is READY only when all of them pass.

Statuses: pass, warn, FAIL, unknown (nobody verified it yet), needs answers, skipped, n/a.

Keys: enter opens an item, r runs the automated checks, s skips an item, n marks it not
applicable, v reviews the verdict, e exports the report, ctrl+s saves, esc cancels a run.""",
    "item": """\
One checklist item: why it matters, what breaks, what the checks found (with evidence), how
to fix it, and the questions we cannot answer by probing.

Answer with the buttons or type and press enter; "Don't know" is a fine answer: it is recorded
as unknown together with how to find out. Notes are saved with the answer.

Keys: a jumps to the questions, [ and ] go to the previous/next item, s skip, n not applicable,
o changes the severity (consultants), d runs the revocation drill (on the access-revocation item),
esc goes back.""",
    "review": """\
The verdict: READY only when every launch-bar item passes. An unverified bar item makes the
app NOT READY until someone verifies it. Two or more red flags mean: bring in a senior engineer.

Select an answer and press enter to change it; the verdict updates when you come back.
Keys: e export the report, esc back.""",
    "export": """\
Choose the formats and the folder. The PDF is the handover report to share; JSON is for tools;
Markdown pastes into a ticket. Secrets are redacted in every format.""",
    "consent": """\
Some checks need to log in with a test account you named; on staging, some also change that
account's own records (and put them back). Each of the two is asked for on its own screen, which
lists exactly what will be sent. Accept to allow it for this run, or leave it out.""",
    "revocation": """\
The revocation drill answers "how fast can you cut off someone who leaves?". s opens a session as
the test account named in [revocation] role; then disable that account the way you would for a
leaver (SSO, the app's user page) and press d. The tool keeps trying the open session and records
how long it still worked. esc cancels; nothing is recorded then. Re-enable the account afterwards.""",
}
