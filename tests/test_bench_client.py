"""The signing benchmark's HTTP client: a wrong or missing answer must fail the run loudly,
never count as answered."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.keepalive import Client, Unanswered, post_request

BODY = b"csrf_token=t"
ANSWER = b"HTTP/1.1 302 FOUND\r\nContent-Length: 5\r\nLocation: /x\r\n\r\nmoved"


def ask_all(reply, count: int) -> tuple[list[int], int]:
    """`count` posts through one client to a server that answers each with `reply(writer)`;
    the statuses and how many connections the server saw."""
    connections = 0

    async def serve(reader, writer):
        nonlocal connections
        connections += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                await reader.readexactly(len(BODY))
                if not await reply(writer):
                    break
        except asyncio.IncompleteReadError:
            pass  # the client closed the connection
        writer.close()

    async def main():
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = Client(f"http://127.0.0.1:{port}")
        request = post_request(f"127.0.0.1:{port}", "/sign", {}, BODY)
        try:
            return [await client.ask(request) for _ in range(count)]
        finally:
            client.close()
            await asyncio.sleep(0.05)  # the server's side sees the close and ends
            server.close()
            await server.wait_closed()

    # A thread of its own: the browser tests' Playwright keeps an event loop in this one.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, main()).result(), connections


async def keep_alive(writer) -> bool:
    writer.write(ANSWER)
    return True


async def close_after_answering(writer) -> bool:
    writer.write(ANSWER)
    await writer.drain()
    return False  # as a keep-alive timeout would, without saying so


def test_kept_alive_answers_arrive_over_one_connection():
    assert ask_all(keep_alive, 3) == ([302, 302, 302], 1)


def test_a_kept_alive_connection_the_server_closed_is_opened_again():
    assert ask_all(close_after_answering, 3) == ([302, 302, 302], 3)


def test_an_answer_it_cannot_read_fails_the_run():
    async def chunked(writer) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        return True

    with pytest.raises(ValueError, match="Content-Length"):
        ask_all(chunked, 1)


def test_a_connection_broken_halfway_through_an_answer_fails_the_run():
    async def half(writer) -> bool:
        writer.write(ANSWER[:20])
        await writer.drain()
        return False

    with pytest.raises(Unanswered):
        ask_all(half, 1)
