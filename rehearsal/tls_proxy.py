"""An HTTPS proxy that answers for chosen host names itself instead of reaching them.

Terraform's HTTP clients honour ``HTTPS_PROXY``: each connection starts with ``CONNECT host:443``;
the proxy accepts it only for a host it serves, terminates TLS with the throwaway CA's
certificate and hands every request inside the tunnel to that host's service. Nothing is
forwarded anywhere, so a request for any other host fails as it would offline.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from rehearsal.throwaway_ca import ServerCertificate


@dataclass(frozen=True)
class Request:
    """One request inside a tunnel: the path is unquoted, the header names lower case."""

    method: str
    host: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Response:
    """A HEAD response names its ``Content-Length`` itself: the resource's, with no body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


Service = Callable[[Request], Response]


def _read_request(handler: BaseHTTPRequestHandler, host: str) -> Request:
    url = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    return Request(
        method=handler.command,
        host=host,
        path=unquote(url.path),
        query={key: values[-1] for key, values in parse_qs(url.query).items()},
        headers={name.lower(): value for name, value in handler.headers.items()},
        body=handler.rfile.read(length) if length else b"",
    )


def _handler(services: Mapping[str, Service], tls: ssl.SSLContext) -> type:
    def service_for(host: str) -> Service | None:
        if host in services:
            return services[host]
        parent = host.partition(".")[2]
        return services.get(f"*.{parent}")

    class TunnelHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        tunnel_host = ""

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the tests read Terraform's output, not the proxy's."""

        def do_CONNECT(self) -> None:
            host, _, port = self.path.rpartition(":")
            if port != "443" or service_for(host) is None:
                self.send_error(403, f"this proxy only serves {sorted(services)}")
                return
            self.send_response(200, "Connection Established")
            self.end_headers()
            self.wfile.flush()
            try:
                self.connection = tls.wrap_socket(self.connection, server_side=True)
            except (ssl.SSLError, OSError):
                self.close_connection = True
                return
            self.rfile = self.connection.makefile("rb")
            self.wfile = self.connection.makefile("wb")
            self.tunnel_host = host
            self.close_connection = False
            while not self.close_connection:
                self.handle_one_request()

        def _serve(self) -> None:
            if not self.tunnel_host:
                self.send_error(405, "only CONNECT tunnels are served")
                return
            host = self.headers.get("Host", self.tunnel_host).partition(":")[0]
            service = service_for(host)
            if service is None:
                self.send_error(421, f"{host} is not served here")
                return
            response = service(_read_request(self, host))
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if "Content-Length" not in response.headers:
                self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            self.wfile.flush()

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve  # noqa: N815

    return TunnelHandler


@contextlib.contextmanager
def serving(services: Mapping[str, Service], certificate: ServerCertificate) -> Iterator[str]:
    """Runs the proxy on a free local port while the block runs; yields its ``http://`` URL.

    ``services`` maps a host name, or ``*.<domain>`` for any host one label under it, to the
    service that answers for it."""
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(certificate.cert_file, certificate.key_file)
    tls.set_alpn_protocols(["http/1.1"])
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(services, tls))
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="tls-proxy", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
