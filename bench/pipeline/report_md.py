"""The Markdown of the pipeline section of bench/RESULTS.md, from report.py's data."""
from report_floods import KINDS
from report_fmt import f, met
from report_md_fanout import fanout_goal, render_fanout
from report_md_lanes import lanes_goals, render_lanes


def latency_rows(lat):
    rows = []
    for label, d in (("PTB in → broadcast out, all", lat["latency"]["us"]),
                     ("… IPv4", lat["latency"]["us_v4"]), ("… IPv6", lat["latency"]["us_v6"]),
                     ("NFLOG wake-up floor (kernel stamp → reader)", dict(lat["floor"]["us"],
                                                                        n=lat["floor"]["stamped"]))):
        rows.append(f"| {label} | {d.get('n', 0)} | {f(d.get('min'), 1)} | {f(d.get('p50'), 1)} | "
                    f"{f(d.get('p90'), 1)} | {f(d.get('p99'), 1)} | {f(d.get('max'), 1)} |")
    return rows


def header(data):
    m = data["machine"]
    return [f"Run {m['date']} on {m['cpu_model']} ({m['cpus']} vCPUs), kernel {m['kernel']}, "
            f"nft {m['nft']}; pmtud {m.get('commit', '?')}"
            f"{' with uncommitted changes to the helper or rules' if m.get('uncommitted_files', '0') != '0' else ''}; "
            f"load average at start {m['load_at_start']}; the machine was shared with other work. "
            f"Phases: {m.get('phases', '?')}."
            f"{' The helpers ran with `' + m['helper_args'] + '`.' if m.get('helper_args') else ''} Each flood: {int(m['flood_count']):,} PTBs (v4 576 B, v6 1280 B), "
            f"{m['reps']} repetition(s) per kind and mode, interleaved; medians unless noted. "
            f"Whole run {m.get('wall_seconds', '?')} s. Every figure: `bench/out/pipeline.json`.", ""]


def goal_rows(data):
    rows = []
    lat, s, idle = data.get("latency"), data.get("flood_summary", {}), data.get("idle", {})
    if lat:
        lu, fl, relay = lat["latency"]["us"], lat["floor"]["us"], lat["latency"]
        over = (lu.get("p50") or 1e9) - fl["p50"]
        rows += [
            f"| PTB → broadcast p50 ≤ NFLOG wake-up floor + 15 µs | **{f(lu.get('p50'))} µs**, floor p50 "
            f"{f(fl['p50'])} µs: +{f(over)} µs | {met(over <= 15)} |",
            f"| PTB → broadcast p99 ≤ 1 ms | **{f(lu.get('p99'))} µs**, max {f(lu.get('max'))} µs "
            f"(floor p99 {f(fl['p99'])} µs) | {met((lu.get('p99') or 1e9) <= 1000)} |",
            f"| each PTB → at most one broadcast | {relay['relayed_once']} of {relay['ptbs_in']} relayed once, "
            f"{relay['unmatched_broadcasts']} extra | "
            f"{met(relay['unmatched_broadcasts'] == 0 and relay['relayed_once'] == relay['ptbs_in'])} |"]
    if "a" in idle:
        rows.append(f"| no busy polling: idle helper ≈ 0 CPU | {f(idle['a']['cpu_s'] * 1e3, 2)} ms CPU, "
                    f"{idle['a']['wakeups']} wake-ups in {idle['seconds']} s | {met(idle['a']['cpu_s'] < 0.01)} |")
    one = [s[k] for k in ("one4/pmtud", "one6/pmtud") if k in s]
    spoof = [(k, s[k]) for k in ("spoof4/pmtud", "spoof6/pmtud") if k in s]
    if one:
        worst = max(a["helper_cpu_ms"]["max"] for a in one)
        per100k = max(a["helper_cpu_ms"]["max"] / (a["sent"] / 1e5) for a in one)
        rows += [f"| one-source flood: helper CPU ≤ 10 ms per 1M PTBs (≤ 50 ms per 100k, DESIGN) | **{f(worst, 2)} ms** "
                 f"per {int(data['machine']['flood_count']):,} (worst run), {f(per100k, 3)} ms per 100k | "
                 f"{met(worst * 1e6 / int(data['machine']['flood_count']) <= 10)} |"]
    if spoof:
        worst = max(a["helper_cpu_ms_per_s"]["max"] for _, a in spoof)
        rows.append("| spoofed flood: helper CPU ≤ 10 ms per second of flood | " + "; ".join(
            f"{KINDS[k.split('/')[0]]}: **{f(a['helper_cpu_ms_per_s']['median'], 1)}** "
            f"[{f(a['helper_cpu_ms_per_s']['min'], 1)} … {f(a['helper_cpu_ms_per_s']['max'], 1)}] ms/s"
            for k, a in spoof) + f" | {met(worst <= 10)} |")
    allp = one + [a for _, a in spoof]
    if allp:
        bounded = all(a["within_bounds"] and a["helper_within_bound"] for a in allp)
        kernel_ok = all(a["kernel_accounts_all"] for a in allp)
        helper_ok = all(a["helper_accounts_all"] for a in allp)
        lost = max(a["helper"].get("nflog_lost", {"max": 0})["max"] for a in allp)
        hwm = max(a["helper_hwm_kib_max"] for a in allp) / 1024
        growth = max(a["helper_rss_growth_kib_max"] for a in allp)
        rows += [
            "| kernel logs ≤ burst + rate × s: per source (one source), per lane and family (spoofed); "
            f"helper relays ≤ its bucket | every run within its bounds (tables below): {'yes' if bounded else 'no'} "
            f"| {met(bounded)} |",
            "| every drop counted in the kernel; every logged PTB reaches the helper | per family rx = bad + "
            "src_over + known_over + ceiling_over + logged and logged = known_logged + new_logged in every run: "
            f"{'yes' if kernel_ok else 'no'}; logged = received + lost: {'yes' if helper_ok else 'no'} | "
            f"{met(kernel_ok and helper_ok)} |",
            f"| no NFLOG loss | {lost} lost (worst run) | {met(lost == 0)} |",
            f"| helper RSS ≤ 5 MiB (DESIGN), flat | VmHWM {f(hwm, 1)} MiB, RSS growth over a flood ≤ {growth} KiB "
            f"| {met(hwm <= 5 and growth <= 64)} |"]
    rows += lanes_goals(data)
    rows += fanout_goal(data)
    return rows


def render_latency(data):
    lat, m = data["latency"], data["machine"]
    c = lat["conf"]
    return ["### Latency: PTB in → broadcast out, one capture clock", "",
            f"{lat['sender']['sent']} PTBs, v4 and v6 in turn, from 10 sources, paced at "
            f"{f(lat['sender']['rate_pps'])}/s, every limit raised far above that "
            f"(`{m['latency_limits']}`; the helper's buckets auto: {f(c['iface_rate'])}/s burst {f(c['iface_burst'])} "
            f"per interface and family): kernel src_over "
            f"{lat['kernel'].get('src_over4', 0) + lat['kernel'].get('src_over6', 0)}, known_over + ceiling_over "
            f"{sum(lat['kernel'].get(k + x, 0) for k in ('known_over', 'ceiling_over') for x in '46')}, helper dropped "
            f"{lat['helper'].get('dropped', 0)}. Both stamps come from one tcpdump (nanosecond) on A's bridge port. "
            "The floor is `bench/nflog-floor` on its own group, fed by a second rule right after pmtud's: the time "
            "from the kernel's packet stamp (NFULA_TIMESTAMP, µs) to a poll()-sleeping reader. "
            f"The helper spent {f(lat['helper_cpu_us_per_ptb'], 1)} µs of CPU per relayed PTB "
            f"({lat['helper_wakeups']} wake-ups for {lat['helper'].get('received', 0)} PTBs).", "",
            "| µs | n | min | p50 | p90 | p99 | max |", "|---|---|---|---|---|---|---|"] + latency_rows(lat) + [""]


def render_floods(data):
    s, c = data["flood_summary"], data["flood_conf"]
    L = [f"### Floods with pmtud (pmtud-setup's defaults: src {f(c['src_rate'])}/s burst {c['src_burst']}; "
         f"per family a ceiling of {f(c['ceiling_rate'])}/s burst {c['ceiling_burst']} for sources not known and "
         f"{f(c['known_ceiling_rate'])}/s burst {c['known_ceiling_burst']} for known ones; the helper's buckets "
         f"auto: {f(c['iface_rate'])}/s burst {f(c['iface_burst'])} per interface and family)", "",
         "Counters of the flood's family, median over the floods (max where it says so). Bounds are "
         "burst + rate × the window from the first PTB the fresh table saw to the flood's end: the source's "
         "budget for one source, each lane's ceiling for spoofed sources (the routers of the next table "
         "included). Helper CPU: the flood and 0.3 s after it, per second of the flood's sending time.", "",
         "| flood | sender kpps | rx | src_over | ceiling_over | known_over | new_logged (max; bound) "
         "| known_logged (max; bound) | helper received | relayed (max; bound) | NFLOG lost | helper CPU ms "
         "[min … max] | ms per s of flood [min … max] | µs per relayed PTB | wake-ups | VmHWM KiB |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for kind, label in KINDS.items():
        a = s.get(f"{kind}/pmtud")
        if not a:
            continue
        fam, k, h, b = kind[-1], a["kernel"], a["helper"], a["bounds"]

        def kc(name, stat="median"):
            return k.get(name + fam, {}).get(stat, 0)

        def bound(name):  # the largest bound of the floods; a decimal while it is small
            x = b.get(name + fam)
            return f"≤ {f(x['max'], 1 if x['max'] < 100 else 0)}" if x else "–"
        if kind.startswith("one"):
            lanes = (f"{f(kc('new_logged', 'max'))} | {f(kc('known_logged', 'max'))} (together "
                     f"{f(kc('logged', 'max'))} {bound('logged')})")
        else:
            lanes = (f"{f(kc('new_logged', 'max'))} ({bound('new_logged')}) | "
                     f"{f(kc('known_logged', 'max'))} ({bound('known_logged')})")
        cpu, per_s = a["helper_cpu_ms"], a["helper_cpu_ms_per_s"]
        L.append(f"| {label} | {f(a['pps'] / 1e3)} | {f(kc('rx'))} | {f(kc('src_over'))} | {f(kc('ceiling_over'))} | "
                 f"{f(kc('known_over'))} | {lanes} | {f(h['received']['median'])} | "
                 f"{f(h.get('forwarded' + fam, {}).get('max'))} (≤ {f(a['forwarded_bound']['max'])}) | "
                 f"{f(h.get('nflog_lost', {}).get('max', 0))} | {f(cpu['median'], 2)} [{f(cpu['min'], 2)} … "
                 f"{f(cpu['max'], 2)}] | {f(per_s['median'], 1)} [{f(per_s['min'], 1)} … {f(per_s['max'], 1)}] | "
                 f"{f((a['helper_cpu_us_per_relayed'] or {}).get('median'), 1)} | {f(a['helper_wakeups']['median'])} | "
                 f"{a['helper_hwm_kib_max']} |")
    L.append("")
    return L


def render_whole_system(data):
    s = data["flood_summary"]
    L = ["### Whole-system cost per flood PTB: pmtud vs. no rules", "",
         "*Kernel path*: the sender is pinned to one vCPU and veth runs the whole receive path "
         "(bridge, the server's IP stack, nft, NFLOG) inside its sendmmsg calls, so the sender "
         "thread's CPU time in those calls is that path's cost. In one flood of each kind per "
         "repetition, batches alternate between A (pmtud) and C (no table at all): both halves "
         "share the machine's load of the moment, and Δ = A − C is the rules' cost (median and "
         "range over the repetitions). *Whole machine*: /proc/stat over a flood's sending window, "
         "all CPUs, busy = user+nice+system+irq+softirq, minus the other tenants' load measured "
         "for half a second just before (last column), for floods to A with pmtud and with no "
         "rules at all, paired by repetition; on a shared VM it is only as good as that "
         "subtraction. *Helper*: pmtud-helper's own CPU per flood PTB.", "",
         "| flood | kpps no rules / pmtud | kernel path ns/PTB: no rules | pmtud | Δ median [range] "
         "| helper ns/PTB | whole machine ns/PTB: no rules | pmtud | Δ median [range] "
         "| other tenants, CPUs busy |", "|---|---|---|---|---|---|---|---|---|---|"]

    def rng(x):
        return f"**{x['median']:+,.0f}** [{x['min']:+,.0f} … {x['max']:+,.0f}]" if x else "–"
    for kind, label in KINDS.items():
        a, b, w = s.get(f"{kind}/none"), s.get(f"{kind}/pmtud"), data["whole_system"].get(kind, {})
        if not a or not b:
            continue
        k = w.get("kernel_path")
        m_ = "machine_busy_ns_per_ptb_minus_background"
        kp = (f"{f(k['c_ns_per_ptb']['median'])} | {f(k['a_ns_per_ptb']['median'])} | "
              f"{rng(k['delta_ns_per_ptb'])}") if k else "– | – | –"
        L.append(f"| {label} | {f(a['pps'] / 1e3)} / {f(b['pps'] / 1e3)} | {kp} | "
                 f"{f(b['helper_cpu_ns_per_ptb'], 1)} | {f(w[m_ + '_none']['median'])} | "
                 f"{f(w[m_ + '_pmtud']['median'])} | {rng(w[m_ + '_delta'])} | "
                 f"{f(a['background_busy_cpus'], 2)} / {f(b['background_busy_cpus'], 2)} |")
    L.append("")
    return L


def render_idle(idle):
    L = ["### Idle", "", f"| helper | CPU in {idle['seconds']} s | wake-ups | VmRSS KiB |", "|---|---|---|---|"]
    for srv in ("a", "b", "c"):
        if srv in idle:
            d = idle[srv]
            L.append(f"| {srv.upper()} | {f(d['cpu_s'] * 1e3, 2)} ms | {d['wakeups']} | {d['rss_kib']} |")
    return L + [""]


def render(data):
    L = header(data)
    L += ["### Goals (DESIGN.md)", "", "| goal | measured | |", "|---|---|---|"] + goal_rows(data) + [""]
    if "latency" in data:
        L += render_latency(data)
    if data.get("flood_summary"):
        L += render_floods(data)
        L += render_lanes(data)
    if data.get("whole_system"):
        L += render_whole_system(data)
    if "fanout" in data:
        L += render_fanout(data)
    if "idle" in data:
        L += render_idle(data["idle"])
    return "\n".join(L) + "\n"
