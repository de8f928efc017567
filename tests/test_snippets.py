"""The fix snippet shown for an app's stack: the wizard and the PDF pick with the same rule."""

from dataclasses import dataclass

from wizard.snippets import pick_snippet


@dataclass
class Snip:
    stack: str


FIX = [Snip("express"), Snip("django"), Snip("flask")]


def test_the_apps_own_stack_first_then_any_then_its_language_then_the_first():
    assert pick_snippet(FIX, "django").stack == "django"
    assert pick_snippet(FIX + [Snip("any")], "rails").stack == "any"
    assert pick_snippet(FIX, "fastapi").stack == "django"  # Python for a Python app, not Express
    assert pick_snippet(FIX, "rails").stack == "express"
    assert pick_snippet(FIX, None).stack == "express"
    assert pick_snippet([], "django") is None
