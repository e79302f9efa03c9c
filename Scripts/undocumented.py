#!/usr/bin/env python3
"""Lists public declarations without a DocC comment (`///` or `/** */`) in Sources/.

    python3 Scripts/undocumented.py [--count] [--exclude PATH ...] [ROOT]
    python3 Scripts/undocumented.py --symbol-graphs [--count]

The second form reads the symbol graphs that `swift package generate-documentation --target M`
leaves in .build/<triple>/extracted-symbols/ and lists every public symbol declared in Sources/
without a doc comment — exact, and it also covers enum cases and protocol requirements, which the
text scan (the first form) does not see.

A declaration is a line whose code starts with `public`/`open` (after attributes such as
`@inlinable`) and declares a func, init, subscript, var, let, case, struct, class, enum, protocol,
actor, typealias or associatedtype. Extensions are not declarations (DocC documents their members).
A declaration is documented when the nearest line above it that is not an attribute or blank is a
`///` line or ends a `*/` block. Members of a `public extension` / public protocol without an
explicit `public` are not checked. RewardKitCLI (an executable, not API) is skipped.
"""
import os
import re
import sys

DECL = re.compile(
    r"^\s*(?:@[\w().:, \"=]+\s+)*(?:(?:nonisolated|final|static|class|override|mutating|nonmutating|"
    r"indirect|convenience|required|lazy|dynamic|@\w+)\s+)*(?:public|open)(?:\(set\))?\s+"
    r"(?:(?:nonisolated|final|static|class|override|mutating|nonmutating|indirect|convenience|required|"
    r"lazy|dynamic|private\(set\)|internal\(set\)|fileprivate\(set\)|package\(set\))\s+)*"
    r"(func|init|subscript|var|let|case|struct|class|enum|protocol|actor|typealias|associatedtype|init\?|init!)\b"
)
ATTRIBUTE = re.compile(r"^\s*@[\w]+(\(.*\))?\s*$")


def scan(path):
    missing = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        if not DECL.match(line) or re.match(r"^\s*(public|open)\s+(import|extension)\b", line):
            continue
        j = i - 1
        while j >= 0 and (ATTRIBUTE.match(lines[j]) or lines[j].strip() == ""):
            if lines[j].strip() == "":
                break
            j -= 1
        above = lines[j].strip() if j >= 0 else ""
        if above.startswith("///") or above.endswith("*/"):
            continue
        # Trailing-comment style for enum cases: `case a // …` is not DocC; count it.
        missing.append((i + 1, line.strip()))
    return missing


def symbol_graphs(count_only):
    import glob
    import json
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    files = sorted(glob.glob(os.path.join(root, ".build", "*", "extracted-symbols", "*", "*", "*.symbols.json")))
    total, missing = 0, []
    for f in files:
        for s in json.load(open(f))["symbols"]:
            uri = s.get("location", {}).get("uri", "")
            if s.get("accessLevel") not in ("public", "open") or not uri or s["kind"]["identifier"] == "swift.extension":
                continue
            total += 1
            if not s.get("docComment"):
                line = s["location"].get("position", {}).get("line", 0) + 1
                missing.append(f"{uri.split('/Sources/', 1)[-1]}:{line}: {'.'.join(s['pathComponents'])}")
    if not count_only:
        print("\n".join(sorted(set(missing))))
    print(f"{len(set(missing))} of {total} public symbols without a doc comment ({len(files)} symbol-graph files)")


def main(argv):
    if "--symbol-graphs" in argv:
        symbol_graphs("--count" in argv)
        return
    count_only = "--count" in argv
    excludes = []
    args = [a for a in argv if a != "--count"]
    while "--exclude" in args:
        k = args.index("--exclude")
        excludes.append(args[k + 1])
        del args[k:k + 2]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources")
    total = 0
    for folder, _, files in sorted(os.walk(root)):
        if "RewardKitCLI" in folder.split(os.sep) or "Documentation.docc" in folder:
            continue
        for name in sorted(files):
            if not name.endswith(".swift"):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, os.path.join(root, ".."))
            if any(rel.startswith(e) for e in excludes):
                continue
            for number, text in scan(path):
                total += 1
                if not count_only:
                    print(f"{rel}:{number}: {text}")
    print(f"{total} undocumented public declarations" if count_only else f"-- {total} undocumented", file=sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
