"""Tests of the wire, adapter and report JSON Schemas and of their loader, ``mockserver.schemas.SchemaCatalog``.

Every schema gets realistic valid examples (taken from ``docs/wire.md`` §2-§3 and
``docs/adapter-protocol.md``) and invalid ones that must fail with a problem at a known path.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from adapter_protocol.names import Capability
from adapter_protocol.schemas import ADAPTER
from harness.report.schemas import REPORT
from mockserver import schemas

#: Every schema ringside ships, from the three packages that hold them.
SOURCES = (schemas.WIRE, schemas.SCRIPT, ADAPTER, REPORT)
CATALOG = schemas.SchemaCatalog(*SOURCES)


# --- realistic building blocks (wire spec §2.4, §3.2, §3.4) ------------------------------------------

APP_ID = "testapp"
RESOURCE_ALICE = "WEB-4_2_0-94ab6cd6-48cc-478e-bcd0-4cb94f4c0119-1795608125340"
RESOURCE_BOB = "WEB-4_2_0-0c2d54b1-6f0e-4c52-9d8e-2b1f3a7e9d10-1795608125912"
KEYSTORE_DEVICE = "testapp_03d0287c-8a51-4c7e-a7f4-8c1d5e2b9a61_1795608125341"
SID = "v1.mock.testapp.17956081260a75c3e9f14b2d"
REAL_SID = "v1.us.239414efb0e4882a.1693576153e0dfe098a411c7c30f25e4382a150c64104f228e"

ALICE = {"uid": "alice", "name": "Alice", "status": "offline", "role": "default", "lastActiveAt": 1795608125}
BOB = {
    "uid": "bob",
    "name": "Bob",
    "status": "online",
    "role": "default",
    "lastActiveAt": 1795608125,
    "conversationId": "alice_user_bob",
}
TEAM = {
    "guid": "team",
    "name": "Team",
    "type": "public",
    "membersCount": 3,
    "owner": "alice",
    "createdAt": 1795600000,
    "conversationId": "group_team",
}

SETTINGS = {
    "CLIENT_API_HOST": "127.0.0.1:8443",
    "ADMIN_API_HOST": "127.0.0.1:8443",
    "CHAT_API_VERSION": "v3.0",
    "CHAT_HOST": "127.0.0.1",
    "CHAT_WSS_PORT": "8443",
    "ANALYTICS_PING_DISABLED": True,
    "APP_VERSION": 3,
}

APP_INFO_BODY = {
    "platform": "WEB",
    "deviceId": KEYSTORE_DEVICE,
    "appInfo": {"version": "v4.2.0", "apiVersion": "v3.0", "userAgent": "node-harness/1.0 (Linux)"},
}


def call_message(
    status: str = "initiated",
    receiver_type: str = "user",
    *,
    by: dict[str, Any] | None = None,
    **entity_extra: Any,
) -> dict[str, Any]:
    """A §3.4 call message: alice calls bob (or the group ``team``); ``by`` acted."""
    receiver = BOB if receiver_type == "user" else TEAM
    receiver_id = receiver["uid"] if receiver_type == "user" else receiver["guid"]
    conversation = "alice_user_bob" if receiver_type == "user" else "group_team"
    actor = by if by is not None else ALICE
    entity = {
        "sessionid": SID,
        "conversationId": conversation,
        "sender": "alice",
        "receiverType": receiver_type,
        "receiver": receiver_id,
        "status": status,
        "type": "audio",
        "data": {
            "entities": {
                "sender": {"entity": dict(ALICE), "entityType": "user"},
                "receiver": {"entity": dict(receiver), "entityType": receiver_type},
            }
        },
        "initiatedAt": 1795608126,
        **entity_extra,
    }
    return {
        "id": "101",
        "conversationId": conversation,
        "sender": actor["uid"],
        "receiverType": receiver_type,
        "receiver": receiver_id,
        "category": "call",
        "type": "audio",
        "data": {
            "action": status,
            "entities": {
                "by": {"entity": dict(actor), "entityType": "user"},
                "for": {"entity": dict(receiver), "entityType": receiver_type},
                "on": {"entity": entity, "entityType": "call"},
            },
        },
        "sentAt": 1795608126,
        "updatedAt": 1795608126,
    }


CALL_MESSAGE = call_message()
WS_CALL_FRAME = {
    "appId": APP_ID,
    "receiver": "bob",
    "receiverType": "user",
    "deviceId": RESOURCE_ALICE,
    "type": "message",
    "sender": "alice",
    "body": CALL_MESSAGE,
}
WS_AUTH_FRAME = {
    "appId": APP_ID,
    "deviceId": RESOURCE_ALICE,
    "type": "auth",
    "sender": "alice",
    "body": {
        "auth": "jwt_alice",
        "deviceId": RESOURCE_ALICE,
        "presenceSubscription": "ALL_USERS",
        "params": {
            "appInfo": {
                "version": "4.2.0",
                "apiVersion": "v3.0",
                "origin": "https://localhost",
                "uts": 1795608125461,
            },
            "userAgent": "node-harness/1.0 (Linux)",
            "deviceId": KEYSTORE_DEVICE,
            "platform": "javascript",
        },
    },
}
REST_CALL_LOG = {
    "sessionId": "v1.us.31780434a95d45.16923681138d75114d60d1345a22e4cc612263fb26c0b5cf92",
    "totalAudioMinutes": 0.31666666666666665,
    "totalVideoMinutes": 0,
    "totalDuration": "00:00:19",
    "metaData": [],
    "hasRecording": False,
    "initiatedAt": 1692368113,
    "initiator": "superhero8",
    "mode": "call",
    "receiver": "superhero2",
    "receiverType": "user",
    "status": "ended",
    "tags": [],
    "totalDurationInMinutes": 0.31666666666666665,
    "totalParticipants": 2,
    "type": "audio",
    "mid": "855e1519-1244-4213-8e40-53044c1e9e43",
    "startedAt": 1692368127,
    "endedAt": 1692368146,
    "participants": [
        {
            "uid": "superhero2",
            "totalAudioMinutes": 0.23333333333333334,
            "totalVideoMinutes": 0,
            "totalDuration": 0.23333333333333334,
            "deviceId": "superhero2@example/CKT3xgR4",
            "isJoined": True,
            "joinedAt": 1692368132,
            "mid": "855e1519-1244-4213-8e40-53044c1e9e43",
            "state": "ended",
            "leftAt": 1692368146,
        }
    ],
}

# --- adapter building blocks (docs/adapter-protocol.md) ----------------------------------------------

ADAPTER_CALL = {
    "sessionId": SID,
    "status": "initiated",
    "callType": "audio",
    "receiverType": "user",
    "receiverId": "bob",
    "initiator": "alice",
    "sender": "alice",
    "action": "initiated",
    "initiatedAt": 1795608126,
    "joinedAt": None,
    "raw": CALL_MESSAGE,
}
CREATE_INSTANCE = {
    "tag": "alice-1",
    "appId": "ringside",
    "region": "eu",
    "server": {
        "clientHost": "127.0.0.1:8443",
        "adminHost": "127.0.0.1:8443",
        "baseUrl": "https://127.0.0.1:8443",
        "wsUrl": "wss://127.0.0.1:8443/",
        "tls": True,
        "caFile": "/root/.cache/ringside/tls/ca.pem",
    },
    "user": {"uid": "alice", "authKey": "ringside-api-key", "authToken": None},
    "callbackUrl": "http://127.0.0.1:8443/_ringside/callbacks/alice-1",
    "clock": {"mode": "virtual", "now": 1800000000.0},
}


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Deep-copy ``base`` and set (or, with ``value is DELETE``, remove) the key at dotted ``path``."""
    result = copy.deepcopy(base)
    *parents, last = path.split(".")
    node: Any = result
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return result


DELETE = object()
ON = "data.entities.on.entity"

# --- examples ---------------------------------------------------------------------------------------

_COUNTS = {"total": 1, "passed": 1, "passed_late": 0, "failed": 0, "error": 0, "skipped": 0, "known_failure": 0}
REPORT = {
    "reportVersion": 2,
    "tool": {"name": "ringside", "version": "0.1.0"},
    "client": {"name": "python", "capabilities": ["virtual-time"]},
    "startedAt": 1.0,
    "finishedAt": 2.5,
    "duration": 1.5,
    "complete": True,
    "latencyBudgetMs": 250,
    "summary": {"total": 1, "passed": 1, "passed_late": 0, "failed": 0, "error": 0, "skipped": 0, "known_failure": 0},
    "assessment": {
        "verdict": "conforms",
        "statement": "conforms: 1 passed",
        "declaredCapabilities": ["virtual-time"],
        "skippedFor": {},
    },
    "compliance": {
        "tiers": {
            "must": {"passed": 1, "total": 1, "conforms": True, "statement": "conforms at must: 1/1"},
            "should": {"passed": 0, "total": 0, "conforms": True, "statement": "conforms at should: 0/0"},
        },
        "sections": [
            {
                "section": "initiate",
                "title": "Initiate call",
                "must": _COUNTS,
                "should": {**_COUNTS, "total": 0, "passed": 0},
            }
        ],
    },
    "latency": {
        "budgetMs": 250,
        "byCallback": {"onIncomingCallReceived": {"count": 1, "p50Ms": 2, "p95Ms": 2, "maxMs": 2}},
    },
    "scenarios": [
        {
            "id": "INIT-001",
            "name": "An audio call",
            "feature": "initiate/user_call.feature",
            "nodeid": "x",
            "tags": ["must", "spec-initiate"],
            "verdict": "passed",
            "duration": 0.2,
            "failure": None,
            "reason": None,
            "timeline": [{"seq": 1, "t": 1800000000.0, "kind": "call"}],
            "tier": "must",
            "sections": ["initiate"],
            "latency": [
                {"callback": "onIncomingCallReceived", "ms": 2, "frameSeq": 3, "callbackSeq": 4, "late": False}
            ],
            "mismatch": None,
            "previousVerdict": None,
        }
    ],
}

VALID: dict[str, list[Any]] = {
    "report/report": [REPORT],
    # wire: request bodies
    "wire/auth-token-request": [APP_INFO_BODY, {}],
    "wire/me-request": [APP_INFO_BODY, {"platform": "WEB"}],
    "wire/create-user-request": [
        {"uid": "alice", "name": "Alice", "hasBlockedMe": False, "blockedByMe": False, "deactivatedAt": 0},
        {
            "uid": "carol.smith@example",
            "name": "Carol",
            "avatar": "https://example.invalid/carol.png",
            "role": "default",
            "metadata": {"team": "qa"},
            "tags": ["ringside"],
            "status": "offline",
        },
    ],
    "wire/initiate-call-request": [
        {
            "type": "audio",
            "receiverType": "user",
            "category": "call",
            "status": "initiated",
            "receiver": "bob",
        },
        {
            "type": "video",
            "receiverType": "group",
            "category": "call",
            "status": "initiated",
            "receiver": "team",
            "metadata": {"room": "standup"},
            "data": {"metadata": {"room": "standup"}},
        },
    ],
    "wire/update-call-request": [
        {"status": "ongoing"},
        {"status": "rejected"},
        {"status": "busy"},
        {"status": "cancelled"},
        {"status": "unanswered"},
        {"status": "ended", "joinedAt": 1795608133},
    ],
    "wire/user-session-request": [
        {
            "sessionId": "3b1f5d0e9c2a47e18f6d2c4b5a697887e3d4c1b2a5f6e7d8c9b0a1f2e3d4c5b6",
            "data": {"platform": "javascript", "sdkVersion": "v4.2.0"},
            "generatedAt": 1795608130340,
        },
        {},
    ],
    "wire/call-token-request": [{"sessionId": SID}],
    # wire: server replies
    "wire/error-envelope": [
        {"error": {"code": "ERR_CALL_NOT_FOUND", "message": "No call with that session id.", "details": {}}},
        {"error": {"code": "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", "message": "", "details": {"uid": "alice"}}},
    ],
    "wire/data-envelope": [{"data": {}}, {"data": CALL_MESSAGE}, {"data": None}],
    "wire/user": [ALICE, BOB, {"uid": "u-1", "name": ""}],
    "wire/group": [TEAM, {"guid": "secret-room", "name": "Secret", "type": "password"}],
    "wire/settings": [
        SETTINGS,
        {
            **SETTINGS,
            "CLIENT_API_HOST": "127.0.0.1:8443/v3.0",
            "CHAT_HOST": "localhost",
            "CHAT_WSS_PORT": 8443,
            "CHAT_HOST_OVERRIDE": "",
            "APP_VERSION": 4.2,
            "settingsHash": "a1b2",
            "extra": "tolerated",
        },
    ],
    "wire/me": [
        {
            **ALICE,
            "status": "online",
            "authToken": "alice_1795608125_t0k3n",
            "jwt": "jwt_alice",
            "settings": SETTINGS,
        },
        {
            **BOB,
            "authToken": "bob_token",
            "jwt": "jwt_bob",
            "settings": SETTINGS,
            "wsChannel": {"identity": "x"},
        },
    ],
    "wire/auth-token": [
        {"uid": "alice", "authToken": "alice_1795608125_t0k3n"},
        {"uid": "alice", "authToken": "alice_1795608125_t0k3n", "createdAt": 1795608125},
    ],
    "wire/call-message": [
        CALL_MESSAGE,
        call_message("ongoing", by=BOB, joinedAt=1795608130),
        call_message("ended", by=BOB, joinedAt=1795608130, leftAt=1795608140, endedAt=1795608140, duration=10),
        call_message("unanswered"),
        call_message("initiated", "group"),
        changed(call_message("initiated"), f"{ON}.sessionid", REAL_SID),
        changed(CALL_MESSAGE, f"{ON}.data.metadata", {"room": "standup"}),
    ],
    "wire/call-entity": [CALL_MESSAGE["data"]["entities"]["on"]["entity"]],
    "wire/user-entity": [{"entity": ALICE, "entityType": "user"}],
    "wire/receiver-entity": [{"entity": BOB, "entityType": "user"}, {"entity": TEAM, "entityType": "group"}],
    "wire/call-token": [{"token": "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ2MS5tb2NrIn0.c2ln"}],
    "wire/call-log": [
        REST_CALL_LOG,
        {
            "sessionId": SID,
            "status": "ongoing",
            "type": "video",
            "receiverType": "group",
            "initiatedAt": 1795608126,
            "initiator": {"uid": "alice", "name": "Alice"},
            "receiver": {"guid": "team", "name": "Team"},
            "endedAt": None,
            "totalDuration": 12.5,
            "participants": [],
        },
    ],
    # wire: WebSocket frames
    "wire/ws-auth-frame": [
        WS_AUTH_FRAME,
        changed(changed(WS_AUTH_FRAME, "body.presenceSubscription", "ROLES"), "body.roles", ["default"]),
    ],
    "wire/ws-auth-reply": [
        {"type": "auth", "body": {"code": "200", "status": "OK"}},
        {"type": "auth", "body": {"code": "401", "status": "ERROR", "message": "invalid jwt"}},
    ],
    "wire/ws-ping": [{"action": "ping", "ack": "true"}, {"action": "ping"}],
    "wire/ws-pong": [{"action": "pong"}],
    "wire/ws-call-frame": [
        WS_CALL_FRAME,
        {
            **WS_CALL_FRAME,
            "receiver": "team",
            "receiverType": "group",
            "body": call_message("initiated", "group"),
        },
    ],
    "wire/ws-error-frame": [
        {"type": "error", "body": {"code": "ERR_BAD_FRAME", "message": "frame is not JSON", "details": {}}},
    ],
    # adapter
    "adapter/service-info": [
        {
            "name": "ringside-python-reference",
            "version": "0.1.0",
            "protocolVersion": 1,
            "capabilities": [c.value for c in Capability],
        },
        {"name": "minimal", "version": "0", "protocolVersion": 1, "capabilities": []},
    ],
    "adapter/create-instance-request": [
        CREATE_INSTANCE,
        changed(changed(CREATE_INSTANCE, "user.authKey", DELETE), "user.authToken", "alice_token"),
        changed(CREATE_INSTANCE, "clock", {"mode": "real"}),
    ],
    "adapter/create-instance-reply": [{"url": "/instances/1"}, {"url": "http://127.0.0.1:9000/instances/1"}],
    "adapter/command-request": [
        {"command": "login", "params": {}},
        {"command": "login"},
        {"command": "logout", "params": None},
        {
            "command": "initiateCall",
            "params": {"receiver": "bob", "receiverType": "user", "callType": "audio"},
        },
        {
            "command": "initiateCall",
            "params": {"receiver": "team", "receiverType": "group", "callType": "video", "timeout": -5},
        },
        {
            "command": "initiateCall",
            "params": {"receiver": "bob", "receiverType": "user", "callType": "audio", "timeout": 2.7},
        },
        {"command": "acceptCall", "params": {"sessionId": SID}},
        {"command": "rejectCall", "params": {"sessionId": SID, "status": "busy"}},
        {"command": "endCall", "params": {"sessionId": SID}},
        {"command": "addCallListener", "params": {"id": "l1"}},
        {"command": "removeCallListener", "params": {"id": "l1"}},
        {"command": "getActiveCall", "params": {}},
        {"command": "clearActiveCall", "params": {}},
        {"command": "generateToken", "params": {"sessionId": SID}},
        {"command": "advanceTime", "params": {"to": 1800000045.0}},
        {"command": "sync", "params": {}},
    ],
    "adapter/command-reply": [
        {"ok": True, "result": ADAPTER_CALL},
        {"ok": True, "result": None},
        {"ok": True},
        {"ok": False, "error": {"code": "ERR_CALL_NOT_FOUND", "message": "…", "details": {}}},
        {"ok": False, "error": {"code": "CALL_ALREADY_INITIATED", "message": "Call already initiated"}},
    ],
    "adapter/call": [
        ADAPTER_CALL,
        {
            "sessionId": SID,
            "status": "ended",
            "callType": "video",
            "receiverType": "group",
            "receiverId": "team",
        },
        {**ADAPTER_CALL, "status": "ended", "duration": 0},
        {**ADAPTER_CALL, "status": "ended", "duration": 61},
        {**ADAPTER_CALL, "duration": None},
    ],
    "adapter/user": [{"uid": "alice", "name": "Alice", "authToken": "alice_token"}],
    "adapter/callback": [
        {"listenerId": "l1", "callback": "onIncomingCallReceived", "call": ADAPTER_CALL, "seq": 7},
    ],
    "adapter/advance-time-result": [
        {"now": 1800000003.0, "nextTimer": 1800000015.0},
        {"now": 1800000045, "nextTimer": None},
        {"now": 1800000045},
    ],
    "adapter/sync-result": [{"resource": RESOURCE_BOB, "framesReceived": 3, "now": 1800000000.0}],
    "adapter/protocol-error": [
        {"error": {"code": "UNKNOWN_COMMAND", "message": "no command 'fly'"}},
        {
            "error": {
                "code": "NOT_SUPPORTED",
                "message": "no virtual-time",
                "details": {"command": "advanceTime"},
            }
        },
    ],
    "adapter/generate-token-result": [{"token": "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"}],
    "adapter/start-session-result": [{"sessionId": SID}],
    "adapter/get-session-result": [{"sessionId": SID, "active": True}, {"sessionId": SID, "active": False}],
}

# (schema, instance, a path that must carry a problem)
INVALID: list[tuple[str, Any, str]] = [
    ("report/report", changed(REPORT, "summary.total", -1), "$.summary.total"),
    # wire: request bodies
    ("wire/auth-token-request", {"platform": 1}, "$.platform"),
    ("wire/auth-token-request", changed(APP_INFO_BODY, "appInfo.version", 4), "$.appInfo.version"),
    ("wire/me-request", changed(APP_INFO_BODY, "appInfo", "v4.2.0"), "$.appInfo"),
    ("wire/create-user-request", {"name": "Alice"}, "$.uid"),
    ("wire/create-user-request", {"uid": "a b", "name": "A"}, "$.uid"),
    ("wire/create-user-request", {"uid": "a" * 101, "name": "A"}, "$.uid"),
    ("wire/create-user-request", {"uid": "alice", "name": "A", "hasBlockedMe": "no"}, "$.hasBlockedMe"),
    (
        "wire/initiate-call-request",
        {"type": "fax", "receiverType": "user", "category": "call", "receiver": "b"},
        "$.type",
    ),
    (
        "wire/initiate-call-request",
        {"type": "audio", "receiverType": "user", "category": "message", "receiver": "bob"},
        "$.category",
    ),
    (
        "wire/initiate-call-request",
        {"type": "audio", "category": "call", "receiver": "bob"},
        "$.receiverType",
    ),
    (
        "wire/initiate-call-request",
        {"type": "audio", "receiverType": "user", "category": "call", "receiver": ""},
        "$.receiver",
    ),
    ("wire/update-call-request", {"status": "bogus"}, "$.status"),
    ("wire/update-call-request", {"status": "initiated"}, "$.status"),
    ("wire/update-call-request", {"joinedAt": 1795608133}, "$.status"),
    ("wire/update-call-request", {"status": "ended", "joinedAt": 1795608133.5}, "$.joinedAt"),
    ("wire/update-call-request", {"status": "ended", "joinedAt": -1}, "$.joinedAt"),
    ("wire/user-session-request", [], "$"),
    ("wire/user-session-request", {"generatedAt": "now"}, "$.generatedAt"),
    ("wire/call-token-request", {}, "$.sessionId"),
    # wire: server replies
    ("wire/error-envelope", {"error": {"code": "ERR_CALL_NOT_FOUND", "message": "gone"}}, "$.error.details"),
    ("wire/error-envelope", {"error": {"code": "", "message": "m", "details": {}}}, "$.error.code"),
    (
        "wire/error-envelope",
        {"error": {"code": "E", "message": "m", "details": {}}, "data": {}},
        "$.data",
    ),
    ("wire/data-envelope", {"error": {"code": "E", "message": "m", "details": {}}}, "$.data"),
    ("wire/data-envelope", {"data": {}, "error": {"code": "E"}}, "$.error"),
    ("wire/user", {"uid": "alice"}, "$.name"),
    ("wire/user", {**ALICE, "status": "away"}, "$.status"),
    ("wire/user", {**ALICE, "lastActiveAt": "yesterday"}, "$.lastActiveAt"),
    ("wire/group", {**TEAM, "type": "secret"}, "$.type"),
    ("wire/group", {"name": "Team", "type": "public"}, "$.guid"),
    ("wire/settings", changed(SETTINGS, "ANALYTICS_PING_DISABLED", DELETE), "$.ANALYTICS_PING_DISABLED"),
    ("wire/settings", {**SETTINGS, "ANALYTICS_PING_DISABLED": False}, "$.ANALYTICS_PING_DISABLED"),
    ("wire/settings", {**SETTINGS, "CLIENT_API_HOST": "https://127.0.0.1:8443"}, "$.CLIENT_API_HOST"),
    ("wire/settings", {**SETTINGS, "CHAT_HOST": "127.0.0.1:8443"}, "$.CHAT_HOST"),
    ("wire/settings", {**SETTINGS, "CHAT_WSS_PORT": 70000}, "$.CHAT_WSS_PORT"),
    ("wire/settings", {**SETTINGS, "CHAT_WSS_PORT": "wss"}, "$.CHAT_WSS_PORT"),
    ("wire/settings", {**SETTINGS, "APP_VERSION": 2}, "$.APP_VERSION"),
    (
        "wire/me",
        {**ALICE, "authToken": "t", "settings": SETTINGS},
        "$.jwt",
    ),
    (
        "wire/me",
        {**ALICE, "authToken": "t", "jwt": "j", "settings": changed(SETTINGS, "CHAT_HOST", DELETE)},
        "$.settings.CHAT_HOST",
    ),
    (
        "wire/me",
        {"name": "Alice", "status": "online", "authToken": "t", "jwt": "j", "settings": SETTINGS},
        "$.uid",
    ),
    ("wire/auth-token", {"uid": "alice"}, "$.authToken"),
    ("wire/call-message", changed(CALL_MESSAGE, f"{ON}.sessionid", DELETE), f"$.{ON}.sessionid"),
    ("wire/call-message", changed(CALL_MESSAGE, f"{ON}.sessionid", "abc/def"), f"$.{ON}.sessionid"),
    ("wire/call-message", changed(CALL_MESSAGE, f"{ON}.status", "ringing"), f"$.{ON}.status"),
    ("wire/call-message", changed(CALL_MESSAGE, "data.action", "ended"), f"$.{ON}.status"),
    ("wire/call-message", call_message("ended", joinedAt=1795608130, endedAt=1795608140), f"$.{ON}.duration"),
    ("wire/call-message", call_message("ongoing", joinedAt=1795608130, duration=3), f"$.{ON}"),
    (
        "wire/call-message",
        call_message("ended", joinedAt=1795608130, endedAt=1795608140, duration=-10),
        f"$.{ON}.duration",
    ),
    ("wire/call-message", changed(CALL_MESSAGE, "category", "message"), "$.category"),
    ("wire/call-message", changed(CALL_MESSAGE, "type", "fax"), "$.type"),
    ("wire/call-message", changed(CALL_MESSAGE, "sentAt", 1795608126.5), "$.sentAt"),
    ("wire/call-message", changed(CALL_MESSAGE, "id", 101), "$.id"),
    (
        "wire/call-message",
        changed(CALL_MESSAGE, "data.entities.by.entityType", "group"),
        "$.data.entities.by.entityType",
    ),
    ("wire/call-message", changed(CALL_MESSAGE, "data.entities.for", DELETE), "$.data.entities.for"),
    (
        "wire/call-message",
        changed(CALL_MESSAGE, "data.entities.on.entityType", "user"),
        "$.data.entities.on.entityType",
    ),
    (
        "wire/call-message",
        changed(CALL_MESSAGE, f"{ON}.data.entities.sender", DELETE),
        f"$.{ON}.data.entities.sender",
    ),
    ("wire/call-message", changed(CALL_MESSAGE, "receiverType", "group"), "$.data.entities.for.entityType"),
    (
        "wire/call-message",
        changed(CALL_MESSAGE, "data.entities.for.entityType", "group"),
        "$.data.entities.for.entity.guid",
    ),
    ("wire/call-message", changed(CALL_MESSAGE, f"{ON}.initiatedAt", "now"), f"$.{ON}.initiatedAt"),
    (
        "wire/call-entity",
        changed(CALL_MESSAGE["data"]["entities"]["on"]["entity"], "joinedAt", "1"),
        "$.joinedAt",
    ),
    (
        "wire/call-entity",
        changed(CALL_MESSAGE["data"]["entities"]["on"]["entity"], "initiatedAt", DELETE),
        "$.initiatedAt",
    ),
    ("wire/user-entity", {"entity": ALICE, "entityType": "group"}, "$.entityType"),
    ("wire/user-entity", {"entity": {"name": "no uid"}, "entityType": "user"}, "$.entity.uid"),
    ("wire/receiver-entity", {"entity": BOB, "entityType": "channel"}, "$.entityType"),
    (
        "wire/receiver-entity",
        {"entity": {"guid": "team", "name": "Team"}, "entityType": "group"},
        "$.entity.type",
    ),
    ("wire/call-token", {"token": ""}, "$.token"),
    ("wire/call-log", {**REST_CALL_LOG, "status": "missed"}, "$.status"),
    ("wire/call-log", {**REST_CALL_LOG, "endedAt": "later"}, "$.endedAt"),
    ("wire/call-log", changed(REST_CALL_LOG, "initiatedAt", DELETE), "$.initiatedAt"),
    ("wire/call-log", changed(REST_CALL_LOG, "participants.0.uid", DELETE), "$.participants[0].uid"),
    # wire: WebSocket frames
    ("wire/ws-auth-frame", changed(WS_AUTH_FRAME, "type", "message"), "$.type"),
    ("wire/ws-auth-frame", changed(WS_AUTH_FRAME, "body.auth", DELETE), "$.body.auth"),
    (
        "wire/ws-auth-frame",
        changed(WS_AUTH_FRAME, "body.presenceSubscription", "EVERYONE"),
        "$.body.presenceSubscription",
    ),
    ("wire/ws-auth-frame", changed(WS_AUTH_FRAME, "body.presenceSubscription", "ROLES"), "$.body.roles"),
    ("wire/ws-auth-reply", {"type": "auth", "body": {"code": 200, "status": "OK"}}, "$.body.code"),
    ("wire/ws-auth-reply", {"type": "auth", "body": {"code": "201", "status": "OK"}}, "$.body.code"),
    ("wire/ws-auth-reply", {"type": "auth", "body": {"code": "401", "status": "ERROR"}}, "$.body.message"),
    ("wire/ws-auth-reply", {"type": "auth", "body": {"code": "200", "status": "ok"}}, "$.body.status"),
    ("wire/ws-ping", {"action": "pong"}, "$.action"),
    ("wire/ws-ping", {"action": "ping", "ack": True}, "$.ack"),
    ("wire/ws-pong", {"action": "ping"}, "$.action"),
    ("wire/ws-pong", {"type": "pong"}, "$.action"),
    ("wire/ws-call-frame", changed(WS_CALL_FRAME, "body", DELETE), "$.body"),
    ("wire/ws-call-frame", changed(WS_CALL_FRAME, "type", "auth"), "$.type"),
    ("wire/ws-call-frame", changed(WS_CALL_FRAME, f"body.{ON}.sessionid", DELETE), f"$.body.{ON}.sessionid"),
    ("wire/ws-call-frame", changed(WS_CALL_FRAME, "receiverType", "group"), "$.body.receiverType"),
    (
        "wire/ws-error-frame",
        {"type": "error", "body": {"code": "ERR_BAD_FRAME", "message": "not JSON"}},
        "$.body.details",
    ),
    (
        "wire/ws-error-frame",
        {"type": "message", "body": {"code": "E", "message": "", "details": {}}},
        "$.type",
    ),
    # adapter
    (
        "adapter/service-info",
        {"name": "x", "version": "1", "protocolVersion": 2, "capabilities": []},
        "$.protocolVersion",
    ),
    (
        "adapter/service-info",
        {"name": "x", "version": "1", "protocolVersion": 1, "capabilities": ["group-call"]},
        "$.capabilities[0]",
    ),
    (
        "adapter/service-info",
        {"name": "x", "version": "1", "protocolVersion": 1, "capabilities": ["listeners", "listeners"]},
        "$.capabilities",
    ),
    ("adapter/create-instance-request", changed(CREATE_INSTANCE, "user.authKey", None), "$.user.authKey"),
    ("adapter/create-instance-request", changed(CREATE_INSTANCE, "clock.now", DELETE), "$.clock.now"),
    ("adapter/create-instance-request", changed(CREATE_INSTANCE, "clock.mode", "fast"), "$.clock.mode"),
    (
        "adapter/create-instance-request",
        changed(CREATE_INSTANCE, "callbackUrl", "ftp://x/cb"),
        "$.callbackUrl",
    ),
    (
        "adapter/create-instance-request",
        changed(CREATE_INSTANCE, "server.clientHost", "https://127.0.0.1:8443"),
        "$.server.clientHost",
    ),
    ("adapter/create-instance-request", changed(CREATE_INSTANCE, "appId", DELETE), "$.appId"),
    ("adapter/create-instance-reply", {}, "$.url"),
    (
        "adapter/command-request",
        {"command": "initiateCall", "params": {"receiver": "bob", "receiverType": "user", "callType": "fax"}},
        "$.params.callType",
    ),
    (
        "adapter/command-request",
        {
            "command": "initiateCall",
            "params": {"receiver": "bob", "receiverType": "user", "callType": "audio", "timeoutMs": 3000},
        },
        "$.params.timeoutMs",
    ),
    (
        "adapter/command-request",
        {
            "command": "initiateCall",
            "params": {"receiver": "bob", "receiverType": "user", "callType": "audio", "timeout": "3"},
        },
        "$.params.timeout",
    ),
    (
        "adapter/command-request",
        {"command": "rejectCall", "params": {"sessionId": SID, "status": "ended"}},
        "$.params.status",
    ),
    ("adapter/command-request", {"command": "acceptCall"}, "$.params"),
    (
        "adapter/command-request",
        {"command": "acceptCall", "params": {"sessionid": SID}},
        "$.params.sessionId",
    ),
    ("adapter/command-request", {"command": "advanceTime", "params": {"to": "soon"}}, "$.params.to"),
    ("adapter/command-request", {"command": "login", "params": {"uid": "alice"}}, "$.params.uid"),
    ("adapter/command-request", {"command": "fly", "params": {}}, "$.command"),
    ("adapter/command-request", {"command": "sync", "params": {}, "extra": 1}, "$.extra"),
    ("adapter/command-reply", {"ok": False}, "$.error"),
    ("adapter/command-reply", {"ok": "yes", "result": None}, "$.ok"),
    ("adapter/command-reply", {"ok": False, "error": {"message": "m"}}, "$.error.code"),
    ("adapter/command-reply", {"ok": True, "error": {"code": "E", "message": "m"}}, "$.error"),
    ("adapter/call", {**ADAPTER_CALL, "status": "ringing"}, "$.status"),
    ("adapter/call", {**ADAPTER_CALL, "callType": "fax"}, "$.callType"),
    ("adapter/call", {**ADAPTER_CALL, "initiatedAt": 1795608126.5}, "$.initiatedAt"),
    ("adapter/call", changed(ADAPTER_CALL, "sessionId", DELETE), "$.sessionId"),
    ("adapter/call", changed(ADAPTER_CALL, f"raw.{ON}.sessionid", DELETE), f"$.raw.{ON}.sessionid"),
    ("adapter/call", {**ADAPTER_CALL, "raw": "a string"}, "$.raw"),
    ("adapter/start-session-result", {}, "$.sessionId"),
    ("adapter/start-session-result", {"sessionId": ""}, "$.sessionId"),
    ("adapter/get-session-result", {"sessionId": SID}, "$.active"),
    ("adapter/get-session-result", {"sessionId": SID, "active": "yes"}, "$.active"),
    ("adapter/call", {**ADAPTER_CALL, "status": "ended", "duration": -1}, "$.duration"),
    ("adapter/call", {**ADAPTER_CALL, "status": "ended", "duration": 2.5}, "$.duration"),
    ("adapter/call", {**ADAPTER_CALL, "status": "ongoing", "duration": 3}, "$.duration"),
    ("adapter/user", {"uid": "alice", "name": "Alice"}, "$.authToken"),
    (
        "adapter/callback",
        {"listenerId": "l1", "callback": "onIncomingCallReceived", "call": ADAPTER_CALL, "seq": 0},
        "$.seq",
    ),
    (
        "adapter/callback",
        {"listenerId": "l1", "callback": "onCallStarted", "call": ADAPTER_CALL, "seq": 1},
        "$.callback",
    ),
    (
        "adapter/callback",
        {
            "listenerId": "l1",
            "callback": "onCallEndedMessageReceived",
            "call": {**ADAPTER_CALL, "status": "x"},
            "seq": 2,
        },
        "$.call.status",
    ),
    ("adapter/advance-time-result", {"nextTimer": None}, "$.now"),
    ("adapter/advance-time-result", {"now": 1800000000, "nextTimer": "never"}, "$.nextTimer"),
    ("adapter/sync-result", {"resource": RESOURCE_BOB, "framesReceived": -1, "now": 1}, "$.framesReceived"),
    ("adapter/sync-result", {"resource": RESOURCE_BOB, "framesReceived": 1.5, "now": 1}, "$.framesReceived"),
    ("adapter/protocol-error", {"error": {"code": "OOPS", "message": "m"}}, "$.error.code"),
    ("adapter/protocol-error", {"code": "UNKNOWN_COMMAND", "message": "m"}, "$.error"),
    ("adapter/generate-token-result", {}, "$.token"),
]


def _schema_files() -> list[Path]:
    return sorted(
        path
        for source in SOURCES
        for path in Path(str(source.files())).glob("*.schema.json")  # a checkout or an unpacked wheel
    )


def _name(path: Path) -> str:
    group = next(s.group for s in SOURCES if Path(str(s.files())) == path.parent)
    return f"{group}/{path.name.removesuffix('.schema.json')}"


# --- the schema files themselves ---------------------------------------------------------------------


def test_names_match_the_files_on_disk():
    expected = sorted(_name(path) for path in _schema_files())
    assert CATALOG.names() == expected
    assert len(expected) >= 30


@pytest.mark.parametrize("path", _schema_files(), ids=_name)
def test_schema_file_is_a_documented_draft_2020_12_schema(path: Path):
    contents = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(contents)
    stem = path.name.removesuffix(".schema.json")
    assert contents["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert contents["$id"] == f"https://ringside.dev/schemas/{_name(path).split('/')[0]}/{stem}.schema.json"
    assert contents["title"].strip()
    assert len(contents["description"]) > 20


def test_ids_are_unique():
    ids = [json.loads(path.read_text(encoding="utf-8"))["$id"] for path in _schema_files()]
    assert len(ids) == len(set(ids))
    assert CATALOG.uri("wire/call-message") == "https://ringside.dev/schemas/wire/call-message.schema.json"
    assert CATALOG.registry().contents(CATALOG.uri("adapter/call"))["title"]


def test_every_schema_has_valid_and_invalid_examples():
    # script/ schemas are exercised with their YAML line mapping in tests/scripted/
    covered = [n for n in CATALOG.names() if not n.startswith("script/")]
    assert sorted(VALID) == covered
    assert sorted({name for name, _, _ in INVALID}) == covered


# --- examples ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "instance"),
    [
        pytest.param(name, example, id=f"{name}-{i}")
        for name, examples in VALID.items()
        for i, example in enumerate(examples)
    ],
)
def test_valid_example_passes(name: str, instance: Any):
    assert CATALOG.validate(name, instance) == []
    CATALOG.assert_valid(name, instance)


@pytest.mark.parametrize(
    ("name", "instance", "path"),
    [pytest.param(name, instance, path, id=f"{name}-{path}") for name, instance, path in INVALID],
)
def test_invalid_example_fails_at_expected_path(name: str, instance: Any, path: str):
    problems = CATALOG.validate(name, instance)
    assert problems, f"{name} accepted an invalid instance"
    assert path in [problem.path for problem in problems], "\n".join(map(str, problems))


# --- loader API --------------------------------------------------------------------------------------


def test_problem_fields_for_a_missing_session_id():
    instance = changed(CALL_MESSAGE, f"{ON}.sessionid", DELETE)
    [problem] = CATALOG.validate("wire/call-message", instance)
    assert problem.path == "$.data.entities.on.entity.sessionid"
    assert "'sessionid' is a required property" in problem.message
    assert problem.schema_path == "properties/data/properties/entities/properties/on/properties/entity/required"
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.path = "$"  # type: ignore[misc]


def test_one_of_is_reported_as_the_errors_of_the_selected_branch():
    problems = CATALOG.validate(
        "adapter/command-request",
        {"command": "initiateCall", "params": {"receiver": "bob", "receiverType": "user", "callType": "fax"}},
    )
    assert [(p.path, p.schema_path) for p in problems] == [
        ("$.params.callType", "oneOf/2/properties/params/properties/callType/enum")
    ]


def test_integer_auth_code_is_rejected_with_a_type_problem():
    problems = CATALOG.validate("wire/ws-auth-reply", {"type": "auth", "body": {"code": 200, "status": "OK"}})
    assert any(p.path == "$.body.code" and "is not of type 'string'" in p.message for p in problems)


def test_assert_valid_lists_every_problem_one_per_line():
    instance = {"error": {"code": "", "message": 5}, "data": {}}
    problems = CATALOG.validate("wire/error-envelope", instance)
    assert len(problems) == 4
    with pytest.raises(schemas.SchemaViolation) as caught:
        CATALOG.assert_valid("wire/error-envelope", instance)
    assert isinstance(caught.value, ValueError)
    assert caught.value.problems == tuple(problems)
    lines = str(caught.value).splitlines()
    assert lines[0] == "wire/error-envelope: 4 schema problems"
    assert len(lines) == 1 + len(problems)
    for line, problem in zip(lines[1:], problems, strict=True):
        assert problem.path in line
        assert problem.message in line


def test_unknown_schema_name():
    with pytest.raises(KeyError) as caught:
        CATALOG.validate("wire/nope", {})
    assert isinstance(caught.value, schemas.UnknownSchemaError)
    assert "wire/call-message" in str(caught.value)
    with pytest.raises(schemas.UnknownSchemaError):
        CATALOG.assert_valid("call-message", {})


def test_schema_returns_an_independent_copy():
    first = CATALOG.schema("wire/user")
    first["required"].append("bogus")
    assert "bogus" not in CATALOG.schema("wire/user")["required"]
    assert CATALOG.validate("wire/user", ALICE) == []


def test_validators_are_cached():
    CATALOG.validate("wire/ws-pong", {"action": "pong"})
    first = CATALOG._validator("wire/ws-pong")
    CATALOG.validate("wire/ws-pong", {"action": "pong"})
    assert CATALOG._validator("wire/ws-pong") is first


def test_long_messages_are_shortened():
    huge = {"command": "fly", "params": {"blob": "x" * 5000}}
    assert all(len(p.message) <= 400 for p in CATALOG.validate("adapter/command-request", huge))


# --- loader failures ---------------------------------------------------------------------------------


@pytest.fixture
def schema_copy(tmp_path, monkeypatch):
    """A writable copy of the wire schemas that a fresh catalogue (``copied``) reads instead of the package's."""
    shutil.copytree(Path(str(schemas.WIRE.files())), tmp_path / "wire")
    monkeypatch.setattr(schemas.resources, "files", lambda _package: tmp_path)
    return tmp_path


@pytest.fixture
def copied(schema_copy):
    return schemas.SchemaCatalog(schemas.WIRE)


def _rewrite(path: Path, **updates: Any) -> None:
    contents = json.loads(path.read_text(encoding="utf-8"))
    contents.update(updates)
    path.write_text(json.dumps(contents), encoding="utf-8")


def test_loader_reads_the_copy(schema_copy: Path, copied: schemas.SchemaCatalog):
    (schema_copy / "wire" / "ws-pong.schema.json").unlink()
    assert "wire/ws-pong" not in copied.names()


def test_loader_rejects_a_misnamed_id(schema_copy: Path, copied: schemas.SchemaCatalog):
    _rewrite(
        schema_copy / "wire" / "ws-pong.schema.json",
        **{"$id": "https://ringside.dev/schemas/wire/pong.schema.json"},
    )
    with pytest.raises(schemas.SchemaLoadError, match=r"wire/ws-pong: \$id must be"):
        copied.names()


def test_loader_rejects_an_invalid_schema(schema_copy: Path, copied: schemas.SchemaCatalog):
    _rewrite(schema_copy / "wire" / "ws-pong.schema.json", type="objekt")
    with pytest.raises(schemas.SchemaLoadError, match="not a valid Draft 2020-12 schema"):
        copied.names()


def test_loader_rejects_a_dangling_ref(schema_copy: Path, copied: schemas.SchemaCatalog):
    _rewrite(
        schema_copy / "wire" / "ws-pong.schema.json",
        properties={"action": {"$ref": "https://ringside.dev/schemas/wire/missing.schema.json"}},
    )
    with pytest.raises(schemas.SchemaLoadError, match="does not resolve"):
        copied.names()


# --- the compiled fast path agrees with jsonschema ---------------------------------------------------

_mutation_values = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=6)
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=4), st.integers(), max_size=2)
)


def _mutate(instance: Any, data: st.DataObject) -> Any:
    """``instance`` with one value somewhere in it replaced, or one key dropped or added."""
    if isinstance(instance, dict) and instance:
        key = data.draw(st.sampled_from(sorted(instance)))
        action = data.draw(st.sampled_from(["descend", "replace", "drop", "add"]))
        copy_ = dict(instance)
        if action == "descend":
            copy_[key] = _mutate(instance[key], data)
        elif action == "replace":
            copy_[key] = data.draw(_mutation_values)
        elif action == "drop":
            del copy_[key]
        else:
            copy_[data.draw(st.text(max_size=6))] = data.draw(_mutation_values)
        return copy_
    if isinstance(instance, list) and instance:
        index = data.draw(st.integers(0, len(instance) - 1))
        return [*instance[:index], _mutate(instance[index], data), *instance[index + 1 :]]
    return data.draw(_mutation_values)


@settings(max_examples=600, deadline=None, derandomize=True)
@given(data=st.data())
def test_the_compiled_validator_agrees_with_jsonschema_on_mutated_examples(data: st.DataObject) -> None:
    """validate() asks jsonschema-rs first and trusts its "valid": it must never call valid what
    jsonschema (the reference implementation, which names the problems) calls invalid."""
    name = data.draw(st.sampled_from(sorted(VALID)))
    instance = _mutate(data.draw(st.sampled_from(VALID[name])), data)
    slow = not any(True for _ in CATALOG._validator(name).iter_errors(instance))
    assert CATALOG._is_valid_fast(name, instance) == slow, (name, instance)


# --- the compiled meta-schema check agrees with jsonschema's check_schema -----------------------------

#: every schema ringside ships (CATALOG holds all four folders)
_ALL_SCHEMAS = {name: CATALOG._schema(name) for name in CATALOG.names()}
_schema_keywords = st.sampled_from(
    ["type", "pattern", "patternProperties", "minLength", "required", "enum", "$ref", "items", "properties", "format"]
)
_schema_values = (
    _mutation_values
    | st.sampled_from(["([", "a{2,1}", "(?P<x", "\\", "^ok$", "[a-z]+", "objekt", "string"])
    | st.dictionaries(st.sampled_from(["([", "^x", "a{2,1}", "ok"]), st.just({}), max_size=2)
)


def _mutate_schema(node: Any, data: st.DataObject) -> Any:
    """``node`` with one keyword somewhere in it set to a likely-wrong value, or one value changed."""
    if isinstance(node, dict) and node and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(node)))
        return {**node, key: _mutate_schema(node[key], data)}
    if isinstance(node, dict):
        return {**node, data.draw(_schema_keywords): data.draw(_schema_values)}
    if isinstance(node, list) and node:
        index = data.draw(st.integers(0, len(node) - 1))
        return [*node[:index], _mutate_schema(node[index], data), *node[index + 1 :]]
    return data.draw(_schema_values)


def _check_schema_accepts(contents: Any) -> bool:
    try:
        Draft202012Validator.check_schema(contents)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("name", sorted(_ALL_SCHEMAS))
def test_every_shipped_schema_passes_the_compiled_meta_check(name: str) -> None:
    """Else loading it would fall back to jsonschema's slow check_schema on every start."""
    assert schemas._meta_valid(_ALL_SCHEMAS[name])


def test_the_compiled_meta_check_leaves_bad_regexes_to_check_schema() -> None:
    """jsonschema-rs's meta-check does not assert the ``regex`` format; jsonschema's does."""
    assert not schemas._meta_valid({"pattern": "(["})
    assert not schemas._meta_valid({"patternProperties": {"a{2,1}(": {}}})
    assert not _check_schema_accepts({"pattern": "(["})


@settings(max_examples=400, deadline=None, derandomize=True)
@given(data=st.data())
def test_the_compiled_meta_check_never_accepts_what_check_schema_rejects(data: st.DataObject) -> None:
    """Loading trusts _meta_valid's "valid" and asks check_schema otherwise, so a loaded schema is one
    check_schema accepts, whichever answered."""
    name = data.draw(st.sampled_from(sorted(_ALL_SCHEMAS)))
    mutated = _mutate_schema(copy.deepcopy(dict(_ALL_SCHEMAS[name])), data)
    if schemas._meta_valid(mutated):
        assert _check_schema_accepts(mutated), (name, mutated)


def test_an_unchanged_schema_file_is_checked_once(schema_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[object] = []
    monkeypatch.setattr(schemas, "_meta_valid", lambda contents: checked.append(contents) or True)
    monkeypatch.setattr(schemas, "_CHECKED", {})
    schemas.SchemaCatalog(schemas.WIRE).names()
    first = len(checked)
    assert first > 0
    schemas.SchemaCatalog(schemas.WIRE).names()  # a second catalogue over the same files
    assert len(checked) == first
    _rewrite(schema_copy / "wire" / "ws-pong.schema.json", description="changed")
    schemas.SchemaCatalog(schemas.WIRE).names()
    assert len(checked) == first + 1
