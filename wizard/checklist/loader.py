"""Read a checklist folder: `checklist.yaml` (index) plus one YAML file per item."""

from __future__ import annotations

from pathlib import Path

from wizard.checklist.schema import Checklist, Item
from wizard.errors import UserError
from wizard.yamlsource import load_yaml, validate_yaml

INDEX = "checklist.yaml"


def load_checklist(directory: Path | str) -> Checklist:
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError("checklist folder not found", where=str(directory))
    index_path = directory / INDEX
    data, node = load_yaml(index_path, "checklist index")
    if not isinstance(data, dict):
        raise UserError("the checklist index must be a mapping", where=f"{index_path}:1")
    checklist: Checklist = validate_yaml(Checklist, data, node, index_path)

    items: dict[str, Item] = {}
    item_files: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == INDEX:
            continue
        data, node = load_yaml(path, "checklist item")
        if not isinstance(data, dict):
            raise UserError("a checklist item must be a mapping", where=f"{path}:1")
        item: Item = validate_yaml(Item, data, node, path)
        if item.id in items:
            raise UserError(f"item id '{item.id}' is also used in {item_files[item.id].name}", where=f"{path}:1")
        items[item.id] = item
        item_files[item.id] = path

    for pos, item_id in enumerate(checklist.order):
        if item_id not in items:
            raise UserError(f"field 'order.{pos}': no item file defines '{item_id}'", where=str(index_path))
    for item_id, path in item_files.items():
        if item_id not in checklist.order:
            raise UserError(f"item '{item_id}' is not listed in {INDEX} 'order'", where=str(path))
    for entry in checklist.bar:
        for item_id in entry.items:
            if item_id not in items:
                raise UserError(f"bar entry '{entry.id}' names unknown item '{item_id}'", where=str(index_path))

    checklist.items = [items[i] for i in checklist.order]
    return checklist
