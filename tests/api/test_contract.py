"""The API contract holds: every path, method and response field of the snapshot taken before
the reshape is still in the served OpenAPI schema (paths and fields may be added, never
dropped), and the schema has no free-form object holes where API.md documents a shape."""

import pytest

from tests.api.contract import contract_of, load_snapshot


@pytest.fixture(scope="module")
def served_schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        r = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    import json

    return json.loads(r.content)


def test_every_documented_path_and_field_is_still_served(served_schema):
    now = contract_of(served_schema)
    missing = {}
    for op, answers in load_snapshot().items():
        if op not in now:
            missing[op] = "operation gone"
            continue
        for status, fields in answers.items():
            if status not in now[op]:
                missing[op] = f"answer {status} gone"
                continue
            gone = sorted(set(fields) - set(now[op][status]))
            if gone:
                missing[f"{op} {status}"] = gone
    assert missing == {}


def test_the_contract_check_can_fail(served_schema):
    """The comparison above is not vacuous: dropping a field from the schema is seen."""
    import copy

    broken = copy.deepcopy(served_schema)
    for comp in broken["components"]["schemas"].values():
        comp.get("properties", {}).pop("reference", None)
    now = contract_of(broken)
    snap = load_snapshot()
    assert any("reference" in f and f not in now.get(op, {}).get(st, []) for op, a in snap.items() for st, fs in a.items() for f in fs)


HOLE_FREE = [
    "GET /api/v1/payments/{id}/",
    "GET /api/v1/civil-affairs/id-renewals/{id}/",
    "GET /api/v1/passports/iqama-renewals/{id}/",
    "GET /api/v1/payments/outstanding/",
]


@pytest.mark.parametrize("op", HOLE_FREE)
def test_no_free_form_objects_in_documented_answers(served_schema, op):
    """A `DictField` renders as an object with no properties: the schema would not be the contract."""
    from tests.api.contract import _resolve

    method, path = op.split(" ", 1)
    resp = served_schema["paths"][path][method.lower()]["responses"]
    status = next(s for s in resp if s.startswith("2"))
    holes = []

    def walk(node, where, depth=0):
        node = _resolve(served_schema, node)
        if depth > 8:
            return
        if node.get("type") == "array":
            walk(node.get("items", {}), where + "[]", depth + 1)
        elif node.get("type") == "object" and not node.get("properties") and "additionalProperties" in node:
            holes.append(where)
        for name, sub in (node.get("properties") or {}).items():
            walk(sub, f"{where}.{name}" if where else name, depth + 1)

    walk(resp[status]["content"]["application/json"]["schema"], "")
    assert holes == []
