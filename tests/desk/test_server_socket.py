"""The desk's listening socket (desk/server.py listening_socket): connections accepted from it have
Nagle off, as asyncio sets it for TCP sockets. With the socket made as proto 0 asyncio left Nagle on,
and every keep-alive response's body waited ~40 ms for the client's delayed ACK of its headers
(bench/site.py's p95 of 50-130 ms for pages that take 2-20 ms)."""
from __future__ import annotations

import asyncio
import socket

from desk.server import listening_socket


def test_connections_the_desk_accepts_have_nagle_off():
    sock = listening_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport) -> None:
            conn = transport.get_extra_info("socket")
            seen.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            await asyncio.wait_for(reader.read(), 10)           # closed by the probe once it has looked
            writer.close()

    asyncio.run(main())
    assert seen and seen[0] != 0
