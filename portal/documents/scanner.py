"""Virus scanning with ClamAV's daemon (clamd), over its socket protocol.

The file is sent with INSTREAM: the command ``zINSTREAM\\0``, then chunks each led by its length
as 4 bytes in network order, then a chunk of length 0. clamd answers ``stream: OK``, or
``stream: <signature> FOUND``, or ``… ERROR`` (for example when the file is larger than its
StreamMaxLength). Anything but a clear OK or FOUND counts as "could not check": the upload is
refused rather than let through (fail closed).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from .errors import ScannerUnavailable

CHUNK = 64 * 1024


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str | None = None


@dataclass(frozen=True)
class Scanner:
    """A clamd reached through a unix socket (``socket_path``) or TCP (``host`` and ``port``)."""

    socket_path: str | None = None
    host: str | None = None
    port: int = 3310
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings) -> Scanner | None:
        """The scanner the settings describe, or None when none is configured."""
        timeout = float(settings.get("CLAMAV_TIMEOUT") or 30)
        if settings.get("CLAMAV_SOCKET"):
            return cls(socket_path=settings["CLAMAV_SOCKET"], timeout=timeout)
        if settings.get("CLAMAV_HOST"):
            return cls(host=settings["CLAMAV_HOST"], port=int(settings.get("CLAMAV_PORT") or 3310),
                       timeout=timeout)
        return None

    def describe(self) -> str:
        return f"unix:{self.socket_path}" if self.socket_path else f"tcp:{self.host}:{self.port}"

    def _connect(self) -> socket.socket:
        if self.socket_path:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(self.timeout)
            conn.connect(self.socket_path)
            return conn
        return socket.create_connection((self.host, self.port), timeout=self.timeout)

    def _exchange(self, command: bytes, body: bytes | None = None) -> str:
        try:
            with self._connect() as conn:
                conn.sendall(b"z" + command + b"\0")
                if body is not None:
                    for start in range(0, len(body), CHUNK):
                        chunk = body[start:start + CHUNK]
                        conn.sendall(struct.pack("!L", len(chunk)) + chunk)
                    conn.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    part = conn.recv(4096)
                    if not part:
                        break
                    reply += part
        except OSError as error:  # refused, missing socket, timeout, reset, broken pipe
            raise ScannerUnavailable(f"clamd at {self.describe()}: {error}") from error
        return reply.rstrip(b"\0").decode("utf-8", "replace").strip()

    def ping(self) -> bool:
        try:
            return self._exchange(b"PING") == "PONG"
        except ScannerUnavailable:
            return False

    def scan(self, data: bytes) -> ScanResult:
        """Scan the bytes; raises ScannerUnavailable when clamd gives no clear answer."""
        reply = self._exchange(b"INSTREAM", data)
        if reply == "stream: OK":
            return ScanResult(clean=True)
        if reply.startswith("stream: ") and reply.endswith(" FOUND"):
            return ScanResult(clean=False, signature=reply[len("stream: "):-len(" FOUND")])
        raise ScannerUnavailable(f"clamd at {self.describe()} answered {reply[:200]!r}")
