"""Prepares bench/tickets/run.sh's clients on a running platform (not measured):
- signs up N customers and signs each in through the OAuth flow (the web client, PKCE), one access token per line in
  <out>/tokens.txt;
- finds train 211's trips on the next four Tuesdays (<out>/trips.txt: trip id and date per line);
- books 20 seats on another trip (train 412) as a customer, has the demo agent take cash for them, and writes the signed
  tickets' QR texts to <out>/tickets.txt and the demo conductor's token to <out>/conductor.txt (for the
  verification bench).

    .venv/bin/python bench/tickets/setup.py --clients 64 --out .data/bench-tickets
Needs SETRAG_BASE_URL, SETRAG_GATEWAY_OAUTH_CLIENT_SECRET and SETRAG_DEMO_PASSWORD (script/lib/env.sh).
"""
import argparse
import datetime
import os
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "oauth"))
from oauth_support import Platform, sign_in  # noqa: E402


def next_weekday(weekday: int, after_days: int = 1) -> str:
    """The first local date on `weekday` (Monday 0) at least `after_days` from today in Africa/Libreville."""
    today = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).date()
    day = today + datetime.timedelta(days=after_days)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day.isoformat()


def trip_of(base: str, train: int, origin: str, destination: str, date: str) -> int:
    found = requests.get(f"{base}/api/v1/trips", params={"from": origin, "to": destination, "date": date,
                                                         "passengers": 1}, timeout=30).json()
    return next(trip["id"] for trip in found["trips"] if trip["trainNumber"] == train)


def post(base: str, path: str, token: str, body: dict) -> requests.Response:
    return requests.post(base + path, json=body, timeout=60, headers={
        "Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = os.environ["SETRAG_BASE_URL"].rstrip("/")
    secret = os.environ["SETRAG_GATEWAY_OAUTH_CLIENT_SECRET"]
    demo = Platform(base, secret, os.environ["SETRAG_DEMO_PASSWORD"])

    password = "bench-" + uuid.uuid4().hex
    run = uuid.uuid4().hex[:8]

    def customer(index: int) -> str:
        username = f"bench-{run}-{index}@bench.setrag.ga"
        created = requests.post(f"{base}/api/v1/users", timeout=60, json={
            "username": username, "password": password, "displayName": f"Bench {index}"})
        assert created.status_code == 201, f"sign-up: {created.status_code} {created.text[:300]}"
        return sign_in(Platform(base, secret, password), username).token["access_token"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = list(pool.map(customer, range(args.clients)))
    (out / "tokens.txt").write_text("\n".join(tokens) + "\n")

    # Train 211 on the next four Tuesdays: one fresh trip per measured round.
    tuesday = next_weekday(1)
    tuesdays = [(datetime.date.fromisoformat(tuesday) + datetime.timedelta(weeks=n)).isoformat() for n in range(4)]
    (out / "trips.txt").write_text("".join(f"{trip_of(base, 211, 'OWE', 'FCV', day)} {day}\n" for day in tuesdays))

    # Tickets for the verification bench: the next Thursday's train 412 (Franceville to Owendo), paid in cash.
    thursday = next_weekday(3)
    other = trip_of(base, 412, "FCV", "OWE", thursday)
    agent = sign_in(demo, "agent@demo.setrag.ga").token["access_token"]
    codes = []
    for _ in range(4):
        booking = post(base, "/api/v1/bookings", tokens[0], {
            "tripId": other, "from": "FCV", "to": "OWE", "class": "second", "contactPhone": "+24177123456",
            "passengers": [{"type": "adult", "name": f"Voyageur {n}", "idNumber": f"GA9{n:04d}"} for n in range(5)],
        })
        assert booking.status_code == 201, f"booking: {booking.status_code} {booking.text[:300]}"
        pnr = booking.json()["pnr"]
        paid = post(base, "/api/v1/payments", agent, {"pnr": pnr, "method": "cash"})
        assert paid.status_code == 201, f"cash: {paid.status_code} {paid.text[:300]}"
        tickets = requests.get(f"{base}/api/v1/bookings/{pnr}/tickets", timeout=30,
                               headers={"Authorization": f"Bearer {tokens[0]}"}).json()
        codes += [ticket["qr"] for ticket in tickets["tickets"]]
    (out / "tickets.txt").write_text("\n".join(codes) + "\n")
    conductor = sign_in(demo, "controleur@demo.setrag.ga").token["access_token"]
    (out / "conductor.txt").write_text(conductor + "\n")
    print(f"{len(tokens)} customers signed in; train 211 on {', '.join(tuesdays)} for the holds; "
          f"{len(codes)} tickets of trip {other} (train 412, {thursday}) to verify")


if __name__ == "__main__":
    main()
