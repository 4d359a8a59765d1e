#!/usr/bin/env python3
"""Writes the committed seed corpus (fuzz/corpus/<target>/seed_*) from ../flows.

Run from fuzz/ after the shipped flows change: python3 make_seeds.py (needs PyYAML).
libFuzzer adds its own findings beside the seeds; .gitignore keeps those out of git.
"""
import hashlib
import pathlib

import yaml

FLOWS = pathlib.Path(__file__).resolve().parent.parent / "flows"
CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"
SPECIAL = ["terminal", "catalogue", "params", "texts"]


def is_special(stem):
    """Named as the loader's file_kind names terminal, catalogue, params and texts files."""
    if stem in ("terminal", "catalogue"):
        return True
    return any(stem == k or stem.startswith(k + ".") or stem.startswith(k + "_") for k in ("params", "texts"))

# load_any picks a file's name by its first byte: see fuzz_targets/load_any.rs.
NAME_BYTE = {"terminal": 0x01, "catalogue": 0x02, "params": 0x03, "texts": 0x04, "flow": 0x05}
MAX_SEEDS = 150
EXPR_KEYS = {"if", "enabled", "visible", "items", "timeout", "currency", "guard"}

# Expressions and texts over the variables of atmflow_fuzz::Vars, reaching every function.
EXTRA_EXPRS = [
    "amount + money(20.10, 'ALL') > 500 ALL and not ok",
    "n * 3 - 2 / 4 % 5 == 1 or n != 7",
    "length(pin) == 4 and matches(pin, '[0-9]{4,6}')",
    "is_empty(name) or is_empty(empty) or contains(presets, 500 ALL)",
    "mask(name, 2) + upper(currency) + lower('ÀB') + to_text(n)",
    "format_money(amount) + format_date(add_days(day, 30))",
    "days_between(day, date(2027, 1, 31)) >= 0",
    "min(n, 3) + max(2, n) + round(n / 3, 2) + sum([1, 2, 3])",
    "sum(presets) == money(1500, 'ALL')",
    "if(ok, accounts[0].balance, accounts[1].balance)",
    "is_multiple(amount, 500 ALL)",
    "{a: 1, b: [name, 'x'], c: {d: day}}.c.d == today()",
    "accounts[n - 6].currency == 'EUR'",
    "-(-big) * 2",
    "account.balance.amount",
    "[] == empty",
    "\"dq \\\" text\" + 'sq \\' text'",
    "((((((n))))))",
]
EXTRA_TEMPLATES = [
    "Hello {name}, you have {format_money(amount)} on {format_date(day)}.",
    "{{literal}} braces and {n + 1} and {if(ok, 'yes', 'no')}",
    "{accounts[0].id}: {format_money(accounts[0].balance)}",
    "PIN has {length(pin)} digits",
    "{ {a: 1}.a }",
    "Record {'{'} and {\"}\"}",
]


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / f"seed_{name}").write_bytes(data)


def walk(node, key, exprs, templates):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "set" and isinstance(v, dict):
                exprs.extend(str(x) for x in v.values() if isinstance(x, str))
            elif k == "args" and isinstance(v, dict):
                exprs.extend(str(x) for x in v.values() if isinstance(x, str))
            elif k == "texts" and isinstance(v, dict):
                for by_lang in v.values():
                    if isinstance(by_lang, dict):
                        templates.extend(t for t in by_lang.values() if isinstance(t, str))
            else:
                walk(v, k, exprs, templates)
    elif isinstance(node, list):
        for item in node:
            walk(item, key, exprs, templates)
    elif isinstance(node, str):
        if key in EXPR_KEYS:
            exprs.append(node)
        elif "{" in node:
            templates.append(node)


def main():
    exprs, templates = list(EXTRA_EXPRS), list(EXTRA_TEMPLATES)
    texts = {}
    for path in sorted(FLOWS.glob("*.yaml")):
        text = path.read_text()
        texts[path.stem] = text
        walk(yaml.safe_load(text), None, exprs, templates)
        if not is_special(path.stem):
            write("load_flow", path.name, text)
    # load_any: each special file alone, and whole small sets of up to four files.
    for stem in SPECIAL:
        write("load_any", stem, bytes([NAME_BYTE[stem]]) + texts[stem].encode())
    for flow in ["welcome", "withdrawal", "card_login", "more_time"]:
        parts = [bytes([NAME_BYTE[s]]) + texts[s].encode() for s in ["terminal", "catalogue", "params"]]
        parts.append(bytes([NAME_BYTE["flow"]]) + texts[flow].encode())
        write("load_any", f"set_{flow}", b"\0".join(parts))
    # At most MAX_SEEDS each: the hand-written ones, then a fixed sample of the flows'.
    for target, extra, items in [("expr", EXTRA_EXPRS, exprs), ("template", EXTRA_TEMPLATES, templates)]:
        found = sorted(set(items) - set(extra), key=lambda t: hashlib.sha1(t.encode()).hexdigest())
        for item in list(extra) + found[: MAX_SEEDS - len(extra)]:
            write(target, hashlib.sha1(item.encode()).hexdigest()[:12], item)


if __name__ == "__main__":
    main()
