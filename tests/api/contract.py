"""The API contract as a flat set of facts read from the served OpenAPI schema: every path
and method, and for each documented answer the dotted names of its response fields
(nested objects and lists followed, `[]` marking a list's items), error answers included
(issue 11: every operation documents its error statuses with the one `Error` body). The
snapshot committed beside this file was taken from the schema before the registry reshape,
and the error answers added when the schema began to document them; the schema may add
paths, answers and fields, never drop one."""

import json
import pathlib

SNAPSHOT = pathlib.Path(__file__).with_name("contract_snapshot.json")
METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(schema: dict, node: dict) -> dict:
    seen = 0
    while "$ref" in node and seen < 50:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
        seen += 1
    if "allOf" in node and len(node["allOf"]) == 1:
        return _resolve(schema, node["allOf"][0])
    return node


def _fields(schema: dict, node: dict, prefix: str, out: set, depth: int = 0) -> None:
    node = _resolve(schema, node)
    if depth > 8:
        return
    if node.get("type") == "array" and "items" in node:
        _fields(schema, node["items"], prefix + "[]", out, depth + 1)
        return
    for name, sub in (node.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        out.add(path)
        _fields(schema, sub, path, out, depth + 1)


def contract_of(schema: dict) -> dict:
    """{"METHOD /path": {"STATUS": [field, ...]}} for every operation under /api/v1/."""
    facts = {}
    for path, ops in sorted(schema.get("paths", {}).items()):
        if not path.startswith("/api/v1/") or path.startswith(("/api/v1/schema", "/api/v1/docs")):
            continue
        for method in METHODS:
            op = ops.get(method)
            if op is None:
                continue
            answers = {}
            for status, resp in sorted((op.get("responses") or {}).items()):
                if str(status)[0] not in "245":
                    continue
                content = (resp.get("content") or {}).get("application/json") or {}
                fields: set = set()
                if "schema" in content:
                    _fields(schema, content["schema"], "", fields)
                answers[str(status)] = sorted(fields)
            facts[f"{method.upper()} {path}"] = answers
    return facts


def load_snapshot() -> dict:
    return json.loads(SNAPSHOT.read_text())


if __name__ == "__main__":  # python -m tests.api.contract schema.json > contract_snapshot.json
    import sys

    import yaml

    text = pathlib.Path(sys.argv[1]).read_text()
    data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    print(json.dumps(contract_of(data), indent=1, ensure_ascii=False, sort_keys=True))
