"""The WebSocket protocol of the chat socket, framework-free: auth, ping/pong, and refusing garbage.

Wire facts §3: the first frame is ``{"type": "auth", "body": {"auth": <jwt>, …}}`` answered with the
*string* code ``"200"``; ``{"action": "ping"}`` gets ``{"action": "pong"}``. Call frames only flow
server → client. A frame ringside cannot take gets an error frame and the socket stays open; a bad
credential (or a logged-out jwt) gets an auth failure and the socket is closed. A socket that has not
authenticated within ``ServerConfig.auth_deadline`` real seconds is closed by the hub (code 4001).
"""

from __future__ import annotations

from typing import Any

from mockserver import jsoncodec
from mockserver.core import ErrorCode, RingsideError
from mockserver.core.messages import WS_AUTH_OK, WS_PONG, ws_auth_failed, ws_error
from mockserver.hub import Device, Hub
from mockserver.schemas import validate

#: Frames longer than this are journaled truncated.
_JOURNAL_TEXT_LIMIT = 64 * 1024


async def on_text(hub: Hub, device: Device, text: str) -> None:
    """Handle one text frame from ``device``."""
    device.frames_received += 1
    hub.stats.frames_in += 1
    try:
        frame: Any = jsoncodec.decode(text)  # aiohttp's max_msg_size bounded the frame
    except RingsideError as error:
        hub.journal.record(
            "ws.in", conn=device.conn_id, uid=device.uid, device=device.resource, text=text[:_JOURNAL_TEXT_LIMIT]
        )
        # not JSON at all keeps the frame's own code; a depth or number bound keeps the codec's
        code = ErrorCode.BAD_FRAME if error.code is ErrorCode.BAD_JSON else error.code
        message = error.message.replace("the body is not valid JSON", "the frame is not JSON")
        await hub.send(device, ws_error(code, message, dict(error.details)), apply_hooks=False)
        return
    hub.journal.record("ws.in", conn=device.conn_id, uid=device.uid, device=device.resource, frame=frame)
    if not isinstance(frame, dict):
        await hub.send(device, ws_error(ErrorCode.BAD_FRAME, "a frame must be a JSON object"), apply_hooks=False)
    elif frame.get("action") == "ping":
        await hub.send(device, dict(WS_PONG))
    elif frame.get("type") == "auth":
        await _auth(hub, device, frame)
    elif device.uid is None:
        await hub.send(device, ws_error(ErrorCode.WS_NOT_AUTHENTICATED, "send the auth frame first"), apply_hooks=False)
    elif not isinstance(frame.get("type") or frame.get("action"), str):
        await hub.send(
            device, ws_error(ErrorCode.BAD_FRAME, "a frame needs a string 'type' or 'action'"), apply_hooks=False
        )
    # Any other typed frame (typing indicators, receipts…) is journaled and ignored, as the real
    # server does for what a ringing client has no business sending.


async def on_binary(hub: Hub, device: Device, data: bytes) -> None:
    """Binary frames are never part of the protocol."""
    device.frames_received += 1
    hub.stats.frames_in += 1
    hub.journal.record("ws.in", conn=device.conn_id, uid=device.uid, device=device.resource, binary=len(data))
    await hub.send(device, ws_error(ErrorCode.BAD_FRAME, "binary frames are not supported"), apply_hooks=False)


async def _auth(hub: Hub, device: Device, frame: dict[str, Any]) -> None:
    problems = validate("wire/ws-auth-frame", frame)
    body: dict[str, Any] = frame["body"] if isinstance(frame.get("body"), dict) else {}
    user = hub.backend.directory.user_for_jwt(str(body.get("auth", "")))
    if problems or user is None or frame.get("appId", hub.config.app_id) != hub.config.app_id:
        if problems:
            reason = f"bad auth frame: {problems[0].path}: {problems[0].message}"
        elif user is None:
            reason = "the auth credential (jwt) is unknown"
        else:
            reason = f"this server serves app {hub.config.app_id!r}"
        await hub.send(device, ws_auth_failed(ErrorCode.AUTH_TOKEN_NOT_FOUND, reason), apply_hooks=False)
        await hub.disconnect(device, "auth failed", after_frames=True)
        return
    refusal = hub.admission_refusal(user.uid)
    if refusal is not None:
        await hub.send(device, ws_auth_failed(ErrorCode.RECONNECT_REFUSED, refusal), apply_hooks=False)
        await hub.disconnect(device, "reconnect refused", after_frames=True)
        return
    resource = frame.get("deviceId") or body.get("deviceId")
    hub.authenticate(device, user.uid, str(resource) if resource else None)
    await hub.send(device, dict(WS_AUTH_OK), apply_hooks=False)
