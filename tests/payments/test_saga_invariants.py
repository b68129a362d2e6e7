"""The payment saga with every E-Billing simulator outcome, each followed by what a customer does next (cancel a
paid booking, exchange it), and after EACH saga the platform-wide invariants checked on the databases themselves:

  1. paid ⇒ ticketed or refunded: every succeeded payment either settled its booking (confirmed with one ticket per
     passenger, or retired with the money the rules give back recorded as refunds) or was refunded in full;
  2. no ticket without payment: a confirmed booking (or any booking holding tickets) was paid, by its own settled
     payment of what it cost, or (an exchange that cost nothing more) under the PNR it replaced;
  3. seats: the seat-legs sold in inventory are exactly the seats × legs of the confirmed bookings, per trip, sold to
     the booking's own hold; no seat-leg is claimed by two live holds; every live hold owns all its seat-legs;
  4. money: received (succeeded payments) − refunds (done or due) = price of confirmed bookings + the fees the
     rules keep (customer cancellations: total − refund; completed exchanges: the exchange fee).

The invariants hold for ALL the data of the platform under test (every booking any test made), once the platform is
quiet: they are polled for a while (in-flight callbacks, events, sweepers) and reported with the offending rows.

Needs, besides tests/payments' settings: SETRAG_DB_PREFIX (script/test: setrag_e2e) and SETRAG_DB_SOCKET (the
MariaDB socket; root without password). Reads are read-only transactions on one consistent snapshot. The one write:
`hold expired` cases make the booking's seat hold run out now (the platform holds seats for 15 minutes unless
booking.hold_seconds is set) by moving that one hold's expiry into the past in inventory and booking, as the clock
would; with holds of 2 minutes or less (SETRAG_BOOKING_HOLD_SECONDS) the test waits for the real expiry instead.
"""
from __future__ import annotations

import datetime
import os
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pymysql
import pymysql.cursors
import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent.parent / "oauth"))
from oauth_support import CUSTOMER, http, load_platform, sign_in  # noqa: E402

AGENT = "agent@demo.setrag.ga"
SETTLE_SECONDS = 40  # how long the platform may take to become quiet (callbacks, reconciler, events, sweepers)


# ---------------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def platform():
    return load_platform()


@pytest.fixture(scope="module")
def customer(platform) -> str:
    return sign_in(platform, CUSTOMER).token["access_token"]


@pytest.fixture(scope="module")
def agent(platform) -> str:
    return sign_in(platform, AGENT).token["access_token"]


@pytest.fixture(scope="module")
def simulator() -> str:
    port = os.environ.get("SETRAG_EBILLING_SIMULATOR_PORT")
    assert port, "export SETRAG_EBILLING_SIMULATOR_PORT (script/lib/env.sh does)"
    return f"http://127.0.0.1:{port}"


@dataclass(frozen=True)
class Databases:
    socket: str
    inventory: str
    booking: str
    payments: str

    def connect(self):
        return pymysql.connect(unix_socket=self.socket, user="root", password="", autocommit=False,
                               cursorclass=pymysql.cursors.DictCursor, connect_timeout=10)


@pytest.fixture(scope="module")
def databases() -> Databases:
    prefix, socket = os.environ.get("SETRAG_DB_PREFIX"), os.environ.get("SETRAG_DB_SOCKET")
    missing = [name for name, value in [("SETRAG_DB_PREFIX", prefix), ("SETRAG_DB_SOCKET", socket)] if not value]
    if missing:
        pytest.fail("The saga invariants read the platform's databases; export " + " and ".join(missing)
                    + " (script/test exports SETRAG_DB_PREFIX=setrag_e2e and the MariaDB socket)", pytrace=False)
    dbs = Databases(socket, f"{prefix}_inventory", f"{prefix}_booking", f"{prefix}_payments")
    try:
        with dbs.connect() as connection, connection.cursor() as cursor:
            cursor.execute("SELECT schema_name AS name FROM information_schema.schemata")
            present = {row["name"] for row in cursor.fetchall()}
    except pymysql.MySQLError as error:
        pytest.fail(f"MariaDB at {socket} (root, no password) does not answer: {error}", pytrace=False)
    absent = [name for name in (dbs.inventory, dbs.booking, dbs.payments) if name not in present]
    if absent:
        pytest.fail(f"no database {', '.join(absent)}: is SETRAG_DB_PREFIX={prefix} the running platform's?",
                    pytrace=False)
    return dbs


# ---------------------------------------------------------------------------------------------- the platform

def post(platform, path: str, token: str, body: dict, key: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key or str(uuid.uuid4())}
    return http("POST", platform.base_url + path, json=body, headers=headers)


def get(platform, path: str, token: str) -> requests.Response:
    return http("GET", platform.base_url + path, headers={"Authorization": f"Bearer {token}"})


def tuesday(weeks_later: int = 0) -> str:
    # Train 211 (Express Owendo -> Franceville) leaves on Tuesdays at 12:30 local time; one at least a day away.
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=1))).date()
    days = (1 - today.weekday()) % 7 or 7
    return (today + datetime.timedelta(days=days + 7 * weeks_later)).isoformat()


def trip_211(platform, weeks_later: int = 0) -> int:
    answer = http("GET", platform.base_url + f"/api/v1/trips?from=OWE&to=NDJ&date={tuesday(weeks_later)}")
    assert answer.status_code == 200, answer.text[:300]
    trips = [trip for trip in answer.json()["trips"] if trip["trainNumber"] == 211]
    assert trips, answer.json()
    return trips[0]["id"]


def book(platform, token: str, travel_class: str = "second", passengers: int = 1, seats: list[dict] | None = None,
         weeks_later: int = 0) -> dict:
    party = [{"type": "adult", "name": f"Voyageur Saga {i}", "idNumber": f"GS{200000 + i}"} for i in range(passengers)]
    for passenger, seat in zip(party, seats or []):
        passenger["seat"] = seat
    response = post(platform, "/api/v1/bookings", token, {
        "tripId": trip_211(platform, weeks_later), "from": "OWE", "to": "NDJ", "class": travel_class,
        "passengers": party, "contactPhone": "074123456",
    })
    assert response.status_code == 201, response.text[:500]
    booking = response.json()
    assert booking["status"] == "held" and booking["holdExpiresAt"], booking
    return booking


def booking_of(platform, token: str, pnr: str) -> dict:
    answer = get(platform, f"/api/v1/bookings/{pnr}", token)
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()


def start_payment(platform, token: str, pnr: str, msisdn: str | None, method: str) -> dict:
    body = {"pnr": pnr, "method": method} | ({"msisdn": msisdn} if msisdn else {})
    response = post(platform, "/api/v1/payments", token, body)
    assert response.status_code == 201, response.text[:500]
    return response.json()


def payment_of(platform, token: str, payment_id: str) -> dict:
    answer = get(platform, f"/api/v1/payments/{payment_id}", token)
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()


def eventually(probe, seconds: float, what: str, interval: float = 0.25):
    """Calls probe() until it returns something truthy; fails with `what` and the last value after `seconds`."""
    deadline = time.time() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.time() > deadline:
            pytest.fail(f"{what}: still not so after {seconds} s (last: {value!r})", pytrace=False)
        time.sleep(interval)


def booking_reaches(platform, token: str, pnr: str, status: str, seconds: float = 10) -> dict:
    """The booking as soon as it is in `status` (payments tells booking right after a payment's outcome)."""
    return eventually(lambda: (lambda b: b if b["status"] == status else None)(booking_of(platform, token, pnr)),
                      seconds, f"booking {pnr} {status}")


def settled_payment(platform, token: str, payment_id: str, seconds: float = 30) -> dict:
    """The payment once final: failed or expired, or succeeded with booking's answer recorded."""
    last = {}

    def probe():
        nonlocal last
        last = payment_of(platform, token, payment_id)
        final = last["status"] in ("failed", "expired") or (
            last["status"] == "succeeded" and last.get("bookingStatus") is not None)
        return last if final else None

    deadline = time.time() + seconds
    while time.time() < deadline:
        if probe():
            return last
        time.sleep(0.25)
    pytest.fail(f"payment {payment_id} not final after {seconds} s: {last}", pytrace=False)


def scenario(simulator: str, msisdn: str, outcome: str, **delays):
    response = requests.put(f"{simulator}/_sim/scenarios/{msisdn}", json={"outcome": outcome, **delays}, timeout=10)
    assert response.status_code == 200, response.text[:300]


def sim_bill(simulator: str, payment_id: str) -> dict:
    bills = requests.get(f"{simulator}/_sim/bills", timeout=10).json()["bills"]
    found = [bill for bill in bills if bill["external_reference"] == payment_id]
    assert len(found) == 1, f"the aggregator has {len(found)} bills for {payment_id}"
    return found[0]


def sim_payouts(simulator: str, reference: str) -> list[dict]:
    payouts = requests.get(f"{simulator}/_sim/disbursements", timeout=10).json()["disbursements"]
    return [payout for payout in payouts if payout["external_reference"] == reference]


def delivered(bill: dict) -> int:
    """How many callback copies of the bill's final state SETRAG accepted (2xx)."""
    return len({a["copy"] for a in bill.get("callbacks") or [] if a.get("status") and 200 <= a["status"] < 300})


def refund_paid_out(platform, token: str, simulator: str, payment_id: str, reference: str, amount: int,
                    msisdn: str) -> None:
    """The refund is recorded against the payment and paid back once, in full, to the wallet that paid."""
    found = eventually(lambda: sim_payouts(simulator, reference), 30, f"payout {reference}")
    assert len(found) == 1, found
    assert found[0]["amount"] == amount and found[0]["payee_msisdn"] == msisdn, found
    refunds = eventually(
        lambda: [r for r in payment_of(platform, token, payment_id)["refunds"]
                 if r["reference"] == reference and r["status"] == "succeeded"],
        30, f"refund {reference} succeeded at SETRAG")
    assert [r["amount"] for r in refunds] == [amount], refunds


def refunded(platform, token: str, pnr: str, amount: int) -> None:
    """Booking heard that the refund it owed was paid back in full: refunded, and its holder told."""
    booking = booking_reaches(platform, token, pnr, "refunded")
    assert booking["refundAmount"] == amount and booking["refundedAmount"] == amount, booking
    assert any(n["kind"] == "refund-paid" for n in booking["notices"]), booking["notices"]


# ---------------------------------------------------------------------------------------------- a hold runs out

def make_hold_run_out(databases: Databases, booking: dict) -> None:
    """The booking's seat hold runs out now. With a short hold (booking.hold_seconds <= 120) the test waits for it;
    otherwise (15 minutes by default) the one hold's expiry is moved into the past, in inventory (the hold and its
    seat-legs) and booking (its copy), as the clock would have done. Nothing else is written."""
    if hold_seconds(booking) <= 120:
        expires = datetime.datetime.fromisoformat(booking["holdExpiresAt"].replace("Z", "+00:00"))
        time.sleep(max(0.0, (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 1.5)
        return
    with databases.connect() as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT hold_id FROM `{databases.booking}`.bookings WHERE pnr = %s", (booking["pnr"],))
        hold = cursor.fetchone()["hold_id"]
        past = "UTC_TIMESTAMP() - INTERVAL 1 SECOND"
        cursor.execute(f"UPDATE `{databases.inventory}`.holds SET expires_at = {past} "
                       "WHERE id = %s AND status = 'held'", (hold,))
        assert cursor.rowcount == 1, f"hold {hold} of {booking['pnr']} is not held"
        cursor.execute(f"UPDATE `{databases.inventory}`.seat_legs SET hold_expires_at = {past} "
                       "WHERE hold_id = %s AND hold_expires_at IS NOT NULL", (hold,))
        assert cursor.rowcount > 0
        cursor.execute(f"UPDATE `{databases.booking}`.bookings SET hold_expires_at = {past} "
                       "WHERE pnr = %s AND status IN ('held', 'awaiting_payment')", (booking["pnr"],))
        assert cursor.rowcount == 1
        connection.commit()


# ---------------------------------------------------------------------------------------------- the invariants

@dataclass
class Snapshot:
    """What the invariants read, from one consistent read-only snapshot of the three databases."""
    rows: dict[str, list[dict]] = field(default_factory=dict)


def queries(db: Databases) -> dict[str, str]:
    I, B, P = f"`{db.inventory}`", f"`{db.booking}`", f"`{db.payments}`"  # noqa: E741
    live = "(h.status = 'confirmed' OR (h.status = 'held' AND h.expires_at > UTC_TIMESTAMP()))"
    return {
        # Every succeeded payment, the booking it pays and whether it is the one that settled it.
        "payments": f"""
            SELECT p.id, p.public_id, p.pnr, p.method, p.amount, p.booking_status,
                s.payment_id AS settled_by, b.id AS booking_id, b.status, b.paid_at, b.refund_amount,
                COALESCE(b.amount_due, b.total_amount) AS due,
                (SELECT COUNT(*) FROM {B}.booking_passengers bp WHERE bp.booking_id = b.id) AS passengers,
                (SELECT COUNT(*) FROM {B}.tickets t WHERE t.booking_id = b.id AND t.trip_id = b.trip_id) AS tickets,
                (SELECT COALESCE(SUM(r.amount), 0) FROM {P}.refunds r
                    WHERE r.payment_id = p.id AND r.status <> 'failed') AS refunded
            FROM {P}.payments p
            LEFT JOIN {P}.settled_bookings s ON s.pnr = p.pnr
            LEFT JOIN {B}.bookings b ON b.pnr = p.pnr
            WHERE p.status = 'succeeded'""",
        # Bookings settled by a payment that did not succeed.
        "bad_settlements": f"""
            SELECT s.pnr, p.public_id, p.status FROM {P}.settled_bookings s JOIN {P}.payments p ON p.id = s.payment_id
            WHERE p.status <> 'succeeded'""",
        # Every booking with its tickets and its settling payment (for tickets, chains and money).
        "bookings": f"""
            SELECT b.id, b.pnr, b.status, b.trip_id, b.hold_id, b.total_amount, b.amount_due, b.refund_amount,
                b.paid_at, b.exchange_of, b.exchanged_to, b.exchange_fee, b.hold_release_due_at,
                (SELECT COUNT(*) FROM {B}.booking_passengers bp WHERE bp.booking_id = b.id) AS passengers,
                (SELECT COUNT(*) FROM {B}.tickets t WHERE t.booking_id = b.id) AS tickets,
                (SELECT COUNT(*) FROM {B}.tickets t WHERE t.booking_id = b.id AND t.trip_id <> b.trip_id)
                    AS tickets_elsewhere,
                p.public_id AS settled_payment, p.status AS settled_status, p.amount AS settled_amount
            FROM {B}.bookings b
            LEFT JOIN {P}.settled_bookings s ON s.pnr = b.pnr
            LEFT JOIN {P}.payments p ON p.id = s.payment_id""",
        # What payments recorded as paid back for each booking: the refunds booking's BookingRefundDue made
        # (reference RFD-<pnr>-<payment>) and those payments made itself when the seats were gone (seats-gone).
        "refunds_by_pnr": f"""
            SELECT x.pnr, SUM(CASE WHEN x.status <> 'failed' THEN x.amount ELSE 0 END) AS recorded,
                SUM(CASE WHEN x.status = 'failed' THEN x.amount ELSE 0 END) AS failed,
                GROUP_CONCAT(CONCAT(x.reference, ' ', x.amount, ' ', x.status) SEPARATOR '; ') AS detail
            FROM (SELECT SUBSTRING(r.reference, 5, 6) AS pnr, r.amount, r.status, r.reference FROM {P}.refunds r
                    WHERE r.reason IN ('cancellation', 'trip-cancelled', 'exchange')
                  UNION ALL
                  SELECT p.pnr, r.amount, r.status, r.reference FROM {P}.refunds r
                    JOIN {P}.payments p ON p.id = r.payment_id WHERE r.reason = 'seats-gone') x
            GROUP BY x.pnr""",
        # The seat-legs inventory sold: taken with no expiry; with the status of the hold that took them.
        "sold": f"""
            SELECT sl.trip_id, sl.coach_position, sl.seat_number, sl.leg_id, sl.hold_id, h.status AS hold_status
            FROM {I}.seat_legs sl LEFT JOIN {I}.holds h ON h.id = sl.hold_id
            WHERE sl.hold_id IS NOT NULL AND sl.hold_expires_at IS NULL""",
        # The seats of confirmed bookings, with the legs of their hold.
        "ticketed_seats": f"""
            SELECT b.pnr, b.trip_id, b.hold_id, bp.coach_position, bp.seat_number, h.first_leg, h.last_leg,
                h.status AS hold_status, h.trip_id AS hold_trip
            FROM {B}.bookings b JOIN {B}.booking_passengers bp ON bp.booking_id = b.id
            LEFT JOIN {I}.holds h ON h.id = b.hold_id
            WHERE b.status = 'confirmed' AND bp.seat_number IS NOT NULL""",
        # Two live holds (confirmed, or held and not expired) claiming one seat on a common leg.
        "double_holds": f"""
            SELECT h.id AS first_hold, h2.id AS second_hold, h.trip_id, s1.coach_position, s1.seat_number,
                h.status AS first_status, h2.status AS second_status
            FROM {I}.holds h JOIN {I}.hold_seats s1 ON s1.hold_id = h.id
            JOIN {I}.hold_seats s2 ON s2.coach_position = s1.coach_position AND s2.seat_number = s1.seat_number
                AND s2.hold_id > h.id
            JOIN {I}.holds h2 ON h2.id = s2.hold_id AND h2.trip_id = h.trip_id
                AND h2.first_leg <= h.last_leg AND h.first_leg <= h2.last_leg
            WHERE {live} AND (h2.status = 'confirmed' OR (h2.status = 'held' AND h2.expires_at > UTC_TIMESTAMP()))""",
        # Live holds that do not own every seat-leg of their seats and legs.
        "partial_holds": f"""
            SELECT h.id, h.status, h.reference, want, have FROM (
                SELECT h.id, h.status, h.reference,
                    (SELECT COUNT(*) FROM {I}.hold_seats hs WHERE hs.hold_id = h.id) * (h.last_leg - h.first_leg + 1)
                        AS want,
                    (SELECT COUNT(*) FROM {I}.seat_legs sl WHERE sl.hold_id = h.id
                        AND ((h.status = 'held' AND sl.hold_expires_at = h.expires_at)
                             OR (h.status = 'confirmed' AND sl.hold_expires_at IS NULL))) AS have
                FROM {I}.holds h WHERE {live}) h
            WHERE want <> have""",
        # Money: received, paid back or owed back, and what the bookings say SETRAG keeps.
        "money": f"""
            SELECT
                (SELECT COALESCE(SUM(amount), 0) FROM {P}.payments WHERE status = 'succeeded') AS received,
                (SELECT COALESCE(SUM(amount), 0) FROM {P}.refunds WHERE status <> 'failed') AS refunded,
                (SELECT COALESCE(SUM(total_amount), 0) FROM {B}.bookings WHERE status = 'confirmed') AS confirmed,
                (SELECT COALESCE(SUM(total_amount - refund_amount), 0) FROM {B}.bookings
                    WHERE status = 'refund_pending' OR (status = 'refunded' AND cancelled_at > paid_at))
                    AS cancellation_fees,
                (SELECT COALESCE(SUM(n.exchange_fee), 0) FROM {B}.bookings o JOIN {B}.bookings n
                    ON n.pnr = o.exchanged_to AND n.exchange_of = o.pnr WHERE o.status = 'exchanged')
                    AS exchange_fees""",
    }


def read_snapshot(db: Databases) -> Snapshot:
    snapshot = Snapshot()
    with db.connect() as connection, connection.cursor() as cursor:
        cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        for name, sql in queries(db).items():
            cursor.execute(sql)
            snapshot.rows[name] = list(cursor.fetchall())
        connection.rollback()
    return snapshot


PAID_STATES = {"confirmed", "refund_pending", "refund_due", "refunded", "exchanged"}


def violations(s: Snapshot) -> list[str]:
    found: list[str] = []
    bookings = {b["pnr"]: b for b in s.rows["bookings"]}
    refunds = {r["pnr"]: r for r in s.rows["refunds_by_pnr"]}

    # 1. paid ⇒ ticketed or refunded.
    for p in s.rows["payments"]:
        where = f"payment {p['public_id']} ({p['method']}, {p['amount']} XAF) of {p['pnr']}"
        if p["settled_by"] != p["id"]:
            # A second payment of a booking (or one that never settled it) goes back in full.
            if int(p["refunded"]) != p["amount"]:
                found.append(f"[1] {where} succeeded but did not pay the booking (settled by payment id "
                             f"{p['settled_by']}) and only {p['refunded']} XAF was refunded")
            continue
        if p["booking_id"] is None:
            found.append(f"[1] {where} settled a booking booking does not know")
            continue
        if p["booking_status"] is None:
            found.append(f"[1] {where} succeeded but booking was never told (booking_status NULL, booking "
                         f"{p['status']})")
        if p["amount"] != p["due"]:
            found.append(f"[1] {where}: the booking was due {p['due']} XAF")
        if p["paid_at"] is None:
            found.append(f"[1] {where}: booking {p['pnr']} has no paid_at (status {p['status']})")
        if p["status"] not in PAID_STATES:
            found.append(f"[1] {where}: the booking is {p['status']}, neither ticketed nor refunded")
        elif p["status"] == "confirmed" and p["tickets"] != p["passengers"]:
            found.append(f"[1] {where}: confirmed with {p['tickets']} tickets on its trip for {p['passengers']} "
                         "passengers")
    for row in s.rows["bad_settlements"]:
        found.append(f"[1] booking {row['pnr']} is settled by payment {row['public_id']} which is {row['status']}")
    # ... and whatever a paid booking's rules give back is recorded as refunds, no more and no less.
    for pnr in set(bookings) | set(refunds):
        b = bookings.get(pnr)
        owed = ((b["refund_amount"] or 0) if b and b["status"] in ("refund_pending", "refund_due", "refunded", "exchanged")
                else 0)
        got = refunds.get(pnr)
        recorded = int(got["recorded"]) if got else 0
        if recorded != owed:
            found.append(f"[1] booking {pnr} ({b['status'] if b else 'unknown'}) owes {owed} XAF back but payments "
                         f"recorded {recorded} XAF: {got['detail'] if got else 'no refund'}")
        if got and int(got["failed"]):
            found.append(f"[1] booking {pnr}: {got['failed']} XAF of refunds failed and nothing pays them back: "
                         f"{got['detail']}")

    # 2. no valid ticket without payment.
    def paid_for(b: dict, seen: set[str]) -> str | None:
        """Why `b` is paid for, or None. Its own settled payment of what it cost, or (an exchange that left
        nothing to pay) the booking it replaced, retired for it and paid for itself."""
        due = b["amount_due"] if b["amount_due"] is not None else b["total_amount"]
        if b["exchange_of"] is not None and due == 0:
            old = bookings.get(b["exchange_of"])
            if old is None or old["pnr"] in seen:
                return None
            if old["status"] != "exchanged" or old["exchanged_to"] != b["pnr"]:
                return None
            return paid_for(old, seen | {b["pnr"]}) and f"under {old['pnr']}"
        if b["settled_status"] == "succeeded" and b["settled_amount"] == due:
            return b["settled_payment"]
        return None

    for b in bookings.values():
        if b["status"] == "confirmed":
            if b["tickets"] != b["passengers"] or b["tickets_elsewhere"]:
                found.append(f"[2] confirmed booking {b['pnr']} has {b['tickets']} tickets "
                             f"({b['tickets_elsewhere']} for another trip) for {b['passengers']} passengers")
            if b["paid_at"] is None or not paid_for(b, set()):
                found.append(f"[2] confirmed booking {b['pnr']} ({b['total_amount']} XAF, due "
                             f"{b['amount_due']}, exchange of {b['exchange_of']}) has valid tickets but no payment "
                             f"covers it (settled by {b['settled_payment']} {b['settled_status']} "
                             f"{b['settled_amount']}; paid_at {b['paid_at']})")
        elif b["tickets"] and b["paid_at"] is None:
            found.append(f"[2] booking {b['pnr']} ({b['status']}) holds {b['tickets']} tickets but was never paid")

    # 3. seat-legs sold = seats × legs of confirmed bookings, sold to their own hold.
    sold = {(r["trip_id"], r["coach_position"], r["seat_number"], r["leg_id"]): r for r in s.rows["sold"]}
    wanted: dict[tuple, dict] = {}
    for r in s.rows["ticketed_seats"]:
        if r["hold_status"] != "confirmed" or r["hold_trip"] != r["trip_id"]:
            found.append(f"[3] confirmed booking {r['pnr']}: its hold {r['hold_id']} is {r['hold_status']} "
                         f"(trip {r['hold_trip']}, booking's trip {r['trip_id']})")
            if r["first_leg"] is None:
                continue
        for leg in range(r["first_leg"], r["last_leg"] + 1):
            key = (r["trip_id"], r["coach_position"], r["seat_number"], leg)
            if key in wanted:
                found.append(f"[3] seat-leg {key} is on the tickets of {wanted[key]['pnr']} and {r['pnr']}")
            wanted[key] = r
    per_trip: dict[int, list[str]] = defaultdict(list)
    for key, r in wanted.items():
        got = sold.get(key)
        if got is None or got["hold_id"] != r["hold_id"]:
            per_trip[key[0]].append(f"{r['pnr']} coach {key[1]} seat {key[2]} leg {key[3]}: "
                                    + ("not sold" if got is None else f"sold to hold {got['hold_id']}"))
    for key, r in sold.items():
        if key not in wanted:
            owner = [b["pnr"] + " " + b["status"] for b in bookings.values() if b["hold_id"] == r["hold_id"]]
            per_trip[key[0]].append(f"coach {key[1]} seat {key[2]} leg {key[3]} sold to hold {r['hold_id']} "
                                    f"({r['hold_status']}; booking {', '.join(owner) or 'none'}) without a valid "
                                    "ticket")
    for trip, problems in sorted(per_trip.items()):
        sold_n = sum(1 for k in sold if k[0] == trip)
        want_n = sum(1 for k in wanted if k[0] == trip)
        found.append(f"[3] trip {trip}: {sold_n} seat-legs sold, {want_n} on valid tickets: "
                     + "; ".join(problems[:8]) + (f"; … {len(problems) - 8} more" if len(problems) > 8 else ""))
    for r in s.rows["double_holds"]:
        found.append(f"[3] trip {r['trip_id']} coach {r['coach_position']} seat {r['seat_number']} is claimed by "
                     f"live holds {r['first_hold']} ({r['first_status']}) and {r['second_hold']} "
                     f"({r['second_status']}) on a common leg")
    for r in s.rows["partial_holds"]:
        found.append(f"[3] live hold {r['id']} ({r['status']}, {r['reference']}) owns {r['have']} of its "
                     f"{r['want']} seat-legs")

    # 4. money received − refunds (done or due) = confirmed bookings + fees kept.
    m = s.rows["money"][0]
    received, refunded = int(m["received"]), int(m["refunded"])
    kept = int(m["confirmed"]) + int(m["cancellation_fees"]) + int(m["exchange_fees"])
    if received - refunded != kept:
        found.append(f"[4] received {received} − refunded {refunded} = {received - refunded} XAF, but confirmed "
                     f"bookings {m['confirmed']} + cancellation fees {m['cancellation_fees']} + exchange fees "
                     f"{m['exchange_fees']} = {kept} XAF (difference {received - refunded - kept})")
    return found


def assert_invariants(db: Databases, seconds: float = SETTLE_SECONDS, before: set[str] | None = None) -> Snapshot:
    """The invariants hold on all the platform's data once it is quiet: polled for `seconds`, then reported.
    `before`: the violations seen before the saga; when nothing but those is left, waiting longer cannot help (they
    outlived a whole saga), so the check fails at once, saying which were there already."""
    deadline = time.time() + seconds
    while True:
        snapshot = read_snapshot(db)
        problems = violations(snapshot)
        if not problems:
            return snapshot
        old = before or set()
        if time.time() > deadline or (old and set(problems) <= old):
            lines = [p + ("   [already before this saga]" if p in old else "") for p in problems]
            pytest.fail(f"{len(problems)} invariant violations on the platform's data:\n  " + "\n  ".join(lines),
                        pytrace=False)
        time.sleep(1)


# ---------------------------------------------------------------------------------------------- the sagas
# Each saga: a customer books, pays by mobile money on a number whose simulated payer does `outcome`, the test waits
# for the final state, the customer goes on (cancels, exchanges, tries again), and the invariants are checked.

def saga_success_then_exchange_to_a_dearer_train(platform, customer, agent, simulator, databases):
    scenario(simulator, "074810001", "success")
    scenario(simulator, "066810001", "success")
    booking = book(platform, customer, passengers=2)
    payment = start_payment(platform, customer, booking["pnr"], "074 81 00 01", "airtel_money")
    paid = settled_payment(platform, customer, payment["id"])
    assert paid["status"] == "succeeded" and paid["bookingStatus"] == "confirmed", paid
    assert_invariants(databases)

    later = trip_211(platform, weeks_later=1)
    quote = get(platform, f"/api/v1/bookings/{booking['pnr']}/exchange?tripId={later}&class=first", customer).json()
    new = post(platform, f"/api/v1/bookings/{booking['pnr']}/exchange", customer,
               {"tripId": later, "class": "first"}).json()
    assert new["status"] == "held" and new["amountDue"] == quote["amountDue"] > 0, new
    difference = start_payment(platform, customer, new["pnr"], "066 81 00 01", "moov_money")
    assert difference["amount"] == quote["amountDue"]
    assert settled_payment(platform, customer, difference["id"])["bookingStatus"] == "confirmed"
    old = booking_of(platform, customer, booking["pnr"])
    assert old["status"] == "exchanged" and old["exchangedTo"] == new["pnr"], old
    assert len(get(platform, f"/api/v1/bookings/{new['pnr']}/tickets", customer).json()["tickets"]) == 2


def saga_decline_then_another_wallet_then_cancel(platform, customer, agent, simulator, databases):
    scenario(simulator, "077810002", "decline", confirm_after_ms=200)
    scenario(simulator, "062810002", "success")
    booking = book(platform, customer)
    declined = start_payment(platform, customer, booking["pnr"], "077810002", "airtel_money")
    failed = settled_payment(platform, customer, declined["id"])
    assert failed["status"] == "failed", failed
    # The payment ended unpaid: the booking's seats are held again, for another payment.
    booking_reaches(platform, customer, booking["pnr"], "held")
    assert_invariants(databases)

    retry = start_payment(platform, customer, booking["pnr"], "062810002", "moov_money")
    assert settled_payment(platform, customer, retry["id"])["bookingStatus"] == "confirmed"
    cancelled = post(platform, f"/api/v1/bookings/{booking['pnr']}/cancel", customer, {})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "refund_pending", cancelled.text[:300]
    refund = cancelled.json()["refundAmount"]
    assert refund in (booking["total"] - booking["total"] // 10, booking["total"] - booking["total"] // 5), refund
    refund_paid_out(platform, customer, simulator, retry["id"], f"RFD-{booking['pnr']}-{retry['id']}", refund,
                    "062810002")
    refunded(platform, customer, booking["pnr"], refund)


def saga_timeout_then_success_then_cancel(platform, customer, agent, simulator, databases):
    # The payer answers after 3 s: the reconciler (every 2 s in tests) asks, hears "not yet", and waits.
    scenario(simulator, "066810003", "timeout_then_success", confirm_after_ms=3000)
    booking = book(platform, customer, travel_class="first")
    payment = start_payment(platform, customer, booking["pnr"], "066810003", "moov_money")
    time.sleep(2.5)
    assert payment_of(platform, customer, payment["id"])["status"] == "pending"
    assert booking_of(platform, customer, booking["pnr"])["status"] == "awaiting_payment"
    paid = settled_payment(platform, customer, payment["id"])
    assert paid["status"] == "succeeded" and paid["bookingStatus"] == "confirmed", paid
    assert_invariants(databases)

    cancelled = post(platform, f"/api/v1/bookings/{booking['pnr']}/cancel", customer, {}).json()
    assert cancelled["status"] == "refund_pending", cancelled
    # The payout to that wallet follows its scenario too: it succeeds, late.
    refund_paid_out(platform, customer, simulator, payment["id"], f"RFD-{booking['pnr']}-{payment['id']}",
                    cancelled["refundAmount"], "066810003")
    refunded(platform, customer, booking["pnr"], cancelled["refundAmount"])


def saga_timeout_then_failure_then_cancel_unpaid(platform, customer, agent, simulator, databases):
    scenario(simulator, "074810004", "timeout_then_failure", confirm_after_ms=1500)
    booking = book(platform, customer, passengers=2)
    payment = start_payment(platform, customer, booking["pnr"], "074810004", "airtel_money")
    final = settled_payment(platform, customer, payment["id"])
    assert final["status"] in ("expired", "failed"), final
    assert final["refunds"] == [], final
    booking_reaches(platform, customer, booking["pnr"], "held")
    assert_invariants(databases)

    cancelled = post(platform, f"/api/v1/bookings/{booking['pnr']}/cancel", customer, {}).json()
    assert cancelled["status"] == "cancelled" and cancelled["refundAmount"] in (0, None), cancelled
    assert get(platform, f"/api/v1/bookings/{booking['pnr']}/tickets", customer).status_code == 409


def saga_duplicate_callback_then_exchange_to_a_cheaper_class(platform, customer, agent, simulator, databases):
    scenario(simulator, "065810005", "duplicate_callback", repeat_after_ms=500)
    booking = book(platform, customer, travel_class="first")
    payment = start_payment(platform, customer, booking["pnr"], "065810005", "moov_money")
    paid = settled_payment(platform, customer, payment["id"])
    assert paid["status"] == "succeeded" and paid["bookingStatus"] == "confirmed", paid
    # All three copies of the callback were taken (2xx) and changed nothing more.
    eventually(lambda: delivered(sim_bill(simulator, payment["id"])) == 3, 15, "three callbacks delivered")
    assert payment_of(platform, customer, payment["id"])["refunds"] == []
    assert_invariants(databases)

    quote = get(platform, f"/api/v1/bookings/{booking['pnr']}/exchange?tripId={booking['trip']['id']}&class=second",
                customer).json()
    exchanged = post(platform, f"/api/v1/bookings/{booking['pnr']}/exchange", customer,
                     {"tripId": booking["trip"]["id"], "class": "second"})
    assert exchanged.status_code == 201, exchanged.text[:300]
    new = exchanged.json()
    assert new["status"] == "confirmed" and new["exchange"]["amountDue"] == 0, new
    back = new["exchange"]["refund"]
    assert back == booking["total"] - new["total"] - quote["fee"] > 0, (new, quote)
    refund_paid_out(platform, customer, simulator, payment["id"], f"RFD-{booking['pnr']}-{payment['id']}", back,
                    "065810005")
    # The old booking stays exchanged; what came back is counted on it.
    old = eventually(lambda: (lambda b: b if b.get("refundedAmount") == back else None)(
        booking_of(platform, customer, booking["pnr"])), 10, "the exchange's refund counted")
    assert old["status"] == "exchanged", old


def saga_late_callback_found_by_the_reconciler(platform, customer, agent, simulator, databases):
    # The payer confirms at once; the aggregator's callback comes 8 s later. The reconciler finds the bill paid
    # first; the callback then changes nothing.
    scenario(simulator, "074810006", "late_callback", confirm_after_ms=100, callback_after_ms=8000)
    booking = book(platform, customer)
    payment = start_payment(platform, customer, booking["pnr"], "074810006", "airtel_money")
    paid = settled_payment(platform, customer, payment["id"], seconds=20)
    assert paid["status"] == "succeeded" and paid["bookingStatus"] == "confirmed", paid
    assert delivered(sim_bill(simulator, payment["id"])) == 0, "the callback came before the reconciler"
    eventually(lambda: delivered(sim_bill(simulator, payment["id"])) == 1, 20, "the late callback delivered")
    assert payment_of(platform, customer, payment["id"])["refunds"] == []
    assert booking_of(platform, customer, booking["pnr"])["status"] == "confirmed"


def saga_lost_answer_unknown_then_reconciled(platform, customer, agent, simulator, databases):
    # The push reaches the payer but the aggregator's answer to it is lost (502) and it never calls back. The
    # payment is unknown, never failed: the reconciler's status query finds the bill paid and the booking is
    # ticketed. The customer then cancels, refunded per the rules.
    scenario(simulator, "074810011", "lost_answer", confirm_after_ms=4000)
    booking = book(platform, customer)
    payment = start_payment(platform, customer, booking["pnr"], "074810011", "airtel_money")
    assert payment["status"] == "unknown", payment
    # The reconciler asks meanwhile (every 2 s here) and hears "ready": still unknown, not failed.
    time.sleep(3)
    assert payment_of(platform, customer, payment["id"])["status"] == "unknown"
    assert booking_of(platform, customer, booking["pnr"])["status"] == "awaiting_payment"
    paid = settled_payment(platform, customer, payment["id"], seconds=20)
    assert paid["status"] == "succeeded" and paid["bookingStatus"] == "confirmed", paid
    assert delivered(sim_bill(simulator, payment["id"])) == 0, "the simulator called back"
    assert len(get(platform, f"/api/v1/bookings/{booking['pnr']}/tickets", customer).json()["tickets"]) == 1
    cancelled = post(platform, f"/api/v1/bookings/{booking['pnr']}/cancel", customer, {}).json()
    assert cancelled["status"] == "refund_pending", cancelled
    refund_paid_out(platform, customer, simulator, payment["id"], f"RFD-{booking['pnr']}-{payment['id']}",
                    cancelled["refundAmount"], "074810011")
    refunded(platform, customer, booking["pnr"], cancelled["refundAmount"])


def hold_seconds(booking: dict) -> float:
    created = datetime.datetime.fromisoformat(booking["createdAt"].replace("Z", "+00:00"))
    expires = datetime.datetime.fromisoformat(booking["holdExpiresAt"].replace("Z", "+00:00"))
    return (expires - created).total_seconds()


def paid_after_the_hold_ran_out(platform, customer, simulator, databases, msisdn: str, taken_by=None):
    """The payer types the PIN only after the booking's hold ran out; `taken_by(booking)` may sell the seats
    meanwhile (the reconciler asks the aggregator in between and hears "not paid yet")."""
    booking = book(platform, customer)
    short = hold_seconds(booking) if hold_seconds(booking) <= 120 else 0
    scenario(simulator, msisdn, "timeout_then_success", confirm_after_ms=int((short + 8) * 1000))
    payment = start_payment(platform, customer, booking["pnr"], msisdn, "airtel_money")
    # The push already has its payer's answer scheduled; a refund paid to this wallet later is paid at once.
    scenario(simulator, msisdn, "success")
    make_hold_run_out(databases, booking)
    other = taken_by(booking) if taken_by else None
    assert payment_of(platform, customer, payment["id"])["status"] == "pending", "the payer answered too early"
    return booking, payment, settled_payment(platform, customer, payment["id"], seconds=30), other


def saga_paid_after_the_hold_expired_and_the_seats_were_sold(platform, customer, agent, simulator, databases):
    def sell_the_seats(booking):
        seats = [p["seat"] for p in booking["passengers"]]
        other = book(platform, agent, seats=seats)
        cash = start_payment(platform, agent, other["pnr"], None, "cash")
        assert cash["status"] == "succeeded" and cash["bookingStatus"] == "confirmed", cash
        return other

    booking, payment, paid, other = paid_after_the_hold_ran_out(platform, customer, simulator, databases,
                                                                "077810007", sell_the_seats)
    assert paid["status"] == "succeeded" and paid["bookingStatus"] == "refund_due", paid
    late = booking_of(platform, customer, booking["pnr"])
    assert late["status"] == "refund_due" and late["refundAmount"] == booking["total"], late
    assert get(platform, f"/api/v1/bookings/{booking['pnr']}/tickets", customer).status_code == 409
    refund_paid_out(platform, customer, simulator, payment["id"], f"RFD-{payment['id']}-seats-gone",
                    booking["total"], "077810007")
    refunded(platform, customer, booking["pnr"], booking["total"])
    assert booking_of(platform, agent, other["pnr"])["status"] == "confirmed"


def saga_paid_after_the_hold_expired_and_the_seats_still_free(platform, customer, agent, simulator, databases):
    booking, payment, paid, _ = paid_after_the_hold_ran_out(platform, customer, simulator, databases, "074810008")
    assert paid["status"] == "succeeded" and paid["bookingStatus"] == "confirmed", paid
    assert booking_of(platform, customer, booking["pnr"])["status"] == "confirmed"
    assert len(get(platform, f"/api/v1/bookings/{booking['pnr']}/tickets", customer).json()["tickets"]) == 1
    assert payment_of(platform, customer, payment["id"])["refunds"] == []


def saga_paid_after_the_customer_cancelled_the_unpaid_booking(platform, customer, agent, simulator, databases):
    # The customer gives up while the payer's phone still shows the PIN request; the payer confirms anyway.
    scenario(simulator, "062810009", "timeout_then_success", confirm_after_ms=4000)
    booking = book(platform, customer)
    payment = start_payment(platform, customer, booking["pnr"], "062810009", "moov_money")
    cancelled = post(platform, f"/api/v1/bookings/{booking['pnr']}/cancel", customer, {}).json()
    assert cancelled["status"] == "cancelled", cancelled
    paid = settled_payment(platform, customer, payment["id"])
    assert paid["status"] == "succeeded" and paid["bookingStatus"] == "refund_due", paid
    refund_paid_out(platform, customer, simulator, payment["id"], f"RFD-{payment['id']}-seats-gone",
                    booking["total"], "062810009")
    refunded(platform, customer, booking["pnr"], booking["total"])


def saga_exchange_difference_paid_after_the_old_booking_was_cancelled(platform, customer, agent, simulator,
                                                                      databases):
    # A paid booking is exchanged for a dearer one; before the difference is paid the customer cancels the old one
    # (refunded less the fee); the difference then arrives: it is owed back in full and the new seats go back.
    scenario(simulator, "074810010", "success")
    scenario(simulator, "066810010", "timeout_then_success", confirm_after_ms=4000)
    booking = book(platform, customer)
    first = start_payment(platform, customer, booking["pnr"], "074810010", "airtel_money")
    assert settled_payment(platform, customer, first["id"])["bookingStatus"] == "confirmed"
    new = post(platform, f"/api/v1/bookings/{booking['pnr']}/exchange", customer,
               {"tripId": booking["trip"]["id"], "class": "first"}).json()
    assert new["status"] == "held" and new["amountDue"] > 0, new
    difference = start_payment(platform, customer, new["pnr"], "066810010", "moov_money")
    cancelled = post(platform, f"/api/v1/bookings/{booking['pnr']}/cancel", customer, {}).json()
    assert cancelled["status"] == "refund_pending", cancelled
    paid = settled_payment(platform, customer, difference["id"])
    assert paid["status"] == "succeeded" and paid["bookingStatus"] == "refund_due", paid
    assert booking_of(platform, customer, new["pnr"])["status"] == "refund_due"
    refund_paid_out(platform, customer, simulator, difference["id"], f"RFD-{difference['id']}-seats-gone",
                    new["amountDue"], "066810010")
    refund_paid_out(platform, customer, simulator, first["id"], f"RFD-{booking['pnr']}-{first['id']}",
                    cancelled["refundAmount"], "074810010")
    refunded(platform, customer, new["pnr"], new["amountDue"])
    refunded(platform, customer, booking["pnr"], cancelled["refundAmount"])


def saga_card_payment_cancelled_then_refund_paid_in_cash_at_a_counter(platform, customer, agent, simulator,
                                                                      databases):
    # The aggregator's API pays back to wallets only: a card payment's refund is owed in cash, and an agent pays it
    # at a counter, against their till. The booking then reads refunded.
    booking = book(platform, customer)
    card = start_payment(platform, customer, booking["pnr"], "074998801", "card")
    assert card["status"] == "pending" and card["paymentUrl"], card
    assert booking_of(platform, customer, booking["pnr"])["status"] == "awaiting_payment"
    paid = requests.post(card["paymentUrl"], data={"action": "pay", "payment_system_name": "card"},
                         allow_redirects=False, timeout=10)
    assert paid.status_code == 303, paid.text[:300]
    assert settled_payment(platform, customer, card["id"])["bookingStatus"] == "confirmed"
    cancelled = post(platform, f"/api/v1/bookings/{booking['pnr']}/cancel", customer, {}).json()
    assert cancelled["status"] == "refund_pending" and cancelled["refundAmount"] > 0, cancelled
    reference = f"RFD-{booking['pnr']}-{card['id']}"
    owed = eventually(lambda: [r for r in payment_of(platform, customer, card["id"])["refunds"]
                               if r["reference"] == reference], 30, "the card refund recorded")
    assert owed[0]["status"] == "manual" and owed[0]["amount"] == cancelled["refundAmount"], owed
    # A customer sees only the refunds of their own payments (this agent's customer has none of another's).
    assert get(platform, f"/api/v1/payments/refunds?pnr={booking['pnr']}", customer).status_code == 200
    listed = get(platform, f"/api/v1/payments/refunds?pnr={booking['pnr'].lower()}", agent).json()
    assert [(r["reference"], r["status"], r["method"], r["amount"]) for r in listed["refunds"]] \
        == [(reference, "manual", "card", cancelled["refundAmount"])], listed
    before = get(platform, "/api/v1/payments/till", agent).json()

    key = str(uuid.uuid4())
    assert post(platform, f"/api/v1/payments/refunds/{reference}/cash", customer, {}).status_code == 403
    cash = post(platform, f"/api/v1/payments/refunds/{reference}/cash", agent, {}, key=key)
    assert cash.status_code == 200, cash.text[:300]
    assert cash.json()["status"] == "succeeded" and cash.json()["paidBy"] == before["agent"], cash.json()
    again = post(platform, f"/api/v1/payments/refunds/{reference}/cash", agent, {}, key=key)
    assert again.status_code == 200 and again.json() == cash.json(), again.text[:300]
    twice = post(platform, f"/api/v1/payments/refunds/{reference}/cash", agent, {})
    assert twice.status_code == 409 and twice.json()["type"].endswith("refund-not-owed-in-cash"), twice.text[:300]
    assert post(platform, "/api/v1/payments/refunds/RFD-NOSUCH-pay_x/cash", agent, {}).status_code == 404

    till = get(platform, "/api/v1/payments/till", agent).json()
    assert till["refundCount"] == before["refundCount"] + 1, till
    assert till["refundTotal"] == before["refundTotal"] + cancelled["refundAmount"], till
    assert till["net"] == till["total"] - till["refundTotal"], till
    assert reference in [r["reference"] for r in till["refunds"]], till
    refunded(platform, customer, booking["pnr"], cancelled["refundAmount"])


def saga_card_payment_cancelled_then_refund_sent_to_a_wallet_the_customer_names(platform, customer, agent,
                                                                                 simulator, databases):
    # Instead of collecting the cash at a counter, the card payer names a Moov Money number: the refund goes there
    # through the aggregator's payouts.
    booking = book(platform, customer)
    card = start_payment(platform, customer, booking["pnr"], "074998802", "card")
    paid = requests.post(card["paymentUrl"], data={"action": "pay", "payment_system_name": "card"},
                         allow_redirects=False, timeout=10)
    assert paid.status_code == 303, paid.text[:300]
    assert settled_payment(platform, customer, card["id"])["bookingStatus"] == "confirmed"
    cancelled = post(platform, f"/api/v1/bookings/{booking['pnr']}/cancel", customer, {}).json()
    assert cancelled["status"] == "refund_pending", cancelled
    reference = f"RFD-{booking['pnr']}-{card['id']}"
    # The customer sees the refund of their own payment, owed in cash.
    mine = eventually(lambda: get(platform, f"/api/v1/payments/refunds?pnr={booking['pnr']}", customer)
                      .json()["refunds"], 30, "the card refund listed for its customer")
    assert [(r["reference"], r["status"], r["method"]) for r in mine] == [(reference, "manual", "card")], mine
    for bad in ({}, {"msisdn": "011445566"}, {"msisdn": "hello"}, {"msisdn": 74123456}):
        refused = post(platform, f"/api/v1/payments/refunds/{reference}/wallet", customer, bad)
        assert refused.status_code == 422, (bad, refused.text[:300])
    assert post(platform, "/api/v1/payments/refunds/RFD-NOSUCH-pay_x/wallet", customer,
                {"msisdn": "062810012"}).status_code == 404
    scenario(simulator, "062810012", "success")
    sent = post(platform, f"/api/v1/payments/refunds/{reference}/wallet", customer, {"msisdn": "062 81 00 12"})
    assert sent.status_code == 200 and sent.json()["status"] in ("pending", "succeeded"), sent.text[:300]
    refund_paid_out(platform, customer, simulator, card["id"], reference, cancelled["refundAmount"], "062810012")
    again = post(platform, f"/api/v1/payments/refunds/{reference}/wallet", customer, {"msisdn": "062810012"})
    assert again.status_code == 409, again.text[:300]
    cash = post(platform, f"/api/v1/payments/refunds/{reference}/cash", agent, {})
    assert cash.status_code == 409, cash.text[:300]
    refunded(platform, customer, booking["pnr"], cancelled["refundAmount"])


SAGAS = {
    "success": saga_success_then_exchange_to_a_dearer_train,
    "decline": saga_decline_then_another_wallet_then_cancel,
    "timeout_then_success": saga_timeout_then_success_then_cancel,
    "timeout_then_failure": saga_timeout_then_failure_then_cancel_unpaid,
    "duplicate_callback": saga_duplicate_callback_then_exchange_to_a_cheaper_class,
    "late_callback": saga_late_callback_found_by_the_reconciler,
    "lost_answer": saga_lost_answer_unknown_then_reconciled,
    "hold_expired_seats_sold": saga_paid_after_the_hold_expired_and_the_seats_were_sold,
    "hold_expired_seats_free": saga_paid_after_the_hold_expired_and_the_seats_still_free,
    "paid_after_cancel": saga_paid_after_the_customer_cancelled_the_unpaid_booking,
    "exchange_paid_after_old_cancelled": saga_exchange_difference_paid_after_the_old_booking_was_cancelled,
    "card_refund_paid_in_cash": saga_card_payment_cancelled_then_refund_paid_in_cash_at_a_counter,
    "card_refund_to_a_wallet": saga_card_payment_cancelled_then_refund_sent_to_a_wallet_the_customer_names,
}


def test_the_invariants_hold_before_any_saga(databases):
    assert_invariants(databases)


@pytest.mark.parametrize("outcome", list(SAGAS))
def test_saga_keeps_the_invariants(outcome, platform, customer, agent, simulator, databases):
    before = set(violations(read_snapshot(databases)))
    SAGAS[outcome](platform, customer, agent, simulator, databases)
    assert_invariants(databases, before=before)


def test_the_checker_sees_each_kind_of_violation(databases):
    """The checker itself, on copies of the real data (after the sagas) with one thing wrong each time: an invariant
    that cannot fail proves nothing."""
    import copy

    base = assert_invariants(databases)

    def broken(change) -> list[str]:
        snapshot = copy.deepcopy(base)
        change(snapshot.rows)
        return violations(snapshot)

    def first(rows, name, **where):
        found = [row for row in rows[name] if all(row[k] == v for k, v in where.items())]
        assert found, f"the data has no {name} row with {where} to break"
        return found[0]

    def unticketed(rows):
        first(rows, "payments", status="confirmed")["status"] = "awaiting_payment"

    def lost_refund(rows):
        refund = [r for r in rows["refunds_by_pnr"] if int(r["recorded"]) > 0][0]
        refund["recorded"] = int(refund["recorded"]) - 500
        rows["money"][0]["refunded"] = int(rows["money"][0]["refunded"]) - 500

    def unpaid_ticket(rows):
        booking = [b for b in rows["bookings"] if b["status"] == "confirmed" and b["settled_payment"]][0]
        booking["settled_status"] = "failed"

    def unsold_seat(rows):
        rows["sold"].pop()

    def seat_sold_twice(rows):
        rows["double_holds"].append({"first_hold": 1, "second_hold": 2, "trip_id": 1, "coach_position": 1,
                                     "seat_number": 1, "first_status": "confirmed", "second_status": "held"})

    def money_missing(rows):
        rows["money"][0]["received"] = int(rows["money"][0]["received"]) - 500

    for change, tags in [(unticketed, {"[1]"}), (lost_refund, {"[1]", "[4]"}), (unpaid_ticket, {"[2]"}),
                         (unsold_seat, {"[3]"}), (seat_sold_twice, {"[3]"}), (money_missing, {"[4]"})]:
        seen = {problem[:3] for problem in broken(change)}
        assert seen == tags, (change.__name__, seen)


def count_rows(databases: Databases, sql: str, *args) -> int:
    with databases.connect() as connection, connection.cursor() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchone().values())[0]


def test_paying_a_booking_whose_hold_ran_out_is_refused_and_nothing_is_written(platform, customer, databases):
    booking = book(platform, customer)
    make_hold_run_out(databases, booking)
    eventually(lambda: booking_of(platform, customer, booking["pnr"])["status"] == "expired", 90,
               "the booking expired once its hold ran out")
    answer = post(platform, "/api/v1/payments", customer,
                  {"pnr": booking["pnr"], "method": "airtel_money", "msisdn": "074810012"})
    assert answer.status_code == 409, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"].endswith("/booking-not-payable"), answer.json()
    assert count_rows(databases, f"SELECT COUNT(*) FROM `{databases.payments}`.payments WHERE pnr = %s",
                      booking["pnr"]) == 0
    assert_invariants(databases)


def test_a_train_that_has_left_takes_no_booking_and_nothing_is_written(platform, customer, databases):
    # An extra train that left Owendo twenty minutes ago (an operator may record one after the fact).
    operator = sign_in(platform, "operateur@demo.setrag.ga").token["access_token"]
    departs = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=1))) - datetime.timedelta(minutes=20)
    for number in range(9100, 9200):
        extra = post(platform, "/api/v1/trips", operator, {"pattern": 211, "date": departs.date().isoformat(),
                                                           "trainNumber": number,
                                                           "departure": departs.strftime("%H:%M")})
        if extra.status_code != 409:
            break
    assert extra.status_code == 201, extra.text[:300]
    trip = extra.json()["tripId"]
    bookings_before = count_rows(databases, f"SELECT COUNT(*) FROM `{databases.booking}`.bookings")
    answer = post(platform, "/api/v1/bookings", customer, {
        "tripId": trip, "from": "OWE", "to": "NDJ", "class": "second",
        "passengers": [{"type": "adult", "name": "Voyageur En Retard", "idNumber": "GS300000"}],
        "contactPhone": "074123456"})
    assert answer.status_code == 409, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"].endswith("/trip-not-on-sale"), answer.json()
    assert count_rows(databases, f"SELECT COUNT(*) FROM `{databases.booking}`.bookings") == bookings_before
    assert count_rows(databases, f"SELECT COUNT(*) FROM `{databases.inventory}`.holds WHERE trip_id = %s", trip) == 0
