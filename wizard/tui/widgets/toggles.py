"""Radio buttons and checkboxes whose state shows without colour: an empty box when off.

Textual draws the same mark for on and off and tells them apart by colour only, which a founder on a
greyscale projector or with colour-blindness cannot see.
"""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton


class ClearRadioButton(RadioButton):
    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual reads this class attribute name
        return "●" if self.value else " "


class ClearCheckbox(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802
        return "X" if self.value else " "
