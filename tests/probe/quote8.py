#!/usr/bin/env python3
"""A router that quotes only the RFC 792 minimum (IP header + 8 bytes).

Run inside a router namespace of tests/probe/topo.sh (root):

    quote8.py SECONDS

For every IPv4 UDP datagram that arrives with TTL 1, it sends back an ICMP
time exceeded quoting the IP header and the first 8 bytes of UDP only, as
some routers do.  Its packets carry fwmark 0x5 so that topo.sh's rule
dropping the namespace's own time-exceeded lets them through.  Bounded in
time; standard library only.
"""
import select
import socket
import struct
import sys
import time

SO_MARK = 36  # <asm-generic/socket.h>


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def main():
    end = time.monotonic() + float(sys.argv[1])
    sniff = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                          socket.htons(0x0800))
    out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    out.setsockopt(socket.SOL_SOCKET, SO_MARK, 5)
    print("ready", flush=True)
    while time.monotonic() < end:
        r, _, _ = select.select([sniff], [], [], 0.2)
        if not r:
            continue
        pkt, addr = sniff.recvfrom(65535)
        if addr[2] == socket.PACKET_OUTGOING or len(pkt) < 28:
            continue
        ihl = (pkt[0] & 0x0F) * 4
        if pkt[9] != 17 or pkt[8] != 1 or len(pkt) < ihl + 8:
            continue
        quote = pkt[:ihl + 8]
        icmp = struct.pack("!BBHI", 11, 0, 0, 0) + quote
        icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
        out.sendto(icmp, (socket.inet_ntoa(pkt[12:16]), 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
