"""Helpers of the live trains' browser tests: a train of their own on the line now (an extra train added by the demo
operator), the train simulator run as a subprocess against the same platform, reading the live socket's frames, and
booking a seat through the API.

The weekly timetable leaves days without a train on the line at a given hour, so each test adds its own: pattern 211
(the Express OWE→FCV: Owendo, Ntoum 38 min later, 10 min there, Ndjolé 2 h 40 further, …) leaving today, a while
ago, in Libreville time. The API refuses past dates, not past times: a train may leave at 00:05 today at the
earliest, so near midnight the train leaves at 00:05 and the test waits until it has been running long enough.
"""
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from staff_support import LIBREVILLE, OPERATOR, now_local

sys.path.insert(0, str(Path(__file__).parent.parent / "oauth"))
from oauth_support import http, load_platform  # noqa: E402
from oauth_support import sign_in as oauth_sign_in  # noqa: E402

ARTIFACTS = Path(__file__).parent / "artifacts"
EXPRESS_OWE_FCV = 211
# The earliest departure the API takes today (a day's trains are numbered from 00:05).
EARLIEST = (0, 5)
# Pattern 211's first leg: at Ntoum from 38 to 48 minutes after leaving Owendo.
NTOUM_DWELL = (36, 50)


def operator_token() -> str:
    platform = load_platform()
    return oauth_sign_in(platform, OPERATOR).token["access_token"]


def _earliest_today(now: datetime) -> datetime:
    return now.replace(hour=EARLIEST[0], minute=EARLIEST[1], second=0, microsecond=0)


def departure_ago(minutes: int, at_least: int, avoid: tuple[int, int] | None = None) -> datetime:
    """A departure today about `minutes` before now (Libreville time). Near midnight, when that would be before
    00:05: 00:05, or (for `avoid`, a span of minutes after the departure when the train stands still) a departure
    before it; if the train would then have been running for less than `at_least` minutes, waits until it has."""
    now = now_local()
    departs = now - timedelta(minutes=minutes)
    earliest = _earliest_today(now)
    if departs < earliest:
        departs = earliest
        running = (now - departs).total_seconds() / 60
        if avoid and avoid[0] <= running <= avoid[1]:
            departs = now - timedelta(minutes=avoid[0] - 11)
        running = (now - departs).total_seconds() / 60
        if running < at_least:
            time.sleep((at_least - running) * 60 + 1)
    return departs.replace(second=0, microsecond=0)


def add_extra_train(token: str, departs: datetime, pattern: int = EXPRESS_OWE_FCV) -> dict:
    """An extra train of `pattern` leaving at `departs` (Libreville time, today) with a free number from 9000 to 9999
    (`POST /api/v1/trips`): `{"tripId", "trainNumber", "serviceDate", "from": {"code", "time"}, "to": …}`."""
    base = os.environ.get("SETRAG_BASE_URL", "http://127.0.0.1:18080").rstrip("/")
    rng = random.Random()
    for _ in range(50):
        number = rng.randint(9000, 9999)
        answer = http("POST", base + "/api/v1/trips", headers={"Authorization": f"Bearer {token}"},
                      json={"pattern": pattern, "date": departs.astimezone(LIBREVILLE).date().isoformat(),
                            "trainNumber": number, "departure": departs.astimezone(LIBREVILLE).strftime("%H:%M")})
        if answer.status_code == 409:  # that number runs that day already: another one
            continue
        assert answer.status_code == 201, f"extra train: {answer.status_code} {answer.text[:300]}"
        return answer.json()
    raise AssertionError("no free number for an extra train")


class TrainSimulator:
    """`$SETRAG_BIN simulate trains …` as a subprocess of the test, against the platform the environment describes
    (script/test exports it); its output goes to artifacts/<name>.log. Always `stop()` it."""

    def __init__(self, name: str, *args: str):
        binary = os.environ.get("SETRAG_BIN")
        if not binary or not Path(binary).is_file():
            pytest.fail("export SETRAG_BIN (the setrag binary) and the platform's environment: the live tests run "
                        "the train simulator against the same databases and broker (script/test exports them)",
                        pytrace=False)
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"{name}.log"
        self.log = open(self.log_path, "w")
        self.command = [binary, "simulate", "trains", *args]
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, env=os.environ.copy())

    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def report(self, what: str) -> str:
        """Why a test saw nothing of its train: the simulator's state and last lines."""
        return (f"{what}; simulator {'running' if self.running() else f'exited ({self.process.returncode})'}. "
                "Tracking reads fixes through a shared MQTT subscription: another platform on the same broker takes "
                f"some trains' fixes.\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


class LiveFrames:
    """The frames the page's `/api/v1/live` sockets send and receive (Playwright delivers them while it waits)."""

    def __init__(self, page):
        self.opened: list[str] = []
        self.sent: list[dict] = []
        self.received: list[dict] = []
        page.on("websocket", self._socket)

    def _socket(self, socket) -> None:
        if not socket.url.endswith("/api/v1/live"):
            return
        self.opened.append(socket.url)
        socket.on("framesent", lambda payload: self.sent.append(self._json(payload)))
        socket.on("framereceived", lambda payload: self.received.append(self._json(payload)))

    @staticmethod
    def _json(payload) -> dict:
        try:
            value = json.loads(payload)
        except (TypeError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def snapshots(self, channel: str) -> list[dict]:
        return [m for m in self.received if m.get("type") == "snapshot" and m.get("channel") == channel]

    def news_of(self, run_id: int) -> list[dict]:
        return [m for m in self.received if m.get("type") == "train" and m.get("train", {}).get("runId") == run_id]


def first_stop_still_ahead(request, trip_id: int, service_date: str, stations: list[str], destination: str,
                           margin: timedelta) -> tuple[str, dict]:
    """The first of `stations` (in line order) the trip leaves at least `margin` from now (by the timetable), with
    the trip as the search from there to `destination` answers it. The search is by the day of boarding: a train
    that left in the evening reaches the stations ahead after midnight, so the next day is searched too."""
    next_day = (datetime.fromisoformat(service_date) + timedelta(days=1)).date().isoformat()
    for code in stations:
        for date in (service_date, next_day):
            found = request.get(f"/api/v1/trips?from={code}&to={destination}&date={date}&passengers=1")
            assert found.ok, found.status
            trip = next((t for t in found.json()["trips"] if t["id"] == trip_id), None)
            if trip and datetime.fromisoformat(trip["departure"]) >= now_local() + margin:
                return code, trip
    raise AssertionError(f"trip {trip_id} leaves none of {stations} later than {margin} from now")


def book_by_api(page, trip_id: int, origin: str, destination: str, name: str, id_number: str) -> dict:
    """From a page signed in as the customer: one second-class seat, awaiting payment (`POST /api/v1/bookings`);
    returns the booking."""
    return page.evaluate(
        """async ([tripId, from, to, name, idNumber, key]) => {
            const csrf = decodeURIComponent(document.cookie.split('; ').find((c) => c.startsWith('setrag_csrf='))
              .split('=')[1]);
            const r = await fetch('/api/v1/bookings', {method: 'POST', headers: {'Content-Type': 'application/json',
              'X-CSRF-Token': csrf, 'Idempotency-Key': key}, body: JSON.stringify({tripId, from, to, class: 'second',
              contactPhone: '077123456', passengers: [{type: 'adult', name, idNumber}]})});
            if (r.status !== 201) throw new Error(`POST /api/v1/bookings: ${r.status} ${await r.text()}`);
            return r.json();
        }""",
        [trip_id, origin, destination, name, id_number, str(uuid.uuid4())],
    )
