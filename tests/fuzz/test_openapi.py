"""The OpenAPI 3.1 description (mockserver/openapi.py): a valid document, served, and covering every route."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from openapi_spec_validator import validate

from mockserver import control, openapi, rest
from mockserver.server import MockServer


def _served(server: MockServer) -> Any:
    request = urllib.request.Request(
        server.url + openapi.OPENAPI_PATH, headers={"Authorization": f"Bearer {server.control_token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 200
        assert reply.headers["Content-Type"].startswith("application/json")
        return json.loads(reply.read())


def test_the_served_document_is_valid_openapi_3_1(fuzz_server: MockServer) -> None:
    document = _served(fuzz_server)
    validate(document)  # raises on any problem (OpenAPI 3.1 meta-schema and $ref resolution)
    assert document["openapi"] == "3.1.0"
    assert document == openapi.build(fuzz_server.url)
    assert document["servers"] == [{"url": fuzz_server.url}]


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_every_route_the_server_has_is_described() -> None:
    described = _operations(openapi.build())
    expected = set()
    for route in rest.ROUTES:
        path, _ = openapi.path_template(route.pattern.pattern)
        expected.add((route.method, f"{openapi.REST_PREFIX}/{path}"))
    for method, pattern, _handler in [*control.ROUTES, *control.EXTRA_ROUTES]:
        expected.add((method, openapi.path_template(pattern.pattern)[0]))
    assert described == expected
    assert len(described) == len(rest.ROUTES) + len(control.ROUTES) + len(control.EXTRA_ROUTES)


def test_each_described_path_reaches_its_route() -> None:
    """A path template with its parameters filled in is matched by the route it came from (and no earlier one)."""
    for method, path, params, _op in openapi.routes():
        concrete = re.sub(r"\{(\w+)\}", lambda m: {"tag": "t1", "fid": "f1"}.get(m[1], "x1"), path)
        if path.startswith(control.PREFIX):
            matching = [h for m, p, h in [*control.ROUTES, *control.EXTRA_ROUTES] if m == method and p.match(concrete)]
        else:
            matching = [r.handler for r in rest.ROUTES if r.method == method and r.pattern.search(concrete)]
        assert matching, f"{method} {concrete}: no route matches"
        assert set(params) == set(re.findall(r"\{(\w+)\}", path))


def test_an_undescribed_route_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    async def secret(*_: Any) -> dict[str, Any]:
        return {}

    monkeypatch.setattr(
        control, "EXTRA_ROUTES", [*control.EXTRA_ROUTES, ("GET", re.compile("^/_ringside/x/?$"), secret)]
    )
    with pytest.raises(openapi.UndescribedRoute, match="secret"):
        openapi.build()


def test_wire_schemas_are_components_with_refs_inside_the_document() -> None:
    document = openapi.build()
    text = json.dumps(document)
    assert "https://ringside.dev/schemas/" not in text  # every $ref rewritten, every $id dropped
    refs = re.findall(r'"\$ref": "([^"]+)"', text)
    assert refs and all(ref.startswith("#/components/schemas/") for ref in refs)
    assert "wire.call-message" in document["components"]["schemas"]
    update = document["paths"]["/v3.0/calls/{sid}"]["put"]
    assert update["requestBody"]["content"]["application/json"]["schema"] == openapi.wire("wire/update-call-request")
    error = update["responses"]["4XX"]["content"]["application/json"]["schema"]
    assert error == openapi.wire("wire/error-envelope")
