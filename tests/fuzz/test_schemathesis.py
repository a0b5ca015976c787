"""schemathesis against a running server: every operation of the OpenAPI description, fuzzed.

Each operation gets ``RINGSIDE_FUZZ_EXAMPLES`` cases (100 in ``make test``, 1,000 under ``make fuzz``),
positive and negative, generated deterministically. Every reply must be: not a 5xx; JSON; a 2xx whose
body matches the operation's schema (``{"data": …}`` with the wire schema of ``data``); or a 4xx in the
error envelope ``{"error": {"code", "message", "details"}}``. Each case carries fresh credentials (an
auth token minted for it, the api key, the control token), so a case that logs out or resets the
server cannot spoil the next one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mockserver import openapi, schemas
from mockserver.config import DEFAULT_API_KEY, DEFAULT_APP_ID
from mockserver.server import MockServer

#: Cases per client REST operation (what every SDK hits): 100 in ``make test``, 1,000 under ``make fuzz``.
EXAMPLES = int(os.environ.get("RINGSIDE_FUZZ_EXAMPLES", "100"))
#: Cases per control operation: 100 in ``make test``, 1,000 under ``make fuzz``.
CONTROL_EXAMPLES = int(os.environ.get("RINGSIDE_FUZZ_CONTROL_EXAMPLES", "100"))
#: Long-polls (``?wait=S``) are cut to this many seconds so a case never waits for nothing.
MAX_WAIT = 0.02

schema = schemathesis.openapi.from_dict(openapi.build())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True)
# schemathesis' "coverage" phase multiplies the cases of the script and fault bodies by ~15; make fuzz adds it
schema.config.phases.update(phases=os.environ.get("RINGSIDE_FUZZ_PHASES", "examples,fuzzing").split(","))
if os.environ.get("RINGSIDE_FUZZ_ONLY"):  # e.g. "^/v3.0/calls": fuzz only the operations whose path matches
    schema = schema.include(path_regex=os.environ["RINGSIDE_FUZZ_ONLY"])
rest_schema = schema.include(tag="rest")
control_schema = schema.include(tag="control")


def error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every reply that is not a 2xx is the wire's error envelope."""
    if 200 <= response.status_code < 300:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(
            f"{response.status_code} with a body that is not JSON: {response.content[:200]!r}"
        ) from None
    problems = schemas.validate("wire/error-envelope", body)
    if problems:
        raise AssertionError(f"{response.status_code} not in the error envelope: {problems[0]}; body {body!r:.300}")
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_envelope,
]


def _credentials(server: MockServer) -> dict[str, str]:
    def prepare(hub: Any) -> str:
        # The in-memory journal keeps every fuzzed body; GET /_ringside/journal on thousands of them is
        # the slow full dump docs/reliability.md bounds, not what this fuzzer is after: start each case small.
        hub.journal.clear()
        token: str = hub.backend.directory.issue_token("alice")
        return token

    token = server.call(prepare)
    return {
        "appId": DEFAULT_APP_ID,
        "apiKey": DEFAULT_API_KEY,
        "authToken": token,
        "resource": "fuzz-device",
        "X-Ringside-Control-Token": server.control_token,
    }


def _cap_waits(case: Any) -> None:
    query = case.query or {}
    wait = query.get("wait")
    if isinstance(wait, str):
        try:
            if float(wait) > MAX_WAIT:
                query["wait"] = str(MAX_WAIT)
        except ValueError:
            pass


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    """One keep-alive session for every case (a new connection per case costs more than the case)."""
    with requests.Session() as session:
        yield session


def _fuzz_settings(examples: int) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def _check(case: Any, server: MockServer, http: requests.Session) -> None:
    _cap_waits(case)
    response = case.call(base_url=server.url, session=http, headers=_credentials(server), timeout=10)
    case.validate_response(response, checks=CHECKS)


@rest_schema.parametrize()
@_fuzz_settings(EXAMPLES)
def test_rest_operation(case: Any, fuzz_server: MockServer, http: requests.Session) -> None:
    _check(case, fuzz_server, http)


@control_schema.parametrize()
@_fuzz_settings(CONTROL_EXAMPLES)
def test_control_operation(case: Any, fuzz_server: MockServer, http: requests.Session) -> None:
    _check(case, fuzz_server, http)


def test_a_path_with_an_encoded_newline_is_answered_in_the_envelope(fuzz_server: MockServer) -> None:
    """Found by this fuzzer: aiohttp's catch-all route did not match a path holding ``%0A`` (its ``.`` stops
    at a newline), so the reply was aiohttp's plain-text 404."""
    for path in ("/v3.0/users/a%0Ab/auth_tokens", "/_ringside/calls/x%0Ay", "/%0A"):
        reply = requests.post(fuzz_server.url + path, headers=_credentials(fuzz_server), timeout=10)
        assert reply.status_code in (401, 404), (path, reply.status_code, reply.text)
        assert reply.headers["Content-Type"].startswith("application/json"), (path, reply.text)
        assert schemas.validate("wire/error-envelope", reply.json()) == [], (path, reply.text)
