"""A TCP proxy between the app and PostgreSQL that a test can take down and bring back:
what a restart of the database server looks like from the web process (every connection
cut, then refused for a while, then accepted again) without restarting the shared server
the other test runs use. Not a test module."""

from __future__ import annotations

import contextlib
import socket
import threading


class Proxy:
    """Forwards 127.0.0.1:<port> to upstream. `down()` cuts every open connection and
    refuses new ones (accepted and closed at once, as a server starting up would); `up()`
    forwards again."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._accepting = True
        self._closed = False
        self.connections = 0  # forwarded connections so far
        self.refused = 0  # connections refused while down
        self._thread = threading.Thread(target=self._serve, name="pg-proxy", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                accepting = self._accepting
            if not accepting:
                self.refused += 1
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._open.update((client, server))
                self.connections += 1
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                self._drop(sock)

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()

    def open_connections(self) -> int:
        with self._lock:
            return len(self._open) // 2

    def down(self) -> int:
        """Cut every connection and refuse new ones; returns how many were cut."""
        with self._lock:
            self._accepting = False
            victims = list(self._open)
        for sock in victims:
            self._drop(sock)
        return len(victims) // 2

    def up(self) -> None:
        with self._lock:
            self._accepting = True

    def close(self) -> None:
        self._closed = True
        self.down()
        with contextlib.suppress(OSError):
            self.listener.close()
