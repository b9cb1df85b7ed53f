#!/usr/bin/python3
"""Print the ICMP and ICMPv6 messages of a pcap file (tcpdump -w, Ethernet), one per line:

    <type> <code> <ICMP message as hex> <csum-ok|csum-BAD>

  icmp_copies.py FILE [--src ADDR] [--dst ADDR]
  icmp_copies.py --l3 HEX        the same line for one L3 packet given as hex (ptb.py hex)

The ICMP message is what follows the IP header (IPv4 options and IPv6 extension headers
skipped); its checksum is verified the receiver's way: over the message (IPv4), or over the
message and the pseudo-header of the packet that carried it (IPv6). Standard library only.
"""
import argparse
import ipaddress
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcap import frames  # noqa: E402


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def icmp_of(l3):
    """(src, dst, ICMP bytes, checksum ok) or None."""
    if len(l3) >= 20 and l3[0] >> 4 == 4 and l3[9] == 1:
        ihl = (l3[0] & 0xF) * 4
        total = int.from_bytes(l3[2:4], "big")
        msg = l3[ihl:total]
        return ipaddress.ip_address(l3[12:16]), ipaddress.ip_address(l3[16:20]), msg, csum(msg) == 0xFFFF
    if len(l3) >= 40 and l3[0] >> 4 == 6:
        nh, off = l3[6], 40
        end = 40 + int.from_bytes(l3[4:6], "big")
        while nh in (0, 43, 60) and off + 8 <= end:
            nh, off = l3[off], off + (l3[off + 1] + 1) * 8
        if nh != 58:
            return None
        msg = l3[off:end]
        pseudo = l3[8:40] + len(msg).to_bytes(4, "big") + bytes(3) + bytes([58])
        return ipaddress.ip_address(l3[8:24]), ipaddress.ip_address(l3[24:40]), msg, csum(pseudo + msg) == 0xFFFF
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", nargs="?")
    p.add_argument("--l3", type=bytes.fromhex)
    p.add_argument("--src")
    p.add_argument("--dst")
    a = p.parse_args()
    src = ipaddress.ip_address(a.src) if a.src else None
    dst = ipaddress.ip_address(a.dst) if a.dst else None
    if a.l3 is not None:
        _, _, msg, ok = icmp_of(a.l3)
        print(msg[0], msg[1], msg.hex(), "csum-ok" if ok else "csum-BAD")
        return 0
    if not a.file:
        p.error("a pcap FILE or --l3 HEX")
    for _, frame in frames(a.file):
        if frame[12:14] not in (b"\x08\x00", b"\x86\xdd"):
            continue
        got = icmp_of(frame[14:])
        if got is None or len(got[2]) < 8:
            continue
        s, d, msg, ok = got
        if (src and s != src) or (dst and d != dst):
            continue
        print(msg[0], msg[1], msg.hex(), "csum-ok" if ok else "csum-BAD")
    return 0


if __name__ == "__main__":
    sys.exit(main())
