#!/usr/bin/env python3
"""Prints the traces of an `autotel view --json` file as indented trees with durations.

With --requests, only traces whose root is a server span (one per request) are shown.
"""
import json
import sys
from collections import defaultdict

KEYS = ("http.route", "url.full", "http.response.status_code", "db.system.name", "db.query.text")


def main(path, requests_only):
    spans = [json.loads(line) for line in open(path) if '"signal":"span"' in line]
    by_trace = defaultdict(list)
    for span in spans:
        by_trace[span["trace_id"]].append(span)
    for trace_id, members in by_trace.items():
        ids = {s["span_id"] for s in members}
        children = defaultdict(list)
        for s in members:
            parent = s.get("parent_span_id")
            children[parent if parent in ids else None].append(s)
        if requests_only and not any(s["kind"] == "server" for s in children[None]):
            continue
        start = min(s["start_unix_nano"] for s in members)
        print(f"trace {trace_id} ({len(members)} spans)")

        def show(span, depth):
            service = span.get("resource", {}).get("service.name", "?")
            offset = (span["start_unix_nano"] - start) / 1e6
            took = (span["end_unix_nano"] - span["start_unix_nano"]) / 1e6
            attrs = " ".join(f"{k}={span['attributes'][k]}" for k in KEYS if k in span.get("attributes", {}))
            status = " ERROR" if span.get("status", {}).get("code") == "error" else ""
            print(f"  {'  ' * depth}{span['name']} [{span['kind']}, {service}] +{offset:.1f}ms {took:.1f}ms{status} {attrs}")
            for child in sorted(children[span["span_id"]], key=lambda c: c["start_unix_nano"]):
                show(child, depth + 1)

        for root in sorted(children[None], key=lambda c: c["start_unix_nano"]):
            show(root, 0)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--requests"]
    main(args[0], "--requests" in sys.argv[1:])
