"""Prints bench/run.sh's results as a Markdown table (called by run.sh with its scratch files)."""
import json
import sys

OURS = ("sqlite", "postgres")
PEERS = ("oidc-provider", "glewlwyd")
ORDER = ("client_credentials", "private_key_jwt", "introspection", "revocation", "ob_credentials",
         "auth_code_flow", "refresh")
UNITS = {"auth_code_flow": "flows/s", "refresh": "refreshes/s", "revocation": "revocations/s",
         "private_key_jwt": "tokens/s"}

rows = {}  # (scenario, target, conns) -> dict | "skipped"
for line in open(sys.argv[1]):
    parts = line.split(" ", 4)
    if len(parts) == 4 and parts[3].strip() == "skipped":
        rows[(parts[0], parts[1], int(parts[2]))] = "skipped"
        continue
    name, target, conns, hwm_kb, js = parts
    r = json.loads(js)
    r["peak_mib"] = int(hwm_kb or 0) / 1024
    rows[(name, target, int(conns))] = r


def cell(r):
    if r == "skipped":
        return "skipped | - | - | -"
    flag = ""
    bad = r["unexpected"] + r["socket_errors"]
    if bad:
        flag += f" ({bad} bad)"
    if r.get("shortfall"):
        flag += f" (ran out of inputs: {r['shortfall']})"
    return f"{r['rps']:.0f}{flag} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['peak_mib']:.1f}"


conns_all = sorted({k[2] for k in rows})
print("\n| scenario | conns | target | req/s | p50 ms | p99 ms | peak RSS MiB | ours/peer |")
print("|---|---|---|---|---|---|---|---|")
for scenario in ORDER:
    for conns in conns_all:
        peers = {p: rows[(scenario, p, conns)] for p in PEERS if (scenario, p, conns) in rows}
        for target in OURS + PEERS:
            r = rows.get((scenario, target, conns))
            if r is None:
                continue
            ratio = "-"
            if target in OURS and r != "skipped":
                ratio = ", ".join(f"{r['rps'] / p['rps']:.1f}x {name}" for name, p in peers.items()
                                  if p != "skipped" and p["rps"]) or "-"
            unit = f" ({UNITS[scenario]})" if scenario in UNITS else ""
            print(f"| {scenario}{unit} | {conns} | {target} | {cell(r)} | {ratio} |")

print()
for line in open(sys.argv[2]):
    kind, db, *vals = line.split()
    if kind == "startup":
        print(f"badgeserver on {db}: start-up (exec to /health 200) {vals[1]} ms median of 5 restarts, "
              f"{vals[0]} ms the first start (creates the signing keys); idle RSS {int(vals[2]) / 1024:.1f} MiB")
    elif kind == "peak":
        print(f"badgeserver on {db}: peak RSS over the whole run {int(vals[0]) / 1024:.1f} MiB")
