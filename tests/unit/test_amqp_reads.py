"""AMQP frames are taken from a buffer filled in large reads (``lianxin.readahead``):
the frames that arrive together cost one ``recv``, and a frame cut short by a timeout
is read whole once the rest arrives."""
import socket
import struct
import threading

import pytest
from amqp.transport import TCPTransport

import lianxin.bus  # noqa: F401  (installs the read-ahead, as every service does)


def frame(payload, channel=1, kind=1):
    return struct.pack(">BHI", kind, channel, len(payload)) + payload + b"\xce"


@pytest.fixture
def pair():
    ours, broker = socket.socketpair()
    transport = TCPTransport("127.0.0.1:5672")
    transport.sock = ours
    transport._setup_transport()
    reads = []
    recv = transport._quick_recv
    transport._quick_recv = lambda n: reads.append(n) or recv(n)
    yield transport, broker, reads
    ours.close()
    broker.close()


def test_the_frames_that_arrive_together_are_read_with_one_call(pair):
    transport, broker, reads = pair
    payloads = [b"method" * 10, b"header" * 30, "正文".encode() * 200]
    broker.sendall(b"".join(frame(p) for p in payloads))
    assert [transport.read_frame()[2] for _ in payloads] == payloads
    assert len(reads) == 1


def test_a_frame_cut_short_by_a_timeout_is_read_whole_when_the_rest_arrives(pair):
    transport, broker, _ = pair
    whole = frame(b"x" * 5000, channel=3)
    broker.sendall(frame(b"first") + whole[:2000])
    transport.sock.settimeout(0.05)
    assert transport.read_frame() == (1, 1, b"first")
    with pytest.raises(socket.timeout):
        transport.read_frame()
    broker.sendall(whole[2000:] + frame(b"next"))
    assert transport.read_frame() == (1, 3, b"x" * 5000)
    assert transport.read_frame() == (1, 1, b"next")


def test_a_frame_larger_than_one_read_ahead_is_read_whole(pair):
    transport, broker, _ = pair
    big = bytes(range(256)) * 1000          # 256,000 bytes: several reads
    sender = threading.Thread(target=broker.sendall, args=(frame(big),))
    sender.start()
    assert transport.read_frame() == (1, 1, big)
    sender.join()


def test_a_closed_connection_is_an_error_not_a_short_frame(pair):
    transport, broker, _ = pair
    broker.sendall(frame(b"whole")[:6])
    broker.close()
    with pytest.raises(OSError, match="closed"):
        transport.read_frame()
