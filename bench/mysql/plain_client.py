"""The same workloads as MySQLBench, run by PyMySQL with N threads (one connection each), ~BENCH_SECONDS each.

Usage: plain_client.py select|insert   (settings from the same environment variables as MySQLBench)
"""
import datetime
import os
import random
import sys
import threading
import time

import pymysql

env = os.environ
SECONDS = float(env.get("BENCH_SECONDS", "10"))
TASKS = int(env.get("BENCH_TASKS", "32"))
ROWS = int(env.get("BENCH_ROWS", "10000"))


def connect():
    return pymysql.connect(
        host=env.get("SETRAG_DB_HOST", "127.0.0.1"), port=int(env.get("SETRAG_DB_PORT", "3317")),
        user=env.get("SETRAG_DB_USER", "root"), password=env.get("SETRAG_DB_PASSWORD", ""),
        database=env.get("BENCH_DB", "setrag_bench"), charset="utf8mb4", autocommit=True,
    )


def worker(mode, index, deadline, counts):
    connection = connect()
    cursor = connection.cursor()
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    n = 0
    while time.monotonic() < deadline:
        if mode == "select":
            row_id = random.randint(1, ROWS)
            cursor.execute("SELECT id, k, name, created FROM bench_rows WHERE id = %s", (row_id,))
            assert cursor.fetchone()[0] == row_id
        else:
            key = 50_000_000 + index * 1_000_000 + n
            cursor.execute("INSERT INTO bench_inserts (k, name, created) VALUES (%s, %s, %s)", (key, f"voyageur-{key}", now))
        n += 1
    counts[index] = n
    connection.close()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "select"
    counts = [0] * TASKS
    start = time.monotonic()
    deadline = start + SECONDS
    threads = [threading.Thread(target=worker, args=(mode, i, deadline, counts)) for i in range(TASKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - start
    name = "point select" if mode == "select" else "single-row insert"
    print(f"pymysql {name}: {sum(counts) / wall:.0f} ops/s ({sum(counts)} ops in {wall:.1f} s, {TASKS} threads)")


main()
