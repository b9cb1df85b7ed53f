#!/usr/bin/python3
"""Print the Ethernet frames of a pcap file (as tcpdump -w writes it), one per line:

    <timestamp ns> <dst mac> <src mac> <ethertype, 4 hex digits> <L3 bytes as hex>

  pcap.py FILE [--dst MAC] [--src MAC] [--not-src MAC] [--type 0800|86dd]

Filters keep only matching frames. Micro- and nanosecond pcap files are both read; the standard
library only (no scapy), so it starts fast.
"""
import argparse
import struct
import sys


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    else:
        endian = ">"
        magic = struct.unpack(">I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit(f"{path}: not a pcap file")
    scale = 1 if magic == 0xA1B23C4D else 1000
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit(f"{path}: link type {linktype}, expected Ethernet")
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + caplen]
        off += caplen
        if len(frame) < 14:
            continue
        yield sec * 1_000_000_000 + frac * scale, frame


def mac(b):
    return ":".join(f"{x:02x}" for x in b)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file")
    p.add_argument("--dst")
    p.add_argument("--src")
    p.add_argument("--not-src")
    p.add_argument("--type")
    a = p.parse_args()
    for ts, frame in frames(a.file):
        dst, src, etype = mac(frame[0:6]), mac(frame[6:12]), frame[12:14].hex()
        if a.dst and dst != a.dst.lower():
            continue
        if a.src and src != a.src.lower():
            continue
        if a.not_src and src == a.not_src.lower():
            continue
        if a.type and etype != a.type.lower():
            continue
        print(ts, dst, src, etype, frame[14:].hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
