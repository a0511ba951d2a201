#!/usr/bin/python3
"""Delay (+jitter, +loss) every IP packet between two TUN devices, both directions.

usage: tun-delay-wire.py TUN_A TUN_B DELAY_MS [JITTER_MS] [LOSS_PCT]

Opens (creates) both TUN devices, prints "ready", then relays: a packet the kernel sends out of
one device is written into the other DELAY_MS later (± JITTER_MS, uniform), in order of due time.
The devices exist while this process runs. test/lab/delay-link.ts moves TUN_B into a lab namespace
and addresses both ends; the kernel has no netem, so this is the lab's delay for every protocol
(the project's own copy of the reference tool ../shared/lab/tun_delay_wire.py)."""
import fcntl, heapq, os, random, select, signal, struct, sys, time
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
a, b = sys.argv[1], sys.argv[2]
delay = float(sys.argv[3]) / 1000
jitter = float(sys.argv[4]) / 1000 if len(sys.argv) > 4 else 0.0
loss = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
def tun(name):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return fd
fa, fb = tun(a), tun(b); peer = {fa: fb, fb: fa}
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print('ready', flush=True)
q, seq = [], 0
while True:
    timeout = max(0.0, q[0][0] - time.monotonic()) if q else None
    r, _, _ = select.select([fa, fb], [], [], timeout)
    for fd in r:
        pkt = os.read(fd, 65535)
        if loss and random.uniform(0, 100) < loss: continue
        seq += 1
        d = delay + (random.uniform(-jitter, jitter) if jitter else 0.0)
        heapq.heappush(q, (time.monotonic() + max(0.0, d), seq, peer[fd], pkt))
    now = time.monotonic()
    while q and q[0][0] <= now:
        _, _, out, pkt = heapq.heappop(q)
        try: os.write(out, pkt)
        except OSError: pass
