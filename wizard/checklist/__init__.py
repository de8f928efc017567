"""Checklists are data: YAML items validated by a schema, loaded with line-accurate errors."""

from wizard.checklist.loader import load_checklist
from wizard.checklist.schema import BarEntry, Checklist, FixPath, Item, Question, QuestionKind, Settings

__all__ = ["BarEntry", "Checklist", "FixPath", "Item", "Question", "QuestionKind", "Settings", "load_checklist"]
