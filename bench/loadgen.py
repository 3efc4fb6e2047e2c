"""A lean HTTP/1.1 load generator for loopback benchmarks: raw sockets, prepared request bytes.

Why not `requests`: the load generator shares this machine's 2 cores with the server it
measures. `requests` spends about 1 ms of CPU per request (with 8 threads it capped any server,
even a page that does nothing, near 450 req/s), so it measured itself. Here a request is one
`sendall` of bytes built beforehand and a response is read by its Content-Length: tens of
microseconds each. Every body is sent exactly once; a connection the server closes (gunicorn's
sync workers close after each response) is reopened for the next request.
"""

import socket
import threading
import time
from collections import deque


class LoadError(RuntimeError):
    """The server answered something we cannot read as HTTP/1.1."""


def _request(host: str, port: int, path: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def _read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, bytes, bool]:
    """(status, body, server keeps the connection) of the next response on `sock`."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise LoadError("connection closed before the response headers")
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if "content-length" not in headers:
        raise LoadError("response without Content-Length")
    length = int(headers["content-length"])
    body = bytearray(rest)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise LoadError("connection closed inside the response body")
        body += chunk
    buffer[:] = body[length:]
    return status, bytes(body[:length]), headers.get("connection", "").lower() != "close"


def _drain(pending: deque, answers: list, host: str, port: int) -> None:
    """One connection's loop: send the next prepared request until none is left."""
    sock, buffer = None, bytearray()
    try:
        while pending:
            try:
                request = pending.popleft()
            except IndexError:
                return
            if sock is None:
                sock = socket.create_connection((host, port))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                buffer.clear()
            sock.sendall(request)
            status, body, keep = _read_response(sock, buffer)
            answers.append((status, body))
            if not keep:
                sock.close()
                sock = None
    finally:
        if sock is not None:
            sock.close()


def post_each(host: str, port: int, path: str, bodies: list[bytes], *,
              concurrency: int = 8) -> tuple[float, list[tuple[int, bytes]]]:
    """POST every body once, `concurrency` at a time; (wall seconds, [(status, body)...])."""
    pending = deque(_request(host, port, path, body) for body in bodies)
    answers: list[tuple[int, bytes]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            _drain(pending, answers, host, port)
        except (OSError, LoadError) as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise LoadError(f"{len(errors)} connections failed: {errors[0]}")
    return elapsed, answers
