#!/usr/bin/env python3
"""A strict check of a Prometheus text-format (0.0.4) file, for pmtud's tests.

  promcheck.py FILE        exit 0 and print every sample as `name{k="v",...} value`, or exit 1
                           with `FILE:LINE: what is wrong` on stderr

Stricter than the scrapers: besides the grammar (metric and label names, label-value escapes,
numeric values, a final newline), every family must have one HELP and one TYPE line before its
samples, keep its samples together, and a counter's name must end in _total (promtool's lint);
no series may appear twice, no blank lines.
"""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE = r'"((?:[^"\\\n]|\\[\\"n])*)"'
HELP_RE = re.compile(rf"^# HELP ({NAME}) (.*)$")
TYPE_RE = re.compile(rf"^# TYPE ({NAME}) (counter|gauge|histogram|summary|untyped)$")
SAMPLE_RE = re.compile(rf"^({NAME})(?:\{{(.*)\}})? (\S+)(?: (-?[0-9]+))?$")
PAIR_RE = re.compile(rf"({LABEL})={VALUE}")


class Bad(Exception):
    pass


def parse_labels(text):
    labels, pos = [], 0
    while pos < len(text):
        m = PAIR_RE.match(text, pos)
        if not m:
            raise Bad(f"bad label syntax at {text[pos:]!r}")
        name = m.group(1)
        if name.startswith("__"):
            raise Bad(f"label {name} is reserved")
        if any(name == n for n, _ in labels):
            raise Bad(f"label {name} given twice")
        labels.append((name, m.group(2)))
        pos = m.end()
        if pos < len(text):
            if text[pos] != ",":
                raise Bad(f"expected ',' at {text[pos:]!r}")
            pos += 1
            if pos == len(text):
                raise Bad("trailing comma in labels")
    return labels


def check(text):
    if not text.endswith("\n"):
        raise Bad("the file does not end in a newline", 0)
    helps, types, done, series, out = {}, {}, set(), set(), []
    current = None
    for number, line in enumerate(text[:-1].split("\n"), 1):
        try:
            if line == "":
                raise Bad("blank line")
            m = HELP_RE.match(line)
            if m:
                name = m.group(1)
                if name in helps:
                    raise Bad(f"second HELP for {name}")
                if "\\" in m.group(2).replace("\\\\", "").replace("\\n", ""):
                    raise Bad("bad escape in HELP")
                if current is not None:
                    done.add(current)
                helps[name], current = m.group(2), name
                continue
            m = TYPE_RE.match(line)
            if m:
                name = m.group(1)
                if name != current or name in types:
                    raise Bad(f"TYPE for {name} must follow its HELP, once")
                if m.group(2) == "counter" and not name.endswith("_total"):
                    raise Bad(f"counter {name} does not end in _total")
                types[name] = m.group(2)
                continue
            if line.startswith("#"):
                raise Bad("comment that is neither HELP nor TYPE")
            m = SAMPLE_RE.match(line)
            if not m:
                raise Bad(f"not a sample: {line!r}")
            name = m.group(1)
            if name != current or name not in types:
                raise Bad(f"sample of {name} outside its family (after HELP and TYPE)")
            if name in done:
                raise Bad(f"samples of {name} are not together")
            labels = parse_labels(m.group(2) or "")
            try:
                value = float(m.group(3))
            except ValueError:
                raise Bad(f"value {m.group(3)!r} is not a number")
            if types[name] == "counter" and (math.isnan(value) or value < 0):
                raise Bad(f"counter {name} is negative or NaN")
            key = (name, tuple(sorted(labels)))
            if key in series:
                raise Bad("series given twice")
            series.add(key)
            text_labels = ",".join(f'{k}="{v}"' for k, v in labels)
            out.append(f"{name}{{{text_labels}}} {m.group(3)}" if labels else f"{name} {m.group(3)}")
        except Bad as e:
            raise Bad(str(e), number)
    for name in helps:
        if name not in types:
            raise Bad(f"{name} has HELP but no TYPE", 0)
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        for line in check(text):
            print(line)
    except Bad as e:
        what, number = e.args if len(e.args) == 2 else (e.args[0], 0)
        print(f"{path}:{number}: {what}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
