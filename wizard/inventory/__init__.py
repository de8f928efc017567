"""The endpoint inventory: which routes the app has, from every source the person gives.

Sources, one module each: a plain list (`plainlist`), OpenAPI 3 / Swagger 2 (`openapi`, fetched or
discovered on the live app by `discover`), Postman v2.1 (`postman`), HAR recordings (`har`) and
routes read statically from the repo (`source/`). `load` merges them by method + path template,
adds tags from path words (`tags`) and applies the person's own tags and exclusions.
"""

from wizard.inventory.load import build_inventory, load_inventory, route_matches
from wizard.inventory.model import Endpoint, merge, normalise_path, template_key
from wizard.inventory.plainlist import parse_list

__all__ = ["Endpoint", "build_inventory", "load_inventory", "merge", "normalise_path", "parse_list",
           "route_matches", "template_key"]
