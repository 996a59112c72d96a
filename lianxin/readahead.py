"""AMQP frames read from a buffer filled in large reads, not three system calls each.

py-amqp's TCP transport reads exactly what it needs next: a frame's 7-byte header,
then its payload, then its end byte, each a ``recv`` of its own, and an event
delivered is three frames, so nine calls through eventlet's socket for each. Here a
``recv`` asks for up to ``READ_AHEAD`` bytes, whatever the broker has sent so far,
and the frames are taken from that buffer, so the deliveries that arrive together
(up to the prefetch count) cost one call between them.

The buffer is py-amqp's own (``_read_buffer``), with an offset into it
(``_read_at``); whenever a read raises (a timeout mid-frame, the connection lost),
what was read and not taken is left in ``_read_buffer`` at offset 0, as py-amqp
expects when it puts a partial frame back. ``install()`` replaces
``TCPTransport._read`` (amqp 5.4, pinned); ``lianxin.bus`` installs it, so every
service, the relay's publisher and the tools read this way. TLS connections
(``SSLTransport``) keep py-amqp's reads.
"""
import errno
import socket

from amqp.transport import TCPTransport

READ_AHEAD = 65536   # bytes a read asks the socket for, at most


def _read(self, n, initial=False, _errnos=(errno.EAGAIN, errno.EINTR)):
    """Exactly ``n`` bytes: from the buffer if it holds them, else read ahead."""
    buffer, at = self._read_buffer, self._read_at
    if len(buffer) - at >= n:
        self._read_at = at + n
        return buffer[at:at + n]
    rbuf, self._read_at = buffer[at:], 0
    recv = self._quick_recv
    try:
        while len(rbuf) < n:
            try:
                received = recv(max(n - len(rbuf), READ_AHEAD))
            except OSError as exc:
                if exc.errno in _errnos:
                    if initial and self.raise_on_initial_eintr:
                        raise socket.timeout() from None
                    continue
                raise
            if not received:
                raise OSError("Server unexpectedly closed connection")
            rbuf += received
    except BaseException:
        self._read_buffer = rbuf
        raise
    self._read_buffer, self._read_at = rbuf, n
    return rbuf[:n]


def install():
    """Make py-amqp's TCP connections read ahead; safe to repeat."""
    TCPTransport._read_at = 0
    TCPTransport._read = _read
