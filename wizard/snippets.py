"""Which of a fix's code snippets to show for the app's stack: one rule for the wizard and the report."""

from __future__ import annotations

from typing import Protocol, Sequence, TypeVar

ANY_STACK = "any"  # a snippet that fits every stack (a proxy or DNS setting, a shell step)

# A stack's language, so a fix without a snippet for the app's own framework shows one in its language
# (a Flask snippet for a FastAPI app) before one in another language altogether.
STACK_LANGUAGE = {"django": "python", "flask": "python", "fastapi": "python", "starlette": "python",
                  "express": "javascript", "nextjs": "javascript", "rails": "ruby"}


class HasStack(Protocol):
    stack: str


S = TypeVar("S", bound=HasStack)


def pick_snippet(snippets: Sequence[S], stack: str | None) -> S | None:
    """The app's stack when the fix has it, else the stack-neutral one, else one in the stack's language,
    else the first."""
    stack = (stack or "").lower()
    for wanted in (stack, ANY_STACK):
        for s in snippets:
            if wanted and s.stack.lower() == wanted:
                return s
    language = STACK_LANGUAGE.get(stack)
    same_language = [s for s in snippets if language and STACK_LANGUAGE.get(s.stack.lower()) == language]
    return same_language[0] if same_language else (snippets[0] if snippets else None)
