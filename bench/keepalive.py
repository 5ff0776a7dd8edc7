"""A lean keep-alive HTTP/1.1 client for the write benchmarks, which must not eat the cores
they measure: aiohttp spent 0.4 ms of CPU per signing request, a tenth of what the 2-core
machine spends serving one; this spends about a quarter of that. Each connection writes
prebuilt request bytes and reads back the status line, the headers and Content-Length bytes
of body (what gunicorn sends for a Flask answer), and reconnects when the server closes.
Nothing fails quietly: an answer it cannot read, or a connection that breaks while a request
is out, raises, except that a kept-alive connection the server closed before answering
anything is opened again once and the request sent again (the benchmarks' posts are
idempotent: a repeated signature changes nothing)."""

import asyncio
from urllib.parse import urlsplit


def post_request(host: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Connection(asyncio.Protocol):
    """One connection; `ask(request)` sends a request and returns the answer's status."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received = bytearray()
        self.answer: asyncio.Future | None = None
        self.open = False

    def connection_made(self, transport) -> None:
        self.transport, self.open = transport, True

    def connection_lost(self, exc) -> None:
        self.open = False
        if self.answer and not self.answer.done():
            self.answer.set_exception(Unanswered(bool(self.received)))

    def data_received(self, data: bytes) -> None:
        self.received += data
        end = self.received.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.received[:end]).lower()
        try:
            total = end + 4 + _content_length(head)
        except ValueError as error:
            self.answer.set_exception(error)
            self.transport.close()
            return
        if len(self.received) < total:
            return
        del self.received[:total]
        if b"\r\nconnection: close" in head:
            self.transport.close()
        self.answer.set_result(int(head[9:12]))

    async def ask(self, request: bytes) -> int:
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.answer


class Unanswered(ConnectionError):
    """The connection closed while a request was out; `partly` if part of an answer came."""

    def __init__(self, partly: bool) -> None:
        super().__init__("the server closed the connection before answering")
        self.partly = partly


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name == b"content-length":
            return int(value)
    raise ValueError("an answer without Content-Length: this client reads no other kind")


class Client:
    """A connection that is opened again when the server has closed it."""

    def __init__(self, base_url: str) -> None:
        address = urlsplit(base_url)
        self.host, self.port = address.hostname, address.port
        self.connection: Connection | None = None

    async def ask(self, request: bytes) -> int:
        """The answer's status. A kept-alive connection that the server closed before
        answering anything is opened again once; any other failure raises."""
        reused = await self._connected()
        try:
            return await self.connection.ask(request)
        except Unanswered as closed:
            if not reused or closed.partly:
                raise
        await self._connected()
        return await self.connection.ask(request)

    async def _connected(self) -> bool:
        """Open a connection if there is none; True if the one there is was kept alive."""
        if self.connection is not None and self.connection.open:
            return True
        loop = asyncio.get_running_loop()
        _, self.connection = await loop.create_connection(Connection, self.host, self.port)
        return False

    def close(self) -> None:
        if self.connection and self.connection.open:
            self.connection.transport.close()
