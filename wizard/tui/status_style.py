"""How statuses look on screen: a word and a colour (the word alone must carry the meaning)."""

from rich.text import Text

STYLE = {
    "pass": ("pass", "green"),
    "warn": ("warn", "yellow"),
    "fail": ("FAIL", "bold red"),
    "unknown": ("unknown", "magenta"),
    "skipped": ("skipped", "dim"),
    "n/a": ("n/a", "dim"),
    "pending": ("pending", "dim"),
    "running": ("running…", "cyan"),
    "needs answers": ("needs answers", "cyan"),
}


def status_text(status: str) -> Text:
    word, style = STYLE.get(status, (status, ""))
    return Text(word, style=style)
