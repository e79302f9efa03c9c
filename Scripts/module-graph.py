#!/usr/bin/env python3
"""Prints RewardKit's module graph as the package manager sees it.

    swift package describe --type json | python3 Scripts/module-graph.py

One line per library module, lowest layer first (every module after all it depends on): the
module, then the modules and products it depends on directly. Docs/Architecture.md shows this
output.
"""
import json
import sys

description = json.load(sys.stdin)
modules = {t["name"]: t for t in description["targets"]
           if t["type"] in ("library", "system-target") and not t["path"].startswith("Tests")}
order, placed = [], set()
while len(order) < len(modules):
    ready = sorted(n for n, t in modules.items() if n not in placed
                   and all(d in placed or d not in modules for d in t.get("target_dependencies", [])))
    if not ready:
        sys.exit("cycle among: " + ", ".join(sorted(set(modules) - placed)))
    for name in ready:
        order.append(name)
        placed.add(name)
width = max(len(n) for n in order)
for name in order:
    deps = [d for d in modules[name].get("target_dependencies", [])]
    products = modules[name].get("product_dependencies", [])
    print(f"{name.ljust(width)}  <- {', '.join(deps + products) or '(system library)'}")
