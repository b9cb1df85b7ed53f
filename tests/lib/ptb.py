#!/usr/bin/python3
"""Craft and send ICMP "fragmentation needed" / ICMPv6 "packet too big" messages for pmtud's tests.

  ptb.py send  --iface IF [options]   send Ethernet frames carrying PTBs from the current netns
  ptb.py hex   [options]              print the L3 packet as hex (one line), send nothing
  ptb.py batch --iface IF [options]  read stdin: each line holds more options for one `send` (on top of
                                     those given here; blank and # lines skipped); prints the hex of every
                                     L3 packet sent, one per line, in order (one scapy start for many sends)
  ptb.py hexes [options]             read stdin like batch, print the hex of every L3 packet (--count of
                                     each line), send nothing

Options (all have defaults that make a valid PTB quoting a TCP segment):
  --family 4|6              outer and inner family (default 4)
  --src ADDR --dst ADDR     outer source (the "router") and destination (the "VIP")
  --inner-src/--inner-dst   quoted packet's addresses (default: dst -> 198.51.100.20 / 2001:db8:c::20)
  --proto tcp|udp|sctp|dccp|udplite|icmp  quoted L4 protocol (default tcp)
  --sport N --dport N       quoted L4 ports (default 443 -> 40000)
  --mtu N                   next-hop MTU (default 1280 v4 / 1280 v6)
  --quote N                 bytes of the quoted packet to include (default: as much as fits in 576/1280)
  --inner-len N             total length written in the quoted header (default 1500)
  --inner-options           add 8 bytes of IPv4 options (NOP, NOP, NOP, EOL ...) to the quoted header
  --ext-hdrs LIST           v6 quoted extension headers, comma list of hop,dst,rt,frag
  --type N --code N         override ICMP type / code (e.g. echo request: --type 8 --code 0)
  --bad-checksum            corrupt the ICMP checksum
  --truncate N              cut the L3 packet to N bytes after building it (lengths keep the full size)
  --dst-mac MAC             Ethernet destination (default: the peer's MAC from --peer-mac, else broadcast)
  --src-mac MAC             Ethernet source (default: the interface's MAC)
  --count N --rate PPS      how many and how fast (default 1; rate 0 = as fast as possible)
  --random-src              a different random outer source per packet (within --src-net)
  --src-net CIDR            network for --random-src (default 198.51.100.0/24 or 2001:db8:ee::/48)
  --srcs LIST               comma-separated outer sources used in turn (packet i from source i mod n)
  --outer-frag              make the outer packet a first fragment (v4: MF set; v6: Fragment header, M=1)
  --outer-options N         N bytes (a multiple of 4, up to 40) of IPv4 options in the outer header: NOPs, EOL
  --outer-ext-hdrs LIST     v6 extension headers before the ICMPv6 header, comma list of hop,dst,rt,rt1,ah,jumbo
                            (rt: segments left 0; rt1: one segment left; ah: AH with a 12-byte ICV; jumbo:
                            hop-by-hop with a Jumbo Payload option, the payload length field left as is)
  --set OFF=HEX             overwrite L3 bytes at OFF (repeatable), then recompute the outer IPv4 header and
                            ICMP/ICMPv6 checksums, so that the overwritten field is the only thing wrong
  --set-raw OFF=HEX         overwrite L3 bytes at OFF after every checksum (repeatable); nothing recomputed
  --append HEX              bytes after the L3 packet, in the frame (lengths unchanged)

Order of the mangling options: --set, checksums, --bad-checksum, --set-raw, --truncate, --append.
"""
import argparse
import ipaddress
import random
import shlex
import sys
import time

from scapy.all import (  # noqa: E402  (scapy is slow to import; keep it in one place)
    ICMP, IP, IPv6, TCP, UDP, Ether, ICMPv6PacketTooBig, IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt,
    IPv6ExtHdrRouting, IPv6ExtHdrFragment, Raw, conf, get_if_hwaddr, checksum, in6_chksum,
)
from scapy.layers.inet6 import Jumbo  # noqa: E402
from scapy.layers.inet import IPOption_NOP, IPOption_EOL  # noqa: E402
from scapy.layers.ipsec import AH  # noqa: E402

PROTO = {"tcp": 6, "udp": 17, "sctp": 132, "dccp": 33, "udplite": 136, "icmp": 1}


def inner_l4(args):
    proto = PROTO[args.proto]
    if args.proto == "tcp":
        return TCP(sport=args.sport, dport=args.dport, seq=1000, ack=1, flags="A"), proto
    if args.proto in ("udp", "udplite"):
        return UDP(sport=args.sport, dport=args.dport, len=args.inner_len - 20), proto
    if args.proto in ("sctp", "dccp"):
        return Raw(args.sport.to_bytes(2, "big") + args.dport.to_bytes(2, "big") + bytes(12)), proto
    return Raw(bytes([8, 0, 0, 0, 0, 1, 0, 1]) + bytes(8)), proto  # icmp echo, no port


def build_l3(args, src):
    l4, proto = inner_l4(args)
    if args.family == 4:
        opts = [IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_EOL()] * 2 if args.inner_options else []
        inner = IP(src=args.inner_src, dst=args.inner_dst, proto=proto, len=args.inner_len, options=opts,
                   flags="DF", ttl=63) / l4
        quoted = bytes(inner)
        # bytes() lets scapy fill lengths; put back the claimed total length and fix the header checksum.
        quote = args.quote if args.quote is not None else min(len(quoted) + 1500, 576 - 28)
        quoted = (quoted + bytes(1500))[:quote]
        icmp = ICMP(type=args.type if args.type is not None else 3,
                    code=args.code if args.code is not None else 4, nexthopmtu=args.mtu,
                    unused=0) / Raw(quoted)
        outer_opts = []
        if args.outer_options:
            outer_opts = [IPOption_NOP()] * (args.outer_options - 1) + [IPOption_EOL()]
        pkt = IP(src=src, dst=args.dst, ttl=64, flags="MF" if args.outer_frag else 0, options=outer_opts) / icmp
    else:
        ext = None
        nh_chain = []
        for name in [e for e in (args.ext_hdrs or "").split(",") if e]:
            nh_chain.append({"hop": IPv6ExtHdrHopByHop(), "dst": IPv6ExtHdrDestOpt(),
                             "rt": IPv6ExtHdrRouting(), "frag": IPv6ExtHdrFragment(offset=0, m=1, id=7)}[name])
        for h in nh_chain:
            ext = h if ext is None else ext / h
        inner = IPv6(src=args.inner_src, dst=args.inner_dst, plen=args.inner_len - 40, hlim=63)
        inner = inner / ext / l4 if ext is not None else inner / l4
        quoted = bytes(inner)
        quote = args.quote if args.quote is not None else 1280 - 48
        quoted = (quoted + bytes(1500))[:quote]
        icmp = ICMPv6PacketTooBig(mtu=args.mtu)
        if args.type is not None or args.code is not None:
            icmp.type = args.type if args.type is not None else 2
            icmp.code = args.code if args.code is not None else 0
        outer = IPv6(src=src, dst=args.dst, hlim=64)
        for name in [e for e in (args.outer_ext_hdrs or "").split(",") if e]:
            outer = outer / {"hop": lambda: IPv6ExtHdrHopByHop(), "dst": lambda: IPv6ExtHdrDestOpt(),
                             "rt": lambda: IPv6ExtHdrRouting(),
                             "rt1": lambda: IPv6ExtHdrRouting(addresses=["2001:db8:ff::11"], segleft=1),
                             "ah": lambda: AH(nh=58, payloadlen=4, spi=1, seq=1, icv=bytes(12)),
                             "jumbo": lambda: IPv6ExtHdrHopByHop(options=[Jumbo(jumboplen=len(quoted) + 16)])}[name]()
        if args.outer_frag:
            pkt = outer / IPv6ExtHdrFragment(offset=0, m=1, id=9) / icmp / Raw(quoted)
        else:
            pkt = outer / icmp / Raw(quoted)
    raw = bytearray(bytes(pkt))
    for off, data in args.set or []:
        raw[off:off + len(data)] = data
    if args.set or args.outer_ext_hdrs:
        fix_checksums(raw)
    if args.bad_checksum:
        off = 20 if args.family == 4 else 40
        raw[off + 2] ^= 0x5A
    for off, data in args.set_raw or []:
        raw[off:off + len(data)] = data
    if args.truncate is not None:
        raw = raw[:args.truncate]
    if args.append:
        raw += args.append
    return bytes(raw)


def fix_checksums(raw):
    """Recomputes the outer IPv4 header checksum and the ICMP / ICMPv6 checksum of raw in place, as far
    as the (possibly mangled) headers let them be found."""
    if len(raw) >= 20 and raw[0] >> 4 == 4:
        ihl = (raw[0] & 0x0F) * 4
        hdr = max(20, min(ihl, len(raw)))
        raw[10:12] = b"\0\0"
        raw[10:12] = checksum(bytes(raw[:hdr])).to_bytes(2, "big")
        if 20 <= ihl and ihl + 8 <= len(raw) and raw[9] == 1:
            raw[ihl + 2:ihl + 4] = b"\0\0"
            raw[ihl + 2:ihl + 4] = checksum(bytes(raw[ihl:])).to_bytes(2, "big")
    elif len(raw) >= 40 and raw[0] >> 4 == 6:
        nh, off = raw[6], 40
        while nh in (0, 43, 44, 51, 60) and off + 8 <= len(raw):
            size = 8 if nh == 44 else (raw[off + 1] + 2) * 4 if nh == 51 else (raw[off + 1] + 1) * 8
            nh, off = raw[off], off + size
        if nh == 58 and off + 8 <= len(raw):
            raw[off + 2:off + 4] = b"\0\0"
            pseudo = bytes(raw[8:40]) + (len(raw) - off).to_bytes(4, "big") + bytes(3) + bytes([58])
            raw[off + 2:off + 4] = checksum(pseudo + bytes(raw[off:])).to_bytes(2, "big")


def offset_hex(text):
    off, _, data = text.partition("=")
    return int(off, 0), bytes.fromhex(data)


def random_src(net):
    n = ipaddress.ip_network(net)
    return str(n[random.randrange(1, n.num_addresses - 1)])


def parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cmd", choices=["send", "hex", "batch", "hexes"])
    p.add_argument("--iface")
    p.add_argument("--family", type=int, choices=[4, 6], default=4)
    p.add_argument("--src")
    p.add_argument("--dst")
    p.add_argument("--inner-src")
    p.add_argument("--inner-dst")
    p.add_argument("--proto", choices=sorted(PROTO), default="tcp")
    p.add_argument("--sport", type=int, default=443)
    p.add_argument("--dport", type=int, default=40000)
    p.add_argument("--mtu", type=int, default=1280)
    p.add_argument("--quote", type=int)
    p.add_argument("--inner-len", type=int, default=1500)
    p.add_argument("--inner-options", action="store_true")
    p.add_argument("--ext-hdrs")
    p.add_argument("--type", type=int)
    p.add_argument("--code", type=int)
    p.add_argument("--bad-checksum", action="store_true")
    p.add_argument("--truncate", type=int)
    p.add_argument("--dst-mac", default="ff:ff:ff:ff:ff:ff")
    p.add_argument("--src-mac")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--rate", type=float, default=0)
    p.add_argument("--random-src", action="store_true")
    p.add_argument("--src-net")
    p.add_argument("--srcs")
    p.add_argument("--outer-frag", action="store_true")
    p.add_argument("--outer-options", type=int, choices=range(4, 41, 4), metavar="N")
    p.add_argument("--outer-ext-hdrs")
    p.add_argument("--set", type=offset_hex, action="append", metavar="OFF=HEX")
    p.add_argument("--set-raw", type=offset_hex, action="append", metavar="OFF=HEX")
    p.add_argument("--append", type=bytes.fromhex, metavar="HEX")
    return p


def fill_defaults(a):
    v4 = a.family == 4
    a.src = a.src or ("198.51.100.1" if v4 else "2001:db8:e::1")
    a.dst = a.dst or ("203.0.113.10" if v4 else "2001:db8:ff::10")
    a.inner_src = a.inner_src or a.dst
    a.inner_dst = a.inner_dst or ("198.51.100.20" if v4 else "2001:db8:c::20")
    a.src_net = a.src_net or ("198.51.100.0/24" if v4 else "2001:db8:ee::/48")
    return a


def send(a, sock, hex_out=None):
    """Sends a.count frames on sock as a says; writes each L3 packet's hex to hex_out if given."""
    src_mac = a.src_mac or get_if_hwaddr(a.iface)
    ether = bytes(Ether(dst=a.dst_mac, src=src_mac, type=0x0800 if a.family == 4 else 0x86DD))
    srcs = a.srcs.split(",") if a.srcs else [a.src]
    fixed = None if a.random_src else [build_l3(a, s) for s in srcs]
    interval = 1.0 / a.rate if a.rate > 0 else 0
    start = time.monotonic()
    for i in range(a.count):
        l3 = fixed[i % len(fixed)] if fixed is not None else build_l3(a, random_src(a.src_net))
        if interval:
            delay = start + i * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        sock.send(ether + l3)
        if hex_out is not None:
            print(l3.hex(), file=hex_out)
    return a.count


def main():
    p = parser()
    a = fill_defaults(p.parse_args())
    if a.cmd == "hex":
        print(build_l3(a, a.srcs.split(",")[0] if a.srcs else a.src).hex())
        return 0
    if a.cmd == "hexes":
        for line in sys.stdin:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            b = fill_defaults(p.parse_args(["hex"] + sys.argv[2:] + shlex.split(line)))
            srcs = b.srcs.split(",") if b.srcs else [b.src]
            for i in range(b.count):
                print(build_l3(b, random_src(b.src_net) if b.random_src else srcs[i % len(srcs)]).hex())
        return 0
    if not a.iface:
        p.error(f"{a.cmd} needs --iface")
    conf.verb = 0
    sock = conf.L2socket(iface=a.iface)
    if a.cmd == "send":
        sent = send(a, sock)
    else:
        base = sys.argv[2:]
        sent = 0
        for line in sys.stdin:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            sent += send(fill_defaults(p.parse_args(["send"] + base + shlex.split(line))), sock, sys.stdout)
        sys.stdout.flush()
    sock.close()
    print(f"sent {sent}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
