"""Live trains against the real platform, fed by the train simulator: each test adds an extra train of its own on
the line now (pattern 211, Owendo → Franceville, leaving today a while ago), runs `$SETRAG_BIN simulate trains`
as a subprocess (the last hour replayed 120 times faster, then real time; a fix every 5 simulated seconds) and
always stops it. The pages get the news through the `/api/v1/live` WebSocket.

Needs, besides SETRAG_BASE_URL and SETRAG_DEMO_PASSWORD: SETRAG_BIN and the platform's environment (databases,
broker, OAuth client secret), as script/test exports them.
"""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from live_support import (
    NTOUM_DWELL,
    LiveFrames,
    TrainSimulator,
    add_extra_train,
    book_by_api,
    departure_ago,
    first_stop_still_ahead,
    operator_token,
)
from staff_support import CUSTOMER, PHONE, no_horizontal_scroll

# The simulator publishes within seconds of starting, but a loaded CI machine (2 cores, everything running) may take
# a while to store and announce the first fixes: generous, never endless.
FIRST_NEWS_MS = 90_000
PK = re.compile(r"\(PK\s(\d+),(\d)\)")
# "12 min de retard", "1 h 05 de retard" (the text follows the heading "Train 9123 en direct" without a space).
DELAY = re.compile(r"(\d+ min|\d+ h \d\d) de retard")


@pytest.fixture(scope="module")
def operator():
    """The demo operator's access token, once for the module (sign-ins are rate-limited)."""
    return operator_token()


@pytest.fixture
def simulate(request):
    """simulate(*options) starts the train simulator for this test; it is stopped when the test ends, pass or fail."""
    started: list[TrainSimulator] = []
    name = re.sub(r"[^\w.-]+", "_", request.node.name)

    def start(*options: str) -> TrainSimulator:
        simulator = TrainSimulator(f"{name}-simulator",
                                   "--replay-hours", "1", "--speed", "120", "--interval", "5", *options)
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        simulator.stop()


@pytest.fixture
def customer_page(new_context, states, screenshot):
    page = new_context(storage_state=states(CUSTOMER)).new_page()
    yield page
    try:
        screenshot(page)
    except Exception as error:  # a screenshot must never hide the test's own failure
        print(f"screenshot failed: {error}")


def pk_of(item) -> float:
    match = PK.search(item.inner_text())
    assert match, f"no kilometre point in {item.inner_text()!r}"
    return int(match.group(1)) + int(match.group(2)) / 10


def test_a_simulated_train_moves_on_the_live_map(page, screenshot, simulate, operator):
    # An hour ago: on its way from Ntoum to Ndjolé now, never standing at Ntoum (from 38 to 48 minutes in).
    train = add_extra_train(operator, departure_ago(60, at_least=3, avoid=NTOUM_DWELL))
    number, run_id = train["trainNumber"], train["tripId"]
    simulator = simulate("--delay-chance", "0", "--seed", "211")
    frames = LiveFrames(page)

    page.goto("/live")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trains en direct")
    link = page.get_by_role("link", name=f"Train {number} · Owendo → Franceville", exact=True)
    item = page.get_by_role("listitem").filter(has=link)
    try:
        expect(item).to_be_visible(timeout=FIRST_NEWS_MS)
    except AssertionError:
        raise AssertionError(simulator.report(f"train {number} not listed")) from None
    # Live through the WebSocket, said discreetly.
    expect(page.locator(".live-update").get_by_text("En direct", exact=True)).to_be_visible()
    assert frames.opened and {"subscribe": "trains"} in frames.sent, frames.sent
    assert frames.snapshots("trains"), "no snapshot on the live socket"

    # On the map too: its marker, labelled with its number.
    marker = page.locator(f'.leaflet-marker-icon[title^="Train {number} ·"]')
    expect(marker).to_be_visible()
    expect(marker.locator(".train-marker__first strong")).to_have_text(str(number))
    screenshot(page, "-1-listed")

    # Where it is (once the replay has caught up with now: a recent position), then a little later: further along
    # the line, towards Franceville.
    expect(item).to_contain_text(re.compile(r"Position à \d\dh\d\d\u00a0: .*\(PK\s\d+,\d\)"), timeout=FIRST_NEWS_MS)
    first = pk_of(item)
    place = item.locator(".live-train__pk")
    expect(place).not_to_have_text(PK.search(item.inner_text()).group(0), timeout=60_000)
    second = pk_of(item)
    assert second > first, (first, second)
    assert frames.news_of(run_id), "no news of the train on the live socket"
    screenshot(page, "-2-moved")

    # On a 360-px phone: the list under the map, readable without scrolling sideways, and the train's page.
    page.set_viewport_size(PHONE)
    expect(item).to_be_visible()
    expect(item).to_contain_text(re.compile(r"Position à \d\dh\d\d\u00a0: "))
    no_horizontal_scroll(page)
    box = link.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    screenshot(page, "-3-phone")
    link.click()
    expect(page).to_have_url(re.compile(rf"/trains/{run_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Train {number}")
    stops = page.get_by_role("table", name=f"Arrêts du train {number} : horaire, heure réelle ou prévue")
    expect(stops).to_contain_text("Ndjolé")
    # Its next stop marked: Ndjolé (Ntoum when, near midnight, the train could not leave an hour ago).
    expect(stops.locator('[aria-current="location"]')).to_contain_text(re.compile("Ndjolé|Ntoum"))
    expect(page.locator(".live-update").get_by_text("En direct", exact=True)).to_be_visible()
    assert {"subscribe": "run", "runId": run_id} in frames.sent, frames.sent
    no_horizontal_scroll(page)


def test_b_a_delayed_trains_passengers_see_the_delay_on_their_booking(customer_page, screenshot, simulate, operator):
    # Left Owendo 40 minutes ago by the timetable, but late: every delay drawn (a late start of 5 to 45 minutes and
    # a hold on each leg). Tracking expects it late at any station ahead, even counting the dwell it may cut short.
    train = add_extra_train(operator, departure_ago(40, at_least=20))
    number, trip_id, day = train["trainNumber"], train["tripId"], train["serviceDate"]
    simulator = simulate("--delay-chance", "1", "--seed", "20261122")
    page = customer_page
    frames = LiveFrames(page)

    # A seat from a station the train has not reached yet, to Franceville: awaiting its payment is enough.
    page.goto("/bookings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes réservations")
    boarding, _ = first_stop_still_ahead(page.request, trip_id, day, ["NDJ", "LOP", "BOO", "LTV", "MOA"], "FCV",
                                            margin=timedelta(minutes=45))
    booking = book_by_api(page, trip_id, boarding, "FCV", "Awa Ndong", "GA778899")
    pnr = booking["pnr"]

    page.goto(f"/bookings/{pnr}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Réservation {pnr}")
    status = page.get_by_role("region", name=f"Train {number} en direct")
    try:
        expect(status).to_be_visible(timeout=FIRST_NEWS_MS)
    except AssertionError:
        raise AssertionError(simulator.report(f"no live status for train {number}")) from None
    expect(status).to_contain_text(DELAY, timeout=60_000)
    # At the traveller's station (tracking gives a run's stops from its first fix on the line: soon after).
    expect(status).to_contain_text(re.compile(rf"{DELAY.pattern}, attendu à {booking['from']['name']} à \d\dh\d\d\."),
                                   timeout=30_000)
    expect(status.get_by_text("En direct", exact=True)).to_be_visible()
    expect(status.get_by_role("link", name="Suivre le train")).to_have_attribute("href", f"/trains/{trip_id}")
    assert {"subscribe": "booking", "pnr": pnr} in frames.sent, frames.sent
    assert frames.snapshots("booking"), f"no snapshot of the booking's channel: {frames.received[:3]}"
    screenshot(page, "-delayed")
