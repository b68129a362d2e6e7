"""Holds bench client (bench/tickets/run.sh runs it): N concurrent customers book seats on ONE trip through the
gateway (POST /api/v1/bookings: booking takes a hold on the seat-legs in inventory), on overlapping journeys along
the train's stops, for D seconds. Three bookings in four are cancelled right away (a basket given up: the seats go
back on sale), so the trip stays busy instead of selling out at once, and seats churn under contention.

Prints one line of figures, as JSON: bookings/s that got their seats, attempts/s, p50/p99 of the booking requests,
refusals by problem type, and errors. Each client is its own customer (signed up and signed in beforehand) on its
own keep-alive connection.

    .venv/bin/python bench/tickets/holds.py --base http://127.0.0.1:18280 --trip 42 --seconds 15 --tokens tokens.txt
"""
import argparse
import asyncio
import csv
import json
import random
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]


class Connection:
    """One HTTP/1.1 keep-alive connection (the client must not be the bottleneck: no library layers)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            self.writer = None
            raise ConnectionError("closed by the server")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while True:
            line = (await self.reader.readline()).decode("latin-1").strip()
            if not line:
                break
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        if chunked:
            data = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                data += chunk[:-2]
        else:
            data = await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status, data


def stops_of(train: int) -> list[str]:
    with open(ROOT / "data/domain/timetable.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["train"] == str(train)]
    return [row["station"] for row in sorted(rows, key=lambda row: int(row["seq"]))]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def client(index: int, args, token: str, stops: list[str], deadline: float, stats: dict):
    url = urlsplit(args.base)
    connection = Connection(url.hostname, url.port or 80)
    rng = random.Random(args.seed * 1000 + index)
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    while time.perf_counter() < deadline:
        first = rng.randrange(0, len(stops) - 1)
        last = rng.randrange(first + 1, len(stops))
        travel_class = rng.choices(["second", "first", "vip"], weights=[70, 25, 5])[0]
        party = rng.choice([1, 1, 1, 2, 2, 3])
        body = json.dumps({
            "tripId": args.trip, "from": stops[first], "to": stops[last], "class": travel_class,
            "passengers": [{"type": "adult", "name": f"Bench Client {index} {n}", "idNumber": f"GA{index:03d}{n}"}
                           for n in range(party)],
            "contactPhone": "+24177123456",
        }).encode()
        headers = dict(auth, **{"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
        started = time.perf_counter()
        try:
            status, data = await connection.request("POST", "/api/v1/bookings", headers, body)
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as error:
            stats["errors"][type(error).__name__] = stats["errors"].get(type(error).__name__, 0) + 1
            connection = Connection(url.hostname, url.port or 80)
            continue
        elapsed = time.perf_counter() - started
        stats["latencies"].append(elapsed)
        if status == 201:
            stats["booked"] += 1
            stats["seats"] += party
            if rng.random() < args.cancel_share:
                pnr = json.loads(data)["pnr"]
                cancel_headers = dict(auth, **{"Content-Type": "application/json",
                                               "Idempotency-Key": str(uuid.uuid4())})
                status, data = await connection.request("POST", f"/api/v1/bookings/{pnr}/cancel", cancel_headers,
                                                        b"{}")
                stats["cancelled" if status == 200 else "cancel_failed"] += 1
        elif status == 409:
            kind = json.loads(data).get("type", "").rsplit("/", 1)[-1]
            stats["refused"][kind] = stats["refused"].get(kind, 0) + 1
        else:
            stats["errors"][str(status)] = stats["errors"].get(str(status), 0) + 1
            if status == 429 or status >= 500:
                await asyncio.sleep(0.05)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--trip", type=int, required=True)
    parser.add_argument("--train", type=int, default=211)
    parser.add_argument("--tokens", required=True, help="a file with one access token per line, one per client")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--cancel-share", type=float, default=0.75)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    tokens = [line.strip() for line in open(args.tokens) if line.strip()]
    stops = stops_of(args.train)
    stats = {"latencies": [], "booked": 0, "seats": 0, "cancelled": 0, "cancel_failed": 0, "refused": {},
             "errors": {}}
    started = time.perf_counter()
    deadline = started + args.seconds
    await asyncio.gather(*(client(i, args, token, stops, deadline, stats) for i, token in enumerate(tokens)))
    elapsed = time.perf_counter() - started
    latencies = stats["latencies"]
    print(json.dumps({
        "clients": len(tokens), "seconds": round(elapsed, 1), "attempts": len(latencies),
        "booked": stats["booked"], "seats_booked": stats["seats"], "cancelled": stats["cancelled"],
        "cancel_failed": stats["cancel_failed"],
        "bookings_per_s": round(stats["booked"] / elapsed, 1), "attempts_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1), "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "refused": stats["refused"], "errors": stats["errors"],
    }))


if __name__ == "__main__":
    asyncio.run(main())
