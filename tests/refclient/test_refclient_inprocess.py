"""The in-process adapter service (``refclient.inprocess``, ``ringside run --transport in-process``).

It answers what the HTTP routes answer — the same statuses, bodies and errors — through the harness's own
``AdapterService``/``ClientInstance`` (so every reply passes the same schema checks), against the real
mock server in a thread: over TLS, over the server's plain-HTTP listener, with one state behind both.
Also here: ``advanceTime`` carrying ``sync``'s counts, and a socket the server closes being let go of
(the reconnect timer shows in the next reply, deterministically).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import adapter_protocol.schemas as schemas
import mockserver.config as mockserver_config
import mockserver.server as mockserver_server
from adapter_protocol.client import AdapterService, ClientInstance
from adapter_protocol.errors import AdapterError
from harness.clients import in_process_service
from refclient.chatsocket import RECONNECT_DELAY
from refclient.inprocess import URL, InProcessService
from refclient.service import CAPABILITIES, NAME


@pytest.fixture(scope="module")
def mock() -> Iterator[Any]:
    config = mockserver_config.ServerConfig(tls=True, users=["alice", "bob"], clock="virtual")
    server = mockserver_server.MockServer(config, plain_listener=True).start()
    yield server
    server.stop()


@pytest.fixture(params=["own loop", "the server's loop"])
def service(request: pytest.FixtureRequest, mock: Any) -> Iterator[AdapterService]:
    """Both ways the harness runs it: on a loop thread of its own, or on the mock server's loop (the catalogue's
    default: one thread fewer to hand the GIL to on every request)."""
    mock.probe.reset()  # each test (and each mode of it) starts from the same server state: tags are reused
    found = in_process_service("python", loop=mock.loop if request.param == "the server's loop" else None)
    assert found is not None
    yield found
    found.close()


def test_a_service_on_the_servers_loop_leaves_the_loop_running_when_closed(mock: Any) -> None:
    found = in_process_service("python", loop=mock.loop)
    assert found is not None
    instance = create(found, mock, "shared-loop", "alice")
    instance.ok("login")
    found.close()
    assert mock.loop.is_running() and not mock.loop.is_closed()
    assert mock.probe.has_user("alice"), "the server still answers on its loop"


def create(service: AdapterService, mock: Any, tag: str, uid: str, *, tls: bool = True) -> ClientInstance:
    end = mock.probe.endpoint(tls=tls)
    params = {
        "tag": tag,
        "appId": end.app_id,
        "region": end.region,
        "server": {
            "clientHost": end.host_port,
            "adminHost": end.host_port,
            "baseUrl": end.url,
            "wsUrl": end.ws_url,
            "tls": end.ca_file is not None,
            "caFile": end.ca_file,
        },
        "user": {"uid": uid, "authKey": end.api_key, "authToken": None},
        "callbackUrl": mock.probe.callback_url(tag, tls=tls),
        "clock": {"mode": "virtual", "now": mock.now()},
    }
    return service.create(tag=tag, uid=uid, params=params)


def test_it_describes_itself_as_the_http_service_does(service: AdapterService) -> None:
    assert service.in_process
    assert service.url == URL
    assert service.name == NAME
    assert service.info["capabilities"] == CAPABILITIES
    assert schemas.validate("adapter/service-info", service.info) == []


def test_a_call_over_tls_and_one_over_plain_http_share_one_server(service: AdapterService, mock: Any) -> None:
    alice = create(service, mock, "ip-alice", "alice", tls=True)
    bob = create(service, mock, "ip-bob", "bob", tls=False)
    assert alice.url.startswith(URL + "/instances/")
    for instance in (alice, bob):
        assert instance.ok("login")["uid"] == instance.uid
        instance.ok("addCallListener", {"id": "main"})
    assert mock.probe.endpoint(tls=False).ca_file is None
    assert mock.probe.endpoint(tls=False).port != mock.probe.endpoint().port
    call = alice.ok("initiateCall", {"receiver": "bob", "receiverType": "user", "callType": "audio"})
    state = mock.probe.call(call["sessionId"])
    assert (state["caller"], state["receiver"], state["status"]) == ("alice", "bob", "initiated")
    bob.ok("sync")
    # bob's report went to the sink through the plain listener, alice's through TLS: one sink
    assert [r["callback"] for r in mock.probe.callbacks_of("ip-bob")] == ["onIncomingCallReceived"]
    bob.ok("rejectCall", {"sessionId": call["sessionId"], "status": "rejected"})
    alice.ok("sync")
    assert [r["callback"] for r in mock.probe.callbacks_of("ip-alice")] == ["onOutgoingCallRejected"]
    alice.delete()
    bob.delete()


def test_errors_are_the_http_routes_errors(service: AdapterService, mock: Any) -> None:
    local = InProcessService()
    try:
        assert local.request("GET", URL + "/nowhere", deadline=5)[0] == 404
        status, body, _ = local.request("POST", URL + "/", {"appId": "x"}, deadline=5)
        assert (status, body["error"]["code"]) == (400, "BAD_REQUEST")
        assert schemas.validate("adapter/protocol-error", body) == []
        status, body, _ = local.request("POST", URL + "/instances/99", {"command": "sync"}, deadline=5)
        assert (status, body["error"]["code"]) == (404, "UNKNOWN_INSTANCE")
    finally:
        local.close()
    instance = create(service, mock, "ip-err", "alice")
    with pytest.raises(AdapterError, match="does not know the command 'fly'"):
        instance.command("fly")
    refused = instance.command("acceptCall", {"sessionId": "v1.eu.ringside.nope"})  # not logged in
    assert not refused.ok and refused.error_code
    with pytest.raises(AdapterError, match="closed"):
        local.request("GET", URL + "/", deadline=5)


def test_replies_go_through_json_so_nothing_is_shared(service: AdapterService, mock: Any) -> None:
    instance = create(service, mock, "ip-json", "alice")
    first = instance.ok("login")
    first["uid"] = "mallory"  # the harness changing its copy changes nothing in the client
    assert instance.ok("login")["uid"] == "alice"
    instance.delete()


def test_advance_time_carries_what_sync_says(service: AdapterService, mock: Any) -> None:
    instance = create(service, mock, "ip-adv", "alice")
    before = instance.ok("advanceTime", {"to": mock.now()})
    assert schemas.validate("adapter/advance-time-result", before) == []
    assert before["framesReceived"] == 0  # not logged in: no socket yet
    assert before["resource"] == instance.ok("sync")["resource"]
    instance.ok("login")
    moved = instance.ok("advanceTime", {"to": mock.now()})
    synced = instance.ok("sync")
    assert schemas.validate("adapter/advance-time-result", moved) == []
    assert {k: moved[k] for k in ("resource", "framesReceived", "callbacksSent")} == {
        k: synced[k] for k in ("resource", "framesReceived", "callbacksSent")
    }
    assert moved["framesReceived"] >= 1  # the auth reply at least
    instance.delete()


def test_the_schema_wants_the_resource_with_the_count() -> None:
    assert schemas.validate("adapter/advance-time-result", {"now": 1, "framesReceived": 2}) != []
    assert schemas.validate("adapter/advance-time-result", {"now": 1, "resource": "d", "framesReceived": 2}) == []
    assert schemas.validate("adapter/advance-time-result", {"now": 1, "nextTimer": None}) == []


@pytest.mark.parametrize("tls", [True, False], ids=["tls", "plain"])
def test_a_socket_the_server_closed_is_let_go_of_before_the_reply(
    service: AdapterService, mock: Any, tls: bool
) -> None:
    instance = create(service, mock, f"ip-close-{tls}", "bob", tls=tls)
    instance.ok("login")
    resource = instance.ok("sync")["resource"]
    mock.probe.arm_fault({"kind": "close", "user": "bob", "device": resource})
    mock.probe.wait_for_closed("bob", device=resource, timeout=5)
    assert not [d for d in mock.data("GET", "/devices") if d["resource"] == resource]
    now = mock.now()
    moved = instance.ok("advanceTime", {"to": now})
    # the close was noticed before the reply: its reconnect timer is the next one, every time
    assert moved["nextTimer"] == pytest.approx(now + RECONNECT_DELAY)
    instance.ok("advanceTime", {"to": now + RECONNECT_DELAY})
    assert [d["resource"] for d in mock.data("GET", "/devices") if d["uid"] == "bob"] == [resource]
    instance.delete()
