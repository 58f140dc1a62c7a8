#!/usr/bin/env python3
"""Daily sales exports for bench/incremental: `sales_{date}.csv` files of new orders, and a later day
whose file also carries amendments (newer updated_at, original sale_date) of orders of older days.
Prints the oracle's row count and amount sum (the newest version of every id) after writing."""
import csv, datetime, json, os, random, sys

def main():
    out, first_day, days, rows, amend_fraction, state_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
    os.makedirs(out, exist_ok=True)
    state = json.load(open(state_path)) if os.path.exists(state_path) else {"next_id": 1, "amounts": {}, "days": {}}
    rng = random.Random(first_day * 7919 + days)
    epoch = datetime.date(2026, 1, 1)
    per_day = rows // days
    for d in range(first_day, first_day + days):
        day = (epoch + datetime.timedelta(days=d)).isoformat()
        lines = []
        if state["amounts"] and amend_fraction > 0:
            ids = rng.sample(sorted(map(int, state["amounts"])), int(len(state["amounts"]) * amend_fraction))
            for i in ids:
                amount = state["amounts"][str(i)] + rng.randint(1, 50)
                lines.append((i, state["days"][str(i)], amount, f"{day} 23:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}", f"c{i % 5000}", "amended"))
        for n in range(per_day):
            i = state["next_id"]
            state["next_id"] += 1
            lines.append((i, day, rng.randint(1, 999), f"{day} {n * 86399 // per_day // 3600:02d}:{(n * 86399 // per_day) % 3600 // 60:02d}:{(n * 86399 // per_day) % 60:02d}", f"c{i % 5000}", "placed"))
        with open(os.path.join(out, f"sales_{day}.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "sale_date", "amount", "updated_at", "customer", "status"])
            w.writerows(lines)
        for (i, sale_day, amount, _, _, _) in lines:
            state["amounts"][str(i)] = amount
            state["days"][str(i)] = sale_day
    json.dump(state, open(state_path, "w"))
    print(len(state["amounts"]), sum(state["amounts"].values()))

main()
