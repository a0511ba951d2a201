#!/usr/bin/python3
"""Answer ICMP echo requests after a delay, so a lab namespace looks like a distant host.

The kernel has no netem here, so delay is made in user space: the namespace's own echo replies
are switched off (net.ipv4.icmp_echo_ignore_all=1, done by test/lab/lab.ts) and this script reads
every echo request from a raw socket and sends the reply when its due time comes.

usage: icmp-delay-responder.py DELAY_MS [JITTER_MS]

Each reply is due at arrival + DELAY_MS + u, u uniform in [-JITTER_MS, +JITTER_MS] (never before
arrival). Replies can therefore overtake each other, as on a real jittery path. Prints "ready" on
stdout once the socket is open; exits 0 on SIGTERM or SIGINT. Standard library only.
"""
import heapq
import random
import select
import signal
import socket
import struct
import sys
import time

ECHO_REQUEST, ECHO_REPLY = 8, 0


def internet_checksum(data: bytes) -> int:
    """RFC 1071 one's-complement sum of 16-bit words."""
    if len(data) % 2 == 1:
        data += b"\x00"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total & 0xFFFF) + (total >> 16)
    total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def reply_for(packet: bytes):
    """The ICMP echo reply for a raw IPv4 packet, or None when it is not an echo request."""
    if len(packet) < 20:
        return None
    header_len = (packet[0] & 0x0F) * 4
    icmp = packet[header_len:]
    if len(icmp) < 8 or icmp[0] != ECHO_REQUEST or icmp[1] != 0:
        return None
    body = bytes([ECHO_REPLY, 0, 0, 0]) + icmp[4:]
    checksum = internet_checksum(body)
    return body[:2] + struct.pack("!H", checksum) + body[4:]


def main() -> int:
    if len(sys.argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    delay_s = float(sys.argv[1]) / 1000.0
    jitter_s = float(sys.argv[2]) / 1000.0 if len(sys.argv) == 3 else 0.0
    if delay_s < 0 or jitter_s < 0:
        sys.stderr.write("DELAY_MS and JITTER_MS must be >= 0\n")
        return 2

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))

    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    print("ready", flush=True)

    due = []  # heap of (due_monotonic, order, destination, reply bytes)
    order = 0
    while not stopping:
        wait_ms = 200 if not due else max(0, int((due[0][0] - time.monotonic()) * 1000))
        try:
            events = poller.poll(min(wait_ms, 200))
        except InterruptedError:
            continue
        if events:
            packet, (source, _) = sock.recvfrom(65535)
            reply = reply_for(packet)
            if reply is not None:
                offset = random.uniform(-jitter_s, jitter_s) if jitter_s > 0 else 0.0
                order += 1
                arrival = time.monotonic()
                heapq.heappush(due, (arrival + max(0.0, delay_s + offset), order, source, reply))
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, destination, reply = heapq.heappop(due)
            sock.sendto(reply, (destination, 0))
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
