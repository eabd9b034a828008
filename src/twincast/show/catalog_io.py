"""Load a catalog from YAML, JSON or CSV; every mistake names file, line and field.

Why line numbers: shop staff edit catalogs by hand minutes before a stream. "products.3.price:
Input should be a valid number" is useless to them; "shop.yaml:57 (product air-fryer) price:
'三百' is not a number - write a plain number such as 349" is a fix they can make. YAML and JSON
positions come from PyYAML's composed node tree (JSON is YAML for this purpose); CSV lines are
the reader's own. The CSV layout is flat (one product per row; lists split by ``|``) and is
described in :data:`CSV_COLUMNS` and docs/answers.md.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import ValidationError

from ..errors import TwincastError
from ..image_limits import check_image_size
from ..yaml_limits import load_yaml
from .catalog import Catalog, Product

_SAMPLE = Path(__file__).resolve().parents[1] / "assets" / "catalog" / "sample.yaml"
MAX_ERRORS = 8
MAX_CATALOG_BYTES = 20_000_000  # a catalog of 10,000 products is ~10 MB of YAML


def sample_catalog_path() -> Path:
    return _SAMPLE


def load_catalog(path: Optional[Path | str] = None) -> Catalog:
    """Load ``path`` (default: the bundled sample) by its suffix: .yaml/.yml, .json or .csv.
    The size and YAML aliases are bounded; image paths must stay inside the catalog's folder
    (the viewer page serves them) and be pictures small enough to decode."""
    path = Path(path) if path else _SAMPLE
    if not path.is_file():
        raise TwincastError(f"catalog file not found: {path}",
                            "pass an existing .yaml, .json or .csv file with --catalog")
    if path.stat().st_size > MAX_CATALOG_BYTES:
        raise TwincastError(f"catalog {path} is {path.stat().st_size / 1e6:.0f} MB (limit "
                            f"{MAX_CATALOG_BYTES // 1_000_000} MB)", "split it into several catalogs")
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8-sig")
    lines: dict = {}
    if suffix in (".yaml", ".yml"):
        data, lines = _parse_yaml(path, text)
        cat = _validate(path, data, lambda loc: _line_for(lines, loc), _yaml_field)
    elif suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TwincastError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}, column {exc.colno})",
                                "fix the JSON syntax at that position (quotes, commas, brackets)") from None
        lines = _node_lines(text)
        cat = _validate(path, data, lambda loc: _line_for(lines, loc), _yaml_field)
    elif suffix == ".csv":
        data, row_lines = _parse_csv(path, text)
        lines = {("products", i): line for i, line in row_lines.items()}
        cat = _validate(path, data, lambda loc: row_lines.get(loc[1]) if len(loc) > 1 else None, _csv_field)
    else:
        raise TwincastError(f"unsupported catalog format {path.suffix!r} ({path})",
                            "use a .yaml, .json or .csv file")
    cat._source = path.resolve()
    folder = path.resolve().parent
    for i, p in enumerate(cat.products):
        for j, (rel, full) in enumerate(zip(p.images, cat.image_paths(p))):
            line = _line_for(lines, ("products", i, "images", j))
            where = f"{path}:{line}" if line else str(path)
            if Path(rel).is_absolute() or not full.is_relative_to(folder):
                raise TwincastError(f"{where}: product {p.id!r} field 'images': {rel!r} is outside the catalog's "
                                    f"folder {folder}",
                                    "put the picture in the catalog's folder (or a subfolder) and give its "
                                    "relative path, e.g. images/earbuds.png")
            if not full.is_file():
                raise TwincastError(f"{where}: product {p.id!r} image {rel!r} does not exist "
                                    f"(looked in {folder})",
                                    "image paths are relative to the catalog file: fix the path or add the file")
            check_image_size(full, f"{where}: product {p.id!r} field 'images'")
    return cat


# ---------------------------------------------------------------- YAML / JSON positions
def _parse_yaml(path: Path, text: str) -> tuple[Any, dict]:
    """Data and line map of a YAML catalog; aliases are limited (yaml_limits) *before* the line
    map or the validation walks the tree, which a 287-byte alias bomb would blow up to GBs."""
    try:
        data = load_yaml(text, str(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise TwincastError(f"{where}: not valid YAML ({problem})",
                            "check indentation and that every 'key: value' has a space after the colon") from None
    return data, _node_lines(text)


def _node_lines(text: str) -> dict[tuple, int]:
    """Map every key path (('products', 2, 'price')) to its 1-based line in the source."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    out: dict[tuple, int] = {}

    def walk(node, path: tuple) -> None:
        out.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = path + (key.value,)
                out[sub] = key.start_mark.line + 1
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    if root is not None:
        walk(root, ())
    return out


def _line_for(lines: dict[tuple, int], loc: tuple) -> Optional[int]:
    """Line of ``loc`` or of its nearest ancestor (a missing field points at its parent)."""
    for n in range(len(loc), -1, -1):
        if tuple(loc[:n]) in lines:
            return lines[tuple(loc[:n])]
    return None


def _yaml_field(loc: tuple) -> str:
    return ".".join(str(p) for p in loc[2:]) if len(loc) > 2 else ""


# ---------------------------------------------------------------- validation -> messages
def _validate(path: Path, data: Any, line_of, field_of) -> Catalog:
    if not isinstance(data, dict) or "products" not in data:
        raise TwincastError(f"{path}:1: a catalog needs a top-level 'products' list",
                            "start the file with 'products:' and one entry per product (see the sample catalog)")
    try:
        return Catalog.model_validate(data)
    except ValidationError as exc:
        products = data.get("products") if isinstance(data.get("products"), list) else []
        msgs, fixes = [], []
        for err in exc.errors()[:MAX_ERRORS]:
            loc = tuple(err["loc"])
            line = line_of(loc)
            where = f"{path}:{line}" if line else str(path)
            who = ""
            if len(loc) > 1 and loc[0] == "products" and isinstance(loc[1], int) and loc[1] < len(products):
                item = products[loc[1]]
                pid = item.get("id") if isinstance(item, dict) else None
                who = f" product {pid!r}" if pid else f" product #{loc[1] + 1}"
            field = field_of(loc) if loc and loc[0] == "products" else ".".join(map(str, loc))
            shown = f" field '{field}'" if field else ""
            value = f" (got {err['input']!r})" if err["type"] not in ("missing",) and _short(err.get("input")) else ""
            msgs.append(f"{where}:{who}{shown}: {_clean(err['msg'])}{value}")
            fixes.append(_fix_for(err, field))
        more = len(exc.errors()) - MAX_ERRORS
        if more > 0:
            msgs.append(f"... and {more} more")
        missing = [f.split("'")[1] for f in fixes if f.startswith("add '")]
        fixes = [f for f in fixes if not f.startswith("add '")]
        if missing:
            fixes.insert(0, f"add the missing field(s) {', '.join(dict.fromkeys(missing))} (the sample catalog shows "
                            "every field: twincast/assets/catalog/sample.yaml)")
        raise TwincastError("invalid catalog:\n  " + "\n  ".join(msgs), "; ".join(dict.fromkeys(fixes))) from None


def _short(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) and len(str(value)) <= 40


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _fix_for(err: dict, field: str) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    name = field.split(".")[-1] if field else "it"
    if kind == "missing":
        return f"add '{name}'"
    if kind == "extra_forbidden":
        return f"remove '{name}' or correct its spelling"
    if kind.startswith(("float", "int")) and "parsing" in kind or kind in ("float_type", "int_type"):
        return f"write '{name}' as a plain number such as 199 or 199.9 (no currency sign or words)"
    if kind in ("greater_than", "greater_than_equal", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        return f"give '{name}' a value {kind.replace('_', ' ')} {bound}"
    if kind == "too_short":
        return f"give '{name}' at least one entry"
    if kind == "literal_error":
        return f"set '{name}' to one of: {ctx.get('expected', '')}"
    if kind == "bool_parsing":
        return f"write '{name}' as true or false"
    return "correct the value as the message before it says"


# ---------------------------------------------------------------- CSV
# One product per row. List cells split on "|"; zh and en lists must have equal length.
CSV_COLUMNS = [
    "id", "link", "name_zh", "name_en", "brand", "category_zh", "category_en", "aliases_zh", "aliases_en",
    "price", "promo_price", "currency", "stock", "specs_zh", "specs_en", "selling_points_zh",
    "selling_points_en", "faq_zh", "faq_en", "gifts_zh", "gifts_en", "sizes", "colours_zh", "colours_en",
    "ships_to_zh", "ships_to_en", "free_shipping", "shipping_fee", "ships_within_hours", "carrier_zh",
    "carrier_en", "shipping_exceptions", "returns_days", "no_reason_returns", "warranty_months",
    "after_sales_note_zh", "after_sales_note_en", "images",
]
# pydantic field path (after products.N) -> CSV column, for error messages.
_CSV_FIELD = {
    ("shipping", "ships_to"): "ships_to_zh/ships_to_en", ("shipping", "free"): "free_shipping",
    ("shipping", "fee"): "shipping_fee", ("shipping", "ships_within_hours"): "ships_within_hours",
    ("shipping", "carrier"): "carrier_zh/carrier_en", ("shipping", "exceptions"): "shipping_exceptions",
    ("shipping",): "free_shipping/shipping_fee", ("after_sales", "note"): "after_sales_note_zh/en",
    ("after_sales",): "returns_days", ("selling_points",): "selling_points_zh/en",
}


def _csv_field(loc: tuple) -> str:
    rest = tuple(p for p in loc[2:] if not isinstance(p, int))
    for n in range(len(rest), 0, -1):
        if rest[:n] in _CSV_FIELD:
            return _CSV_FIELD[rest[:n]]
    if not rest:
        return ""
    if rest[0] == "after_sales" and len(rest) > 1:
        return rest[1]
    if len(rest) > 1 and rest[-1] in ("zh", "en"):
        return f"{rest[0]}_{rest[-1]}"
    return rest[0] if rest[0] in CSV_COLUMNS else f"{rest[0]}_zh/{rest[0]}_en"


def _split(cell: str) -> list[str]:
    return [p.strip() for p in (cell or "").split("|") if p.strip()]


def _pairs(zh: list, en: list, column: str, where: str) -> list[tuple]:
    if len(zh) != len(en):
        raise TwincastError(f"{where}: column '{column}_zh' has {len(zh)} items but '{column}_en' has {len(en)}",
                            "separate items with | and give each one in both languages, in the same order")
    return list(zip(zh, en))


def _kv(item: str, sep: str, column: str, where: str) -> tuple[str, str]:
    if sep not in item:
        raise TwincastError(f"{where}: item {item!r} in column '{column}' has no '{sep.strip()}'",
                            f"write each item as 'key{sep}value'")
    a, b = item.split(sep, 1)
    return a.strip(), b.strip()


def _row_to_product(row: dict, where: str) -> dict:
    g = lambda c: (row.get(c) or "").strip()  # noqa: E731
    t = lambda zh, en: {"zh": zh, "en": en}  # noqa: E731
    out: dict[str, Any] = {"id": g("id"), "name": t(g("name_zh"), g("name_en")),
                           "category": t(g("category_zh"), g("category_en")),
                           "aliases": {"zh": _split(g("aliases_zh")), "en": _split(g("aliases_en"))},
                           "price": g("price"), "stock": g("stock"), "currency": g("currency") or "CNY"}
    for opt in ("link", "promo_price", "brand"):
        if g(opt):
            out[opt] = g(opt)
    out["selling_points"] = [t(a, b) for a, b in _pairs(_split(g("selling_points_zh")),
                                                         _split(g("selling_points_en")), "selling_points", where)]
    out["gifts"] = [t(a, b) for a, b in _pairs(_split(g("gifts_zh")), _split(g("gifts_en")), "gifts", where)]
    out["colours"] = [t(a, b) for a, b in _pairs(_split(g("colours_zh")), _split(g("colours_en")), "colours", where)]
    specs = _pairs(_split(g("specs_zh")), _split(g("specs_en")), "specs", where)
    out["specs"] = []
    for zh, en in specs:
        (kz, vz), (ke, ve) = _kv(zh, "=", "specs_zh", where), _kv(en, "=", "specs_en", where)
        out["specs"].append({"key": t(kz, ke), "value": t(vz, ve)})
    out["faq"] = []
    for zh, en in _pairs(_split(g("faq_zh")), _split(g("faq_en")), "faq", where):
        (qz, az), (qe, ae) = _kv(zh, "=>", "faq_zh", where), _kv(en, "=>", "faq_en", where)
        out["faq"].append({"q": t(qz, qe), "a": t(az, ae)})
    out["sizes"] = [_size(s, where) for s in _split(g("sizes"))]
    shipping: dict[str, Any] = {"free": g("free_shipping") or "true", "ships_within_hours": g("ships_within_hours"),
                                "exceptions": [_exception(e, where) for e in _split(g("shipping_exceptions"))]}
    if g("shipping_fee"):
        shipping["fee"] = g("shipping_fee")
    if g("ships_to_zh") or g("ships_to_en"):
        shipping["ships_to"] = t(g("ships_to_zh"), g("ships_to_en"))
    if g("carrier_zh") or g("carrier_en"):
        shipping["carrier"] = t(g("carrier_zh"), g("carrier_en"))
    out["shipping"] = shipping
    after: dict[str, Any] = {"returns_days": g("returns_days"), "no_reason_returns": g("no_reason_returns") or "true",
                             "warranty_months": g("warranty_months") or "0"}
    if g("after_sales_note_zh") or g("after_sales_note_en"):
        after["note"] = t(g("after_sales_note_zh"), g("after_sales_note_en"))
    out["after_sales"] = after
    out["images"] = _split(g("images"))
    return out


def _size(cell: str, where: str) -> dict:
    """'L[170-178cm,65-75kg]' or plain 'L'."""
    name, _, rest = cell.partition("[")
    size: dict[str, Any] = {"name": name.strip()}
    for part in rest.rstrip("]").split(","):
        part = part.strip()
        if not part:
            continue
        unit = "height_cm" if part.endswith("cm") else "weight_kg" if part.endswith("kg") else None
        lo, _, hi = part.removesuffix("cm").removesuffix("kg").partition("-")
        if unit is None or not lo.strip().isdigit() or not hi.strip().isdigit():
            raise TwincastError(f"{where}: size {cell!r} in column 'sizes' is not understood",
                                "write sizes as NAME or NAME[155-165cm,45-55kg], separated by |")
        size[unit] = [int(lo), int(hi)]
    return size


def _exception(cell: str, where: str) -> dict:
    """'no_ship:香港/Hong Kong,澳门/Macau' or 'extra_fee 10:新疆/Xinjiang'."""
    head, sep, regions = cell.partition(":")
    rule, _, fee = head.strip().partition(" ")
    if not sep or rule not in ("no_ship", "extra_fee"):
        raise TwincastError(f"{where}: shipping exception {cell!r} is not understood",
                            "write 'no_ship:区域/Region,...' or 'extra_fee 10:区域/Region,...', separated by |")
    items = []
    for r in regions.split(","):
        zh, _, en = r.strip().partition("/")
        items.append({"zh": zh.strip(), "en": (en or zh).strip()})
    out: dict[str, Any] = {"rule": rule, "regions": items}
    if fee.strip():
        out["fee"] = fee.strip()
    return out


def _parse_csv(path: Path, text: str) -> tuple[dict, dict[int, int]]:
    reader = csv.DictReader(text.splitlines())
    unknown = [c for c in (reader.fieldnames or []) if c not in CSV_COLUMNS]
    if not reader.fieldnames or "id" not in reader.fieldnames:
        raise TwincastError(f"{path}:1: the CSV header has no 'id' column",
                            f"the first line must name the columns: {', '.join(CSV_COLUMNS)}")
    if unknown:
        raise TwincastError(f"{path}:1: unknown CSV column(s): {', '.join(unknown)}",
                            f"remove them or correct the spelling; known columns: {', '.join(CSV_COLUMNS)}")
    products, lines = [], {}
    for row in reader:
        if not any((v or "").strip() for v in row.values()):
            continue
        lines[len(products)] = reader.line_num
        products.append(_row_to_product(row, f"{path}:{reader.line_num}"))
    return {"products": products}, lines


def export_csv(catalog: Catalog, path: Path) -> Path:
    """Write ``catalog`` in the flat CSV layout (for spreadsheets and the loader tests)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        w.writeheader()
        for p in catalog.products:
            w.writerow(_product_row(p))
    return path


def export_json(catalog: Catalog, path: Path) -> Path:
    path.write_text(json.dumps(catalog.model_dump(mode="json", exclude_none=True), ensure_ascii=False, indent=1),
                    encoding="utf-8")
    return path


def _num(v: Optional[float]) -> str:
    return "" if v is None else f"{v:g}"


def _product_row(p: Product) -> dict:
    j = lambda items: "|".join(items)  # noqa: E731
    sizes = []
    for s in p.sizes:
        parts = ([f"{s.height_cm[0]}-{s.height_cm[1]}cm"] if s.height_cm else []) + \
                ([f"{s.weight_kg[0]}-{s.weight_kg[1]}kg"] if s.weight_kg else [])
        sizes.append(s.name + (f"[{','.join(parts)}]" if parts else ""))
    exc = []
    for e in p.shipping.exceptions:
        head = e.rule + (f" {e.fee:g}" if e.fee else "")
        exc.append(head + ":" + ",".join(f"{r.zh}/{r.en}" for r in e.regions))
    sh, af = p.shipping, p.after_sales
    return {
        "id": p.id, "link": p.link or "", "name_zh": p.name.zh, "name_en": p.name.en, "brand": p.brand or "",
        "category_zh": p.category.zh, "category_en": p.category.en, "aliases_zh": j(p.aliases.zh),
        "aliases_en": j(p.aliases.en), "price": _num(p.price), "promo_price": _num(p.promo_price),
        "currency": p.currency, "stock": p.stock,
        "specs_zh": j(f"{s.key.zh}={s.value.zh}" for s in p.specs),
        "specs_en": j(f"{s.key.en}={s.value.en}" for s in p.specs),
        "selling_points_zh": j(s.zh for s in p.selling_points), "selling_points_en": j(s.en for s in p.selling_points),
        "faq_zh": j(f"{f.q.zh} => {f.a.zh}" for f in p.faq), "faq_en": j(f"{f.q.en} => {f.a.en}" for f in p.faq),
        "gifts_zh": j(g.zh for g in p.gifts), "gifts_en": j(g.en for g in p.gifts), "sizes": j(sizes),
        "colours_zh": j(c.zh for c in p.colours), "colours_en": j(c.en for c in p.colours),
        "ships_to_zh": sh.ships_to.zh, "ships_to_en": sh.ships_to.en, "free_shipping": str(sh.free).lower(),
        "shipping_fee": _num(sh.fee) if sh.fee else "", "ships_within_hours": sh.ships_within_hours,
        "carrier_zh": sh.carrier.zh if sh.carrier else "", "carrier_en": sh.carrier.en if sh.carrier else "",
        "shipping_exceptions": j(exc), "returns_days": af.returns_days,
        "no_reason_returns": str(af.no_reason_returns).lower(), "warranty_months": af.warranty_months,
        "after_sales_note_zh": af.note.zh if af.note else "", "after_sales_note_en": af.note.en if af.note else "",
        "images": j(p.images),
    }
