"""TLS with ringside's own CA (a temporary tls_dir), and the plain-HTTP mode."""

from __future__ import annotations

import asyncio
import ssl
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest
from support import Api, auth_frame, open_device

from mockserver.tls import SERVER_NAMES, default_tls_dir, ensure_tls_files


@pytest.fixture
def tls_server(make_server, tmp_path):
    return make_server(tls=True, tls_dir=tmp_path / "tls")


def _context(server) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=server.ca_file)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_https_with_the_generated_ca(tls_server, http, host):
    assert tls_server.url.startswith("https://127.0.0.1:")
    api = Api(http, f"https://{host}:{tls_server.server.port}", ssl=_context(tls_server))
    login = await api.login("alice")
    assert login.me["settings"]["CLIENT_API_HOST"] == f"127.0.0.1:{tls_server.server.port}"
    assert (await api.request("GET", "/v3.0/settings")).status == 200


async def test_wss_with_the_generated_ca(tls_server, http):
    context = _context(tls_server)
    api = Api(http, tls_server.url, ssl=context)
    login = await api.login("bob")
    assert tls_server.ws_url.startswith("wss://")
    device = await open_device(http, tls_server.ws_url, "WEB-B", ssl=context)
    await device.send(auth_frame("bob", login.jwt, "WEB-B"))
    assert await device.recv() == {"type": "auth", "body": {"code": "200", "status": "OK"}}
    assert await device.sync() == []


async def test_untrusted_without_the_ca(tls_server, http):
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        await http.get(tls_server.url + "/settings", ssl=ssl.create_default_context())


async def test_certificate_names(tls_server):
    """The leaf names 127.0.0.1, localhost and ::1 as subject alternative names (browsers need IP SANs)."""
    context = _context(tls_server)
    for host in ("127.0.0.1", "localhost"):
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", tls_server.server.port, ssl=context, server_hostname=host), 5
        )
        cert = writer.get_extra_info("peercert")
        writer.close()
        await writer.wait_closed()
        sans = {value for kind, value in cert["subjectAltName"]}
        assert {"127.0.0.1", "localhost"} <= sans
        assert any(kind == "IP Address" and value == "127.0.0.1" for kind, value in cert["subjectAltName"])
        assert any(kind == "DNS" and value == "localhost" for kind, value in cert["subjectAltName"])
        assert any(
            kind == "IP Address" and value in ("::1", "0:0:0:0:0:0:0:1") for kind, value in cert["subjectAltName"]
        )
    assert set(SERVER_NAMES) == {"127.0.0.1", "localhost", "::1"}


async def test_wrong_name_is_refused(tls_server):
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.wait_for(
            asyncio.open_connection(
                "127.0.0.1", tls_server.server.port, ssl=_context(tls_server), server_hostname="example.com"
            ),
            5,
        )


def test_tls_files_are_made_once_and_kept(tmp_path):
    directory = tmp_path / "ca"
    first = ensure_tls_files(directory)
    assert {p.name for p in directory.iterdir()} == {"ca.pem", "server.pem", "server.key"}
    assert first.key.stat().st_mode & 0o777 == 0o600
    ca = first.ca.read_bytes()
    assert b"BEGIN CERTIFICATE" in ca
    second = ensure_tls_files(directory)
    assert second == first and second.ca.read_bytes() == ca, "the CA persists: trust it once"
    context = first.client_context()
    assert context.verify_mode is ssl.CERT_REQUIRED
    first.server_context()


async def test_server_reuses_its_ca(make_server, tmp_path, http):
    a = make_server(tls=True, tls_dir=tmp_path)
    b = make_server(tls=True, tls_dir=tmp_path)
    assert a.ca_file == b.ca_file == str(tmp_path / "ca.pem")
    context = ssl.create_default_context(cafile=a.ca_file)
    for server in (a, b):
        async with http.get(server.url + "/settings", ssl=context) as reply:
            assert reply.status == 200


def test_tls_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RINGSIDE_TLS_DIR", str(tmp_path / "env"))
    assert default_tls_dir() == tmp_path / "env"
    monkeypatch.delenv("RINGSIDE_TLS_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_tls_dir() == tmp_path / "cache" / "ringside" / "tls"


async def test_plain_http_mode(server, http):
    assert server.url.startswith("http://127.0.0.1:") and server.ws_url.startswith("ws://")
    assert server.ca_file is None
    api = Api(http, server.url)
    assert (await api.login("alice")).me["uid"] == "alice"
    with pytest.raises(aiohttp.ClientError):
        await http.get(f"https://127.0.0.1:{server.server.port}/settings", ssl=ssl.create_default_context())
    assert (await api.request("GET", "/settings")).status == 200, "a TLS attempt does not break the server"


def test_servers_starting_at_once_share_one_ca(tmp_path):
    """A fresh machine, many servers at once (xdist, CI): one CA is made, and every server uses it."""
    directory = tmp_path / "tls"
    with ThreadPoolExecutor(max_workers=6) as pool:
        made = list(pool.map(lambda _: ensure_tls_files(directory), range(6)))
    assert len({files.ca.read_bytes() for files in made}) == 1
    made[0].client_context()  # the CA loads
    made[0].server_context()  # and the certificate matches its key
