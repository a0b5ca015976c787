"""Helpers for the reference client's unit tests: wire call messages, frames, and a fake server.

:class:`FakeServer` replaces the client's REST and WebSocket seams in-process (no network): it
records every request and answers like the mock server would, so the client's local rules (guards,
ring timer, dispatch) can be driven frame by frame on a :class:`~refclient.clock.VirtualClock`.
"""

from __future__ import annotations

import itertools
from typing import Any

from refclient import CallbackName, CallListener, CometChatError, RingingClient, VirtualClock

APP_ID = "ringside"
T0 = 1_800_000_000.0


def user_entity(uid: str) -> dict[str, Any]:
    """A user entity as the server embeds it."""
    return {"uid": uid, "name": uid.title(), "status": "online", "role": "default", "lastActiveAt": int(T0)}


def call_message(
    session_id: str = "v1.test.1",
    status: str = "initiated",
    *,
    initiator: str = "alice",
    sender: str | None = None,
    receiver: str = "bob",
    receiver_type: str = "user",
    call_type: str = "audio",
    initiated_at: int | None = int(T0),
    joined_at: int | None = None,
    **entity_extra: Any,
) -> dict[str, Any]:
    """A call message shaped like wire spec §3.4 (the WS frame ``body`` / the REST ``data``).

    ``entity_extra`` goes into ``on.entity`` as is (e.g. ``endedAt``, ``duration``).
    """
    sender = sender or initiator
    receiver_entity = (
        {"entity": user_entity(receiver), "entityType": "user"}
        if receiver_type == "user"
        else {"entity": {"guid": receiver, "name": receiver.title()}, "entityType": "group"}
    )
    entity: dict[str, Any] = {
        "sessionid": session_id,
        "conversationId": f"{initiator}_{receiver_type}_{receiver}",
        "sender": initiator,
        "receiverType": receiver_type,
        "receiver": receiver,
        "status": status,
        "type": call_type,
        "data": {
            "entities": {
                "sender": {"entity": user_entity(initiator), "entityType": "user"},
                "receiver": receiver_entity,
            }
        },
    }
    if initiated_at is not None:
        entity["initiatedAt"] = initiated_at
    if joined_at is not None:
        entity["joinedAt"] = joined_at
    entity.update(entity_extra)
    return {
        "id": "101",
        "conversationId": entity["conversationId"],
        "sender": sender,
        "receiverType": receiver_type,
        "receiver": receiver,
        "category": "call",
        "type": call_type,
        "data": {
            "action": status,
            "entities": {
                "by": {"entity": user_entity(sender), "entityType": "user"},
                "for": receiver_entity,
                "on": {"entity": entity, "entityType": "call"},
            },
        },
        "sentAt": int(T0),
        "updatedAt": int(T0),
    }


def frame(message: dict[str, Any], device_id: str = "SERVER-device") -> dict[str, Any]:
    """A ``type: message`` WebSocket frame carrying ``message``, stamped with ``device_id``."""
    return {
        "appId": APP_ID,
        "receiver": message["receiver"],
        "receiverType": message["receiverType"],
        "deviceId": device_id,
        "type": "message",
        "sender": message["sender"],
        "body": message,
    }


class FakeServer:
    """Answers a client's REST requests in-process and records them; the WebSocket is a no-op.

    Args:
        client: the client to wire up (its REST and socket seams are replaced).
        uid: who logs in.
    """

    def __init__(self, client: RingingClient, uid: str = "alice") -> None:
        self.client = client
        self.uid = uid
        self.requests: list[tuple[str, str, Any]] = []
        #: endpoint → error to raise instead of answering (consumed once).
        self.failures: dict[str, CometChatError] = {}
        self.initiators: dict[str, str] = {}
        self._ids = itertools.count(1)
        client._rest.request = self.request  # type: ignore[method-assign]
        client._socket.connect = self.connect  # type: ignore[method-assign]

    async def connect(self) -> None:
        """No socket: frames are fed with ``client._on_frame``."""

    async def request(self, method: str, endpoint: str, body: Any = None, *, admin: bool = False, **_: Any) -> Any:
        if not admin and self.client._rest.auth_token is None:
            raise CometChatError("USER_NOT_LOGED_IN", "no token")
        self.requests.append((method, endpoint, body))
        if endpoint in self.failures:
            raise self.failures.pop(endpoint)
        if endpoint.startswith("users/"):
            return {"uid": self.uid, "authToken": f"token-{self.uid}"}
        if endpoint == "me":
            if method == "DELETE":
                return {}
            return {
                "uid": self.uid,
                "name": self.uid.title(),
                "authToken": f"token-{self.uid}",
                "jwt": f"jwt-{self.uid}",
                "settings": {"CHAT_API_VERSION": "v3.0"},
            }
        if endpoint == "calls":
            sid = f"v1.test.{next(self._ids)}"
            self.initiators[sid] = self.uid
            return call_message(
                sid,
                "initiated",
                initiator=self.uid,
                receiver=body.get("receiver", "?"),
                receiver_type=body["receiverType"],
            )
        if endpoint.startswith("calls/"):
            sid = endpoint.split("/", 1)[1]
            status = body["status"]
            joined = int(self.client.clock.now()) if status == "ongoing" else None
            return call_message(
                sid,
                status,
                initiator=self.initiators.get(sid, "bob"),
                sender=self.uid,
                receiver="bob",
                joined_at=joined,
            )
        if endpoint == "call_tokens":
            return {"token": f"call-token-{body['sessionId']}"}
        return {}

    def sent(self, method: str | None = None, prefix: str = "") -> list[tuple[str, str, Any]]:
        """Requests so far, optionally only those with ``method`` whose endpoint starts with ``prefix``."""
        return [r for r in self.requests if (method is None or r[0] == method) and r[1].startswith(prefix)]


class Recorder:
    """A listener recording ``(listener_id, callback, status)`` for every callback it gets."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str | None]] = []

    def listener(self, listener_id: str) -> CallListener:
        def sink(name: CallbackName, call: Any) -> None:
            self.events.append((listener_id, name.value, call.status))

        return CallListener.forwarding(sink)

    def names(self) -> list[str]:
        return [name for _, name, _ in self.events]


async def logged_in(uid: str = "alice", **client_kwargs: Any) -> tuple[RingingClient, FakeServer, Recorder]:
    """A client on a VirtualClock at :data:`T0`, logged in as ``uid`` through a FakeServer, with listener l1."""
    client = RingingClient(APP_ID, "http://mock.invalid", "ws://mock.invalid/", clock=VirtualClock(T0), **client_kwargs)
    server = FakeServer(client, uid)
    await client.login_with_token(f"token-{uid}")
    recorder = Recorder()
    client.add_call_listener("l1", recorder.listener("l1"))
    return client, server, recorder
