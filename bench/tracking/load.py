"""Tracking bench (issue 4's figures): GPS trackers publishing over MQTT into tracking, a plain batched INSERT loop
into the same table for comparison, and the latency from a tracker's publish to a WebSocket client of /api/v1/live.

  load.py setup  --devices 1000 --runs 20 --out DIR      # trackers in tracking's DB, 20 of them on real trips
  load.py mqtt   --devices-file DIR/devices.json --rate 1 --seconds 30 --ws ws://127.0.0.1:18280/api/v1/live
  load.py plain  --seconds 10 --batch 500                 # rows/s of multi-row INSERTs into positions

Everything prints one JSON line of figures (and human lines before it). Not a test: numbers, not assertions.
"""
import argparse
import asyncio
import hashlib
import json
import math
import os
import random
import secrets
import statistics
import threading
import time
from datetime import datetime, timezone

import paho.mqtt.client as mqtt
import pymysql

TRACKING_DB = os.environ.get("BENCH_TRACKING_DB", "setrag_bench_tracking")
INVENTORY_DB = os.environ.get("BENCH_INVENTORY_DB", "setrag_bench_inventory")
LINE_CSV = os.path.join(os.path.dirname(__file__), "..", "..", "data", "domain", "line.csv")


def db(name: str):
    return pymysql.connect(unix_socket=os.environ["SETRAG_DB_SOCKET"], user="root", database=name, autocommit=True)


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def line_points():
    points = []
    with open(LINE_CSV) as f:
        header = f.readline().strip().split(",")
        lat, lon = header.index("lat"), header.index("lon")
        for row in f:
            cells = row.strip().split(",")
            if len(cells) > max(lat, lon):
                points.append((float(cells[lat]), float(cells[lon])))
    return points


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------------------------------------------- setup
def setup(args):
    """Trackers straight into tracking's tables (bench setup, not measured): keys hashed as tracking keeps them; the
    first --runs of them assigned to trips of inventory's (a run row each), so that their fixes make live updates."""
    devices = []
    with db(TRACKING_DB) as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM devices WHERE name LIKE 'bench-%'")
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        rows = []
        for n in range(args.devices):
            key = secrets.token_urlsafe(32)
            rows.append((f"bench-{n}", "locomotive", hashlib.sha256(key.encode()).digest(), now, "bench", key))
        for name, kind, key_hash, created, by, key in rows:
            cur.execute("INSERT INTO devices (name, kind, key_hash, created_at, created_by) VALUES (%s,%s,%s,%s,%s)",
                        (name, kind, key_hash, created, by))
            devices.append({"id": cur.lastrowid, "key": key, "trip": None})
    with db(INVENTORY_DB) as conn, conn.cursor() as cur:
        cur.execute("""SELECT t.id, t.train_number, t.service_date, t.service, t.status,
                              MIN(s.departure_at), MAX(s.arrival_at)
                       FROM trips t JOIN trip_stops s ON s.trip_id = t.id GROUP BY t.id ORDER BY t.id LIMIT %s""",
                    (args.runs,))
        trips = cur.fetchall()
        origins = {}
        for trip in trips:
            cur.execute("""SELECT st.code FROM trip_stops s JOIN stations st ON st.id = s.station_id
                           WHERE s.trip_id = %s ORDER BY s.seq""", (trip[0],))
            codes = [r[0] for r in cur.fetchall()]
            origins[trip[0]] = (codes[0], codes[-1])
    with db(TRACKING_DB) as conn, conn.cursor() as cur:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        for device, trip in zip(devices, trips):
            tid, number, day, service, status, departs, arrives = trip
            origin, destination = origins[tid]
            cur.execute("""INSERT INTO runs (trip_id, train_number, service_date, service, origin, destination,
                               departure_at, arrival_at, status, updated_at)
                           VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)
                           ON DUPLICATE KEY UPDATE updated_at = VALUES(updated_at)""",
                        (tid, number, str(day)[:10], service, origin, destination, departs, arrives, status, now))
            cur.execute("UPDATE devices SET trip_id = %s, assigned_at = %s WHERE id = %s", (tid, now, device["id"]))
            device["trip"] = tid
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "devices.json"), "w") as f:
        json.dump(devices, f)
    print(f"setup: {len(devices)} trackers, {len(trips)} of them on trips {[t[0] for t in trips]}")


# ------------------------------------------------------------------------------------------------------- mqtt load
class Publishers:
    """A few MQTT connections publishing for many trackers (the platform authenticates each fix by the tracker's
    key in the message, not by the connection)."""

    def __init__(self, host, port, connections):
        self.clients = []
        for n in range(connections):
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{n}-{os.getpid()}",
                                 protocol=mqtt.MQTTv5)
            client.max_inflight_messages_set(1000)
            client.max_queued_messages_set(0)
            client.connect(host, port, keepalive=60)
            client.loop_start()
            self.clients.append(client)

    def publish(self, n, topic, payload):
        return self.clients[n % len(self.clients)].publish(topic, payload, qos=1)

    def close(self):
        for client in self.clients:
            client.loop_stop()
            client.disconnect()


async def websocket_listener(url, runs, latencies, stop, ready):
    import websockets
    async with websockets.connect(url, max_size=1 << 20, open_timeout=10) as ws:
        await ws.send(json.dumps({"subscribe": "trains"}))
        ready.set()
        while not stop.is_set():
            try:
                text = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except asyncio.TimeoutError:
                continue
            received = time.time()
            message = json.loads(text)
            if message.get("type") != "train":
                continue
            train = message["train"]
            if train.get("runId") in runs:
                sent = datetime.fromisoformat(train["updatedAt"]).timestamp()
                latencies.append((received - sent) * 1000)


def mqtt_load(args):
    devices = json.load(open(args.devices_file))
    points = line_points()
    host, port = os.environ.get("SETRAG_MQTT_HOST", "127.0.0.1"), int(os.environ["SETRAG_MQTT_PORT"])
    publishers = Publishers(host, port, args.connections)
    rng = random.Random(7)
    place = [rng.randrange(len(points) - 1) for _ in devices]
    progress = [0.0 for _ in devices]
    seq = [int(time.time()) * 10 for _ in devices]
    runs = {d["trip"] for d in devices if d["trip"]}
    latencies: list = []
    stop = threading.Event()
    ws_ready = threading.Event()
    ws_error = []

    def ws_thread():
        try:
            asyncio.run(websocket_listener(args.ws, runs, latencies, stop, ws_ready))
        except Exception as error:  # reported, the load goes on
            ws_error.append(repr(error))
            ws_ready.set()

    listener = threading.Thread(target=ws_thread, daemon=True)
    if args.ws:
        listener.start()
        ws_ready.wait(15)
    interval = 1.0 / args.rate
    start = time.time()
    sent = 0
    late_rounds = 0
    next_round = start
    while time.time() - start < args.seconds:
        round_start = time.time()
        for n, device in enumerate(devices):
            progress[n] += 0.02
            if progress[n] >= 1:
                progress[n] = 0.0
                place[n] = (place[n] + 1) % (len(points) - 1)
            a, b = points[place[n]], points[place[n] + 1]
            lat = a[0] + (b[0] - a[0]) * progress[n]
            lon = a[1] + (b[1] - a[1]) * progress[n]
            seq[n] += 1
            now = time.time()
            fix = {"ts": iso(now), "lat": round(lat, 6), "lon": round(lon, 6), "speed": 60, "accuracy": 8,
                   "seq": seq[n]}
            publishers.publish(n, f"setrag/telemetry/{device['id']}",
                               json.dumps({"key": device["key"], "fixes": [fix]}))
            sent += 1
        next_round += interval
        pause = next_round - time.time()
        if pause > 0:
            time.sleep(pause)
        else:
            late_rounds += 1
            next_round = time.time()
    elapsed = time.time() - start
    published_rate = sent / elapsed
    time.sleep(args.drain)
    stop.set()
    if args.ws:
        listener.join(5)
    publishers.close()

    ids = [d["id"] for d in devices]
    with db(TRACKING_DB) as conn, conn.cursor() as cur:
        marks = ",".join(["%s"] * len(ids))
        cur.execute(f"""SELECT COUNT(*), MIN(received_at), MAX(received_at) FROM positions
                        WHERE device_id IN ({marks}) AND ts >= %s""",
                    ids + [datetime.fromtimestamp(start, timezone.utc).replace(tzinfo=None)])
        stored, first, last = cur.fetchone()
        cur.execute(f"""SELECT TIMESTAMPDIFF(MICROSECOND, ts, received_at) / 1000 FROM positions
                        WHERE device_id IN ({marks}) AND ts >= %s""",
                    ids + [datetime.fromtimestamp(start, timezone.utc).replace(tzinfo=None)])
        lags = [float(r[0]) for r in cur.fetchall()]
    span = (last - first).total_seconds() if first and last and last > first else elapsed
    figures = {
        "devices": len(devices), "offered_per_s": round(len(devices) * args.rate, 1),
        "published": sent, "published_per_s": round(published_rate, 1), "publisher_late_rounds": late_rounds,
        "stored": stored, "stored_per_s": round(stored / span, 1) if span else None,
        "stored_share": round(stored / sent, 4) if sent else None,
        "lag_ms_p50": percentile(lags, 50), "lag_ms_p99": percentile(lags, 99), "lag_ms_max": max(lags) if lags else None,
        "ws_updates": len(latencies), "ws_ms_p50": percentile(latencies, 50), "ws_ms_p99": percentile(latencies, 99),
        "ws_error": ws_error[0] if ws_error else None,
    }
    print(f"published {sent} fixes in {elapsed:.1f} s ({published_rate:.0f}/s offered {len(devices) * args.rate:.0f}/s);"
          f" stored {stored} ({figures['stored_per_s']}/s over {span:.1f} s of writes)")
    print(f"broker-to-database lag (fix time -> the batch's write): p50 {figures['lag_ms_p50']} ms,"
          f" p99 {figures['lag_ms_p99']} ms, max {figures['lag_ms_max']} ms")
    print(f"publish -> WebSocket client: {len(latencies)} updates, p50 {figures['ws_ms_p50']} ms,"
          f" p99 {figures['ws_ms_p99']} ms" + (f" (error: {ws_error[0]})" if ws_error else ""))
    print(json.dumps(figures))


# ---------------------------------------------------------------------------------------------- plain INSERT loop
def plain(args):
    """Multi-row INSERTs of `--batch` fixes into the same positions table (devices 900000+, which tracking does not
    know), one statement per transaction, as fast as one connection goes, for `--seconds`."""
    points = line_points()
    rng = random.Random(3)
    with db(TRACKING_DB) as conn, conn.cursor() as cur:
        start = time.time()
        rows = 0
        seq = 0
        while time.time() - start < args.seconds:
            values = []
            now = datetime.now(timezone.utc).replace(tzinfo=None)
            day = (now - datetime(1970, 1, 1)).days
            for n in range(args.batch):
                seq += 1
                lat, lon = points[rng.randrange(len(points))]
                values.append((900000 + n, day, now, seq, 0, lat, lon, 60, 90, 8, None, 100.0, 500, now))
            cur.executemany("""INSERT IGNORE INTO positions (device_id, day, ts, seq, trip_id, lat, lon, speed_kmh,
                               heading, accuracy_m, altitude_m, pk_km, off_line_m, received_at)
                               VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)""", values)
            rows += args.batch
        elapsed = time.time() - start
        cur.execute("DELETE FROM positions WHERE device_id >= 900000")
    figures = {"plain_rows": rows, "plain_rows_per_s": round(rows / elapsed, 1), "batch": args.batch}
    print(f"plain INSERT loop: {rows} rows in {elapsed:.1f} s = {rows / elapsed:.0f} rows/s (batches of {args.batch})")
    print(json.dumps(figures))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--devices", type=int, default=1000)
    s.add_argument("--runs", type=int, default=20)
    s.add_argument("--out", required=True)
    m = sub.add_parser("mqtt")
    m.add_argument("--devices-file", required=True)
    m.add_argument("--rate", type=float, default=1.0, help="fixes per second per tracker")
    m.add_argument("--seconds", type=float, default=30)
    m.add_argument("--connections", type=int, default=10)
    m.add_argument("--drain", type=float, default=5, help="seconds to wait for the last fixes to be stored")
    m.add_argument("--ws", default=None)
    p = sub.add_parser("plain")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    {"setup": setup, "mqtt": mqtt_load, "plain": plain}[args.command](args)


if __name__ == "__main__":
    main()
