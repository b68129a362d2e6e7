"""The open data feeds, read from the running platform as a journey planner would: the static GTFS zip
(`GET /api/v1/gtfs.zip`) with partridge, the GTFS Realtime feeds (`GET /api/v1/gtfs-rt/...`) with Google's
gtfs-realtime-bindings.

Run: script/test, or by hand with the platform up (the same environment as tests/oauth):
    SETRAG_BASE_URL=http://127.0.0.1:18080 SETRAG_GATEWAY_OAUTH_CLIENT_SECRET=... SETRAG_DEMO_PASSWORD=... \
        .venv/bin/python -m pytest -q tests/gtfs

A train moves the way a tracker reports it: the demo operator adds an extra train (pattern 211, the Express
Owendo → Franceville) that left a while ago, registers a tracker, assigns it to the train and posts its fixes
(`POST /api/v1/positions`), the train leaving Owendo 12 minutes late. A cancelled train is another extra train,
cancelled by the operator. Extra trains are not in the weekly timetable: the real-time feeds call them ADDED.
"""
import io
import os
import random
import sys
import time
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import partridge as ptg
import pytest
from google.transit import gtfs_realtime_pb2

sys.path.insert(0, str(Path(__file__).parent.parent / "oauth"))
from oauth_support import http, load_platform, sign_in  # noqa: E402

# partridge 1.1 calls DataFrame.rename(inplace=True), which pandas 3.1 warns about (tests/requirements.txt keeps
# pandas below 4, where it goes).
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.rename")

LIBREVILLE = timezone(timedelta(hours=1))  # UTC+1 all year
OPERATOR = "operateur@demo.setrag.ga"
EXPRESS_OWE_FCV = 211
TIMETABLE_TRAINS = ["211", "232", "412", "433", "513", "632", "714", "733"]
# The extra train waits this long at Owendo after its departure time, then runs at the timetable's pace.
LATE_MINUTES = 12
# Pattern 211's first leg: Ntoum 38 minutes after Owendo.
FIRST_LEG_MINUTES = 38


def now_local() -> datetime:
    return datetime.now(LIBREVILLE)


@pytest.fixture(scope="module")
def platform():
    return load_platform()


@pytest.fixture(scope="module")
def operator(platform) -> dict:
    token = sign_in(platform, OPERATOR).token["access_token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def static_zip(platform) -> bytes:
    answer = http("GET", platform.base_url + "/api/v1/gtfs.zip")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["Content-Type"] == "application/zip"
    return answer.content


@pytest.fixture(scope="module")
def static_feed(static_zip, tmp_path_factory):
    path = tmp_path_factory.mktemp("gtfs") / "setrag-gtfs.zip"
    path.write_bytes(static_zip)
    return path


@pytest.fixture(scope="module")
def stations(platform) -> dict:
    answer = http("GET", platform.base_url + "/api/v1/stations")
    assert answer.ok, answer.text[:300]
    return {station["code"]: station for station in answer.json()["stations"]}


def realtime(platform, name: str) -> gtfs_realtime_pb2.FeedMessage:
    answer = http("GET", f"{platform.base_url}/api/v1/gtfs-rt/{name}")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["Content-Type"] == "application/x-protobuf"
    message = gtfs_realtime_pb2.FeedMessage()
    message.ParseFromString(answer.content)
    assert message.header.gtfs_realtime_version == "2.0"
    assert message.header.incrementality == gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    assert abs(message.header.timestamp - time.time()) < 120
    return message


def add_extra_train(platform, operator: dict, departs: datetime) -> dict:
    """An extra train of pattern 211 leaving at `departs` (Libreville time) with a free number from 9000 to 9999."""
    rng = random.Random()
    for _ in range(50):
        number = rng.randint(9000, 9999)
        answer = http("POST", platform.base_url + "/api/v1/trips", headers=operator,
                      json={"pattern": EXPRESS_OWE_FCV, "date": departs.date().isoformat(), "trainNumber": number,
                            "departure": departs.strftime("%H:%M")})
        if answer.status_code == 409:  # that number runs that day already
            continue
        assert answer.status_code == 201, f"extra train: {answer.status_code} {answer.text[:300]}"
        return answer.json()
    raise AssertionError("no free number for an extra train")


def tracker_on(platform, operator: dict, trip_id: int) -> tuple[int, str]:
    """A tracker registered and assigned to the trip: its id and Authorization value."""
    created = http("POST", platform.base_url + "/api/v1/devices", headers=operator,
                   json={"name": "GTFS feed test", "kind": "portable"})
    assert created.status_code == 201, created.text[:300]
    device = created.json()
    assigned = http("PUT", f"{platform.base_url}/api/v1/devices/{device['id']}/assignment", headers=operator,
                    json={"tripId": trip_id})
    assert assigned.status_code == 200, assigned.text[:300]
    return device["id"], device["authorization"]


def unassign(platform, operator: dict, device_id: int) -> None:
    http("PUT", f"{platform.base_url}/api/v1/devices/{device_id}/assignment", headers=operator,
         json={"tripId": None})


def post_fixes(platform, authorization: str, fixes: list[dict]) -> None:
    for start in range(0, len(fixes), 500):
        answer = http("POST", platform.base_url + "/api/v1/positions", headers={"Authorization": authorization},
                      json={"fixes": fixes[start:start + 500]})
        assert answer.status_code == 200, answer.text[:300]


def service_day(iso_date: str) -> str:
    return iso_date.replace("-", "")


# ------------------------------------------------------------------------------------------------ static GTFS

def test_the_static_feed_is_a_gtfs_feed_of_the_weekly_timetable(static_zip, static_feed, stations):
    with zipfile.ZipFile(io.BytesIO(static_zip)) as archive:
        assert archive.testzip() is None  # every file's CRC-32 checks
        assert {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt",
                "calendar.txt"} <= set(archive.namelist())

    feed = ptg.load_feed(str(static_feed))
    assert feed.agency["agency_timezone"].tolist() == ["Africa/Libreville"]
    assert set(feed.stops["stop_id"]) == set(stations) and len(feed.stops) == 24
    owendo = feed.stops.set_index("stop_id").loc["OWE"]
    assert abs(owendo["stop_lat"] - stations["OWE"]["lat"]) < 1e-5
    assert set(feed.routes["route_type"]) == {2}
    assert sorted(feed.trips["trip_id"]) == TIMETABLE_TRAINS
    assert set(feed.stop_times["stop_id"]) <= set(feed.stops["stop_id"])

    # partridge reads times as seconds after midnight of the service day: the night trains go past 24:00:00.
    times = feed.stop_times.sort_values(["trip_id", "stop_sequence"])
    for trip_id, rows in times.groupby("trip_id"):
        departures = rows["departure_time"].tolist()
        assert departures == sorted(departures), trip_id
    express = times[times["trip_id"] == "211"]
    assert express["stop_id"].tolist()[0] == "OWE" and express["stop_id"].tolist()[-1] == "FCV"
    assert express["departure_time"].iloc[0] == 12 * 3600 + 30 * 60
    assert express["arrival_time"].iloc[-1] == 25 * 3600 + 49 * 60  # 01:49 the next morning
    assert (times.groupby("trip_id")["arrival_time"].max() >= 24 * 3600).sum() >= 4

    # One service per weekday with trains, valid from today for a year.
    today = now_local().date()
    by_date = ptg.read_service_ids_by_date(str(static_feed))
    assert min(by_date) >= today and max(by_date) <= today + timedelta(days=366)
    assert max(by_date) >= today + timedelta(days=358)
    next_tuesday = today + timedelta(days=(1 - today.weekday()) % 7)
    assert by_date[next_tuesday] == frozenset({"TUE"})
    assert feed.trips.set_index("trip_id").loc["211", "service_id"] == "TUE"
    assert not any(day.weekday() in (0, 2) for day in by_date)  # no train leaves on Mondays or Wednesdays


def test_the_static_feed_answers_conditional_requests(platform):
    url = platform.base_url + "/api/v1/gtfs.zip"
    first = http("GET", url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert http("GET", url, headers={"If-None-Match": etag}).status_code == 304
    assert http("GET", url, headers={"If-Modified-Since": modified}).status_code == 304
    assert http("GET", url, headers={"If-None-Match": '"something else"'}).status_code == 200


# ------------------------------------------------------------------------------------------------ GTFS-RT

def moving_extra_train(platform, operator, stations) -> tuple[dict, int, list[dict]]:
    """An extra train that left Owendo 25 minutes ago on paper and really 12 minutes later, with its fixes posted:
    the train, its tracker's id and the fixes."""
    now = now_local()
    departs = (now - timedelta(minutes=25)).replace(second=0, microsecond=0)
    earliest = now.replace(hour=0, minute=5, second=0, microsecond=0)  # the API takes today's dates only
    if departs < earliest:
        departs = earliest
        wait = (departs + timedelta(minutes=LATE_MINUTES + 8) - now_local()).total_seconds()
        if wait > 0:
            time.sleep(wait)
    train = add_extra_train(platform, operator, departs)
    device_id, authorization = tracker_on(platform, operator, train["tripId"])
    owe, nto = stations["OWE"], stations["NTO"]
    leaves = departs + timedelta(minutes=LATE_MINUTES)
    fixes = []
    moment = departs - timedelta(minutes=3)
    end = now_local() - timedelta(seconds=5)
    while moment <= end:
        share = min(1.0, max(0.0, (moment - leaves).total_seconds() / (FIRST_LEG_MINUTES * 60)))
        fixes.append({"ts": moment.isoformat(), "lat": owe["lat"] + (nto["lat"] - owe["lat"]) * share,
                      "lon": owe["lon"] + (nto["lon"] - owe["lon"]) * share,
                      "speed": 60 if share > 0 else 0, "heading": 75, "seq": len(fixes) + 1})
        moment += timedelta(seconds=30)
    post_fixes(platform, authorization, fixes)
    return train, device_id, fixes


def test_a_moving_train_is_a_vehicle_and_its_trip_updates_say_how_late_it_is(platform, operator, stations,
                                                                              static_feed):
    train, device_id, fixes = moving_extra_train(platform, operator, stations)
    try:
        number, day = str(train["trainNumber"]), service_day(train["serviceDate"])

        vehicles = realtime(platform, "vehicle-positions")
        mine = [e for e in vehicles.entity if e.vehicle.trip.trip_id == number and e.vehicle.trip.start_date == day]
        assert len(mine) == 1, [e.vehicle.trip for e in vehicles.entity]
        vehicle = mine[0].vehicle
        assert vehicle.trip.schedule_relationship == gtfs_realtime_pb2.TripDescriptor.ADDED
        assert vehicle.vehicle.id == number and vehicle.vehicle.label == number
        last = fixes[-1]
        assert abs(vehicle.position.latitude - last["lat"]) < 1e-4
        assert abs(vehicle.position.longitude - last["lon"]) < 1e-4
        assert abs(vehicle.position.speed - 60 / 3.6) < 0.01  # metres per second
        assert vehicle.position.bearing == 75
        assert vehicle.timestamp == int(datetime.fromisoformat(last["ts"]).timestamp())
        assert vehicle.current_status == gtfs_realtime_pb2.VehiclePosition.IN_TRANSIT_TO
        assert vehicle.stop_id == "NTO" and vehicle.current_stop_sequence == 2

        updates = realtime(platform, "trip-updates")
        update = next(e.trip_update for e in updates.entity
                      if e.trip_update.trip.trip_id == number and e.trip_update.trip.start_date == day)
        # Every stop still ahead, in order, as the timetable's 211 (its pattern) has them in the static feed.
        feed = ptg.load_feed(str(static_feed))
        pattern = feed.stop_times[feed.stop_times["trip_id"] == str(EXPRESS_OWE_FCV)].sort_values("stop_sequence")
        ahead = [(int(seq), stop) for seq, stop in zip(pattern["stop_sequence"], pattern["stop_id"])][1:]
        assert [(u.stop_sequence, u.stop_id) for u in update.stop_time_update] == ahead
        for row in update.stop_time_update:
            assert row.HasField("arrival") and row.HasField("departure")
            assert row.departure.time >= row.arrival.time
        # The expected arrival at Ntoum is what the train page says, about 12 minutes after the timetable's.
        page = http("GET", f"{platform.base_url}/api/v1/trains/{train['tripId']}")
        assert page.ok, page.text[:300]
        ntoum = next(stop for stop in page.json()["stops"] if stop["station"] == "NTO")
        scheduled = datetime.fromisoformat(ntoum["scheduledArrival"]).timestamp()
        late = update.stop_time_update[0].arrival.time - scheduled
        assert 8 * 60 <= late <= 16 * 60, late
        assert abs(update.stop_time_update[0].arrival.time - datetime.fromisoformat(ntoum["eta"]).timestamp()) <= 60
    finally:
        unassign(platform, operator, device_id)


def test_a_timetable_train_waiting_at_its_origin_has_on_time_updates_at_the_static_feeds_stops(
        platform, operator, stations, static_feed):
    # The next timetable train from Owendo to Franceville still to leave, with a tracker reporting from Owendo.
    day = now_local().date()
    trip = None
    # Today's train may have left already (the search still lists it): then the following days, a week at most.
    for _ in range(8):
        found = http("GET", f"{platform.base_url}/api/v1/trips?from=OWE&to=FCV&date={day.isoformat()}&passengers=1")
        assert found.ok, found.text[:300]
        body = found.json()
        trip = next((t for t in body["trips"] if str(t["trainNumber"]) in TIMETABLE_TRAINS
                     and datetime.fromisoformat(t["departure"]) > now_local() + timedelta(minutes=10)), None)
        if trip:
            break
        day = date.fromisoformat(body["nextDates"][0]) if body["nextDates"] else day + timedelta(days=1)
    assert trip, "no timetable train from Owendo in the coming days"
    device_id, authorization = tracker_on(platform, operator, trip["id"])
    try:
        owe = stations["OWE"]
        post_fixes(platform, authorization, [{"ts": (now_local() - timedelta(seconds=10)).isoformat(),
                                              "lat": owe["lat"], "lon": owe["lon"], "speed": 0}])
        number, start = str(trip["trainNumber"]), service_day(trip["serviceDate"])

        vehicles = realtime(platform, "vehicle-positions")
        vehicle = next(e.vehicle for e in vehicles.entity
                       if e.vehicle.trip.trip_id == number and e.vehicle.trip.start_date == start)
        assert vehicle.trip.schedule_relationship == gtfs_realtime_pb2.TripDescriptor.SCHEDULED
        assert vehicle.current_status == gtfs_realtime_pb2.VehiclePosition.STOPPED_AT and vehicle.stop_id == "OWE"

        updates = realtime(platform, "trip-updates")
        update = next(e.trip_update for e in updates.entity
                      if e.trip_update.trip.trip_id == number and e.trip_update.trip.start_date == start)
        feed = ptg.load_feed(str(static_feed))
        static = feed.stop_times[feed.stop_times["trip_id"] == number].sort_values("stop_sequence")
        assert [(u.stop_sequence, u.stop_id) for u in update.stop_time_update] == \
            [(int(seq), stop) for seq, stop in zip(static["stop_sequence"], static["stop_id"])]
        # On time: each expected time is the static one on the service day (times past 24:00 the next day).
        midnight = datetime.fromisoformat(trip["serviceDate"]).replace(tzinfo=LIBREVILLE).timestamp()
        for row, (_, stop) in zip(update.stop_time_update, static.iterrows()):
            assert row.arrival.delay == 0 and row.departure.delay == 0, row
            assert row.arrival.time == midnight + stop["arrival_time"]
            assert row.departure.time == midnight + stop["departure_time"]
    finally:
        unassign(platform, operator, device_id)


def test_a_cancelled_train_is_an_alert_about_it_and_a_canceled_trip(platform, operator):
    departs = (now_local() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    train = add_extra_train(platform, operator, departs)
    cancelled = http("POST", f"{platform.base_url}/api/v1/trips/{train['tripId']}/cancel", headers=operator,
                     json={"reason": "Essai des flux GTFS"})
    assert cancelled.status_code == 200, cancelled.text[:300]
    number, day = str(train["trainNumber"]), service_day(train["serviceDate"])

    # Tracking reads the cancellations again every 30 seconds.
    deadline = time.monotonic() + 90
    while True:
        alerts = realtime(platform, "alerts")
        mine = [e.alert for e in alerts.entity
                if any(s.trip.trip_id == number and s.trip.start_date == day for s in e.alert.informed_entity)]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(5)
    assert len(mine) == 1, alerts
    alert = mine[0]
    assert alert.effect == gtfs_realtime_pb2.Alert.NO_SERVICE
    assert [t.language for t in alert.header_text.translation] == ["fr", "en"]
    assert all(number in t.text for t in alert.header_text.translation)
    arrives = datetime.fromisoformat(train["to"]["time"]).timestamp()
    assert [p.end for p in alert.active_period] == [arrives]

    updates = realtime(platform, "trip-updates")
    canceled = [e.trip_update for e in updates.entity
                if e.trip_update.trip.trip_id == number and e.trip_update.trip.start_date == day]
    assert len(canceled) == 1
    assert canceled[0].trip.schedule_relationship == gtfs_realtime_pb2.TripDescriptor.CANCELED
