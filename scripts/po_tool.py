#!/usr/bin/env python
"""Help keep the Arabic catalogues complete.

po_tool.py missing PO...          print untranslated or fuzzy entries as JSON {msgid: ""}
                                   (plural entries as {msgid: ["", "", ...]} with 6 Arabic forms)
po_tool.py apply PO JSON_FILE      fill msgstr from a JSON object {msgid: msgstr or [forms]}
"""

import json
import sys

import polib


def missing(paths):
    out = {}
    for p in paths:
        for e in polib.pofile(p):
            if e.obsolete:
                continue
            if e.msgid_plural:
                if "fuzzy" in e.flags or not all(e.msgstr_plural.get(i) for i in range(6)):
                    out[e.msgid] = [""] * 6
            elif "fuzzy" in e.flags or not e.msgstr:
                out[e.msgid] = ""
    print(json.dumps(out, ensure_ascii=False, indent=1))


def apply(path, jpath):
    with open(jpath, encoding="utf-8") as f:
        data = json.load(f)
    po = polib.pofile(path)
    n = 0
    for e in po:
        if e.msgid in data:
            v = data[e.msgid]
            if e.msgid_plural:
                forms = v if isinstance(v, list) else [v] * 6
                e.msgstr_plural = {i: forms[min(i, len(forms) - 1)] for i in range(6)}
            else:
                e.msgstr = v
            if "fuzzy" in e.flags:
                e.flags.remove("fuzzy")
            n += 1
    po.save(path)
    print(f"{n} entries filled in {path}")


if __name__ == "__main__":
    if sys.argv[1] == "missing":
        missing(sys.argv[2:])
    elif sys.argv[1] == "apply":
        apply(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
