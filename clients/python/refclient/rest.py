"""REST requests the way the JS SDK's ``makeApiCall`` makes them (wire spec §2.1, §2.2).

Every request carries the common headers (``resource``, ``appId``, ``Accept``, ``sdk``,
``Content-Type``) plus either ``authToken`` (client endpoints) or ``apiKey`` (admin endpoints). A
reply with a ``data`` key is success whatever its HTTP status; ``{"error": {...}}`` raises
:class:`~refclient.errors.CometChatError` with the server's code unchanged; anything else, and any
network failure, raises ``FAILED_TO_FETCH``.

URLs: before ``/me`` has returned app settings, requests go to ``{base_url}/{endpoint}`` (the SDK
with ``overrideClientHost`` sends no version segment); afterwards to
``{base_url}/{CHAT_API_VERSION}/{endpoint}`` (``v3.0``). The host always stays ``base_url``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from refclient.activity import Activity
from refclient.errors import CometChatError, ErrorCode

__all__ = ["RestClient"]

log = logging.getLogger(__name__)


class RestClient:
    """Sends the SDK's REST requests and unwraps the ``data`` / ``error`` envelopes.

    Args:
        session: returns the shared ``aiohttp.ClientSession`` (called per request).
        base_url: scheme, host and port of the API, e.g. ``https://127.0.0.1:8443``.
        app_id: the ``appId`` header.
        resource: the ``resource`` header (the per-instance device id).
        sdk: the ``sdk`` header.
        activity: counts each request while it is in flight.
    """

    def __init__(
        self,
        *,
        session: Callable[[], aiohttp.ClientSession],
        base_url: str,
        app_id: str,
        resource: str,
        sdk: str,
        activity: Activity,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._app_id = app_id
        self._resource = resource
        self._sdk = sdk
        self._activity = activity
        #: The token sent as ``authToken``; ``None`` until logged in.
        self.auth_token: str | None = None
        #: The version segment from the app settings (``CHAT_API_VERSION``); ``None`` before ``/me``.
        self.api_version: str | None = None

    def url(self, endpoint: str, *, version: str | None = None) -> str:
        """The URL of ``endpoint``: with ``version`` if given, else with the settings' version if known."""
        segment = version or self.api_version
        prefix = f"{self._base_url}/{segment}" if segment else self._base_url
        return f"{prefix}/{endpoint.lstrip('/')}"

    def headers(self, *, api_key: str | None = None) -> dict[str, str]:
        """The common headers, plus ``apiKey`` when given, else ``authToken`` (when set)."""
        headers = {
            "resource": self._resource,
            "appId": self._app_id,
            "Accept": "application/json",
            "sdk": self._sdk,
            "Content-Type": "application/json",
        }
        if api_key is not None:
            headers["apiKey"] = api_key
        elif self.auth_token is not None:
            headers["authToken"] = self.auth_token
        return headers

    async def request(
        self,
        method: str,
        endpoint: str,
        body: Any = None,
        *,
        api_key: str | None = None,
        admin: bool = False,
        version: str | None = None,
    ) -> Any:
        """Send one request and return the reply's ``data``.

        Args:
            method: HTTP method.
            endpoint: path after the version segment, e.g. ``calls/{sid}``.
            body: JSON body, or ``None`` for none.
            api_key: the ``apiKey`` header (admin endpoints).
            admin: this is an admin endpoint: ``api_key`` is required instead of the auth token.
            version: force this version segment (the Calls SDK always uses ``v3.0``).

        Raises:
            CometChatError: the server's error envelope; ``USER_NOT_LOGED_IN`` / ``API_KEY_NOT_SET``
                (nothing sent); or ``FAILED_TO_FETCH``.
        """
        if admin and not api_key:
            raise CometChatError.local(ErrorCode.API_KEY_NOT_SET, endpoint=endpoint)
        if not admin and self.auth_token is None:
            raise CometChatError.local(ErrorCode.USER_NOT_LOGED_IN, endpoint=endpoint)
        url = self.url(endpoint, version=version)
        data = None if body is None else json.dumps(body)
        async with self._activity.track():
            try:
                async with self._session().request(
                    method, url, data=data, headers=self.headers(api_key=api_key if admin else None)
                ) as response:
                    text = await response.text()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                raise CometChatError.local(ErrorCode.FAILED_TO_FETCH, reason=f"{method} {url}: {exc}") from exc
        log.debug("%s %s -> %s %s", method, url, status, text[:300])
        return _unwrap(text, f"{method} {url} (HTTP {status})")


def _unwrap(text: str, what: str) -> Any:
    """``data`` of a reply body, or the error it carries."""
    try:
        reply = json.loads(text)
    except ValueError:
        raise CometChatError.local(ErrorCode.FAILED_TO_FETCH, reason=f"{what}: reply is not JSON") from None
    if isinstance(reply, dict):
        if "data" in reply:
            return reply["data"]
        if "error" in reply:
            raise CometChatError.from_envelope(reply["error"])
    raise CometChatError.local(ErrorCode.FAILED_TO_FETCH, reason=f"{what}: reply has neither data nor error")
