#!/usr/bin/python3
"""What crossed the wire in the L3 colo (tests/lib/colo_l3.bash): the PTBs the routers delivered to
each server and the unicast copies the servers sent each other, from tcpdump captures. Prints one line
of key=value pairs (see colo_l3_wire.bash, colo_copy_report).

  peer_copies.py --vip4 ADDR --vip6 ADDR --up PCAP --up-mac MAC [--family 4|6]
                 --server NAME,MAC,ADDR4,ADDR6,LEAF_MAC,PORT_PCAP,LO_PCAP ...

PORT_PCAP is captured on the leaf's port facing the server (frames from LEAF_MAC went to the server,
frames from MAC came from it), LO_PCAP on the server's lo (a copy a server sends to itself goes there).
A copy matches a PTB when its ICMP message is the PTB's: byte for byte for ICMPv4; for ICMPv6 all
but the checksum, which must be right for the copy's own addresses (the kernel recomputes it).
"""
import argparse
import ipaddress
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from icmp_copies import icmp_of  # noqa: E402
from pcap import frames, mac  # noqa: E402


class Ptb:
    """One PTB frame: family, addresses, ICMP message, its matching key and whether its checksum holds."""

    def __init__(self, ts, src_mac, dst_mac, l3, parsed):
        self.ts, self.src_mac, self.dst_mac = ts, src_mac, dst_mac
        self.family = 4 if l3[0] >> 4 == 4 else 6
        self.src, self.dst, self.icmp, self.csum_ok = parsed
        # ICMPv6: the kernel recomputes a copy's checksum for its own addresses.
        self.key = self.icmp if self.family == 4 else self.icmp[:2] + b"\0\0" + self.icmp[4:]


def read(path, family):
    out = []
    if not path or not os.path.exists(path):
        return out
    for ts, frame in frames(path):
        if frame[12:14] not in (b"\x08\x00", b"\x86\xdd"):
            continue
        parsed = icmp_of(frame[14:])
        if parsed is None:
            continue
        p = Ptb(ts, mac(frame[6:12]), mac(frame[0:6]), frame[14:], parsed)
        if family is None or p.family == family:
            out.append(p)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vip4", required=True)
    ap.add_argument("--vip6", required=True)
    ap.add_argument("--up", required=True)
    ap.add_argument("--up-mac", required=True)
    ap.add_argument("--family", type=int, choices=[4, 6])
    ap.add_argument("--server", action="append", required=True)
    a = ap.parse_args()
    vips = {ipaddress.ip_address(a.vip4), ipaddress.ip_address(a.vip6)}
    servers = []
    for spec in a.server:
        name, smac, addr4, addr6, leaf_mac, port, lo = spec.split(",")
        servers.append({"name": name, "mac": smac.lower(), "leaf": leaf_mac.lower(), "port": port, "lo": lo,
                        "addrs": {ipaddress.ip_address(addr4), ipaddress.ip_address(addr6)}})
    owner = {addr: s["name"] for s in servers for addr in s["addrs"]}

    out = {"upstream_sent": sum(1 for p in read(a.up, a.family) if p.src_mac == a.up_mac.lower())}
    delays = []
    for s in servers:
        x = s["name"]
        port = read(s["port"], a.family)
        delivered = [p for p in port if p.src_mac == s["leaf"] and p.dst in vips]
        sent = [p for p in port if p.src_mac == s["mac"]]
        out[f"to_{x}"] = len(delivered)
        out[f"sent_{x}"] = len(sent)
        out[f"self_{x}"] = len(read(s["lo"], a.family))
        # Copies the leaf delivered to x, by sender.
        for t in servers:
            if t is not s:
                out[f"delivered_{t['name']}_{x}"] = sum(
                    1 for p in port if p.src_mac == s["leaf"] and p.dst in s["addrs"] and p.src in t["addrs"])
        by_key = {}
        for p in delivered:
            by_key.setdefault(p.key, []).append(p)
        badsrc = foreign = 0
        for t in servers:
            if t is s:
                continue
            y = t["name"]
            copies = [p for p in sent if p.dst in t["addrs"]]
            out[f"copies_{x}_{y}"] = len(copies)
            seen = {}
            for p in copies:
                badsrc += p.src not in s["addrs"]
                if p.key in by_key and p.csum_ok:
                    seen.setdefault(p.key, []).append(p)
                else:
                    foreign += 1
            exact = 0
            for key, ptbs in by_key.items():
                got = seen.get(key, [])
                exact += min(len(ptbs), len(got))
                foreign += max(0, len(got) - len(ptbs))
                for orig, copy in zip(ptbs, got):
                    delays.append((orig.ts, (copy.ts - orig.ts) / 1000))
            out[f"exact_{x}_{y}"] = exact
            out[f"missing_{x}_{y}"] = len(delivered) - exact
        other = sum(1 for p in sent if owner.get(p.dst) in (None, x))
        out[f"other_{x}"] = other
        out[f"badsrc_{x}"] = badsrc
        out[f"foreign_{x}"] = foreign
    # The first PTB in (earliest capture stamp) to its first copy out, and the range over all copies.
    out["delay_us_first"] = f"{min(delays)[1]:.0f}" if delays else "-"
    out["delay_us_min"] = f"{min(d for _, d in delays):.0f}" if delays else "-"
    out["delay_us_max"] = f"{max(d for _, d in delays):.0f}" if delays else "-"
    print(" ".join(f"{k}={v}" for k, v in out.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
