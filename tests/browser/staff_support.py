"""Helpers of the staff screens' browser tests: signing in as a demo account, finding a train whose tickets are
good right now, selling a ticket through the API, reading and forging a ticket's QR text (base45, RFC 9285)."""
import random
import re
import sys
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from playwright.sync_api import expect

from test_booking import FREE_SEAT_FR, MONEY, PNR_URL, amount, book_one_seat, demo_password

sys.path.insert(0, str(Path(__file__).parent.parent / "oauth"))
from oauth_support import http, load_platform  # noqa: E402
from oauth_support import sign_in as oauth_sign_in  # noqa: E402

CUSTOMER = "client@demo.setrag.ga"
AGENT = "agent@demo.setrag.ga"
CONDUCTOR = "controleur@demo.setrag.ga"
OPERATOR = "operateur@demo.setrag.ga"
LIBREVILLE = timezone(timedelta(hours=1))  # UTC+1 all year
PHONE = {"width": 360, "height": 740}
BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def sign_in(page, username: str, return_to: str) -> None:
    """Through the gateway's server-rendered sign-in form, back to `return_to`. The gateway allows a burst of 20
    sign-in requests per address, then 10 a minute: when a run of tests meets that limit (429), wait and sign in
    again."""
    done = re.compile(re.escape(return_to) + r"$")
    for attempt in range(8):
        page.goto(f"/auth/login?returnTo={return_to.replace('/', '%2F')}")
        if "too-many-requests" not in page.content():
            page.get_by_label("Adresse e-mail ou numéro de téléphone", exact=True).fill(username)
            page.get_by_label("Mot de passe", exact=True).fill(demo_password())
            page.get_by_role("button", name="Se connecter", exact=True).click()
            try:
                expect(page).to_have_url(done)
                return
            except AssertionError:
                if "too-many-requests" not in page.content() or attempt == 7:
                    raise
        page.wait_for_timeout(7_000)
    expect(page).to_have_url(done)


def signed_in_state(browser, base_url: str, username: str) -> dict:
    """A demo account's signed-in browser state (its session cookie), to open as many pages as a test needs."""
    context = browser.new_context(base_url=base_url, locale="en-US")
    try:
        page = context.new_page()
        sign_in(page, username, "/profile")
        return context.storage_state()
    finally:
        context.close()


def now_local() -> datetime:
    return datetime.now(LIBREVILLE)


def ticket_valid_from(service_date: str) -> datetime:
    """Booking takes a ticket from 6 hours before its service date begins (Libreville time)."""
    day = date.fromisoformat(service_date)
    return datetime(day.year, day.month, day.day, tzinfo=LIBREVILLE) - timedelta(hours=6)


def operator_token() -> str:
    """An access token of the demo operator (OAuth, as the web client): operations' API calls of a test's setup."""
    return oauth_sign_in(load_platform(), OPERATOR).token["access_token"]


def add_extra_train(request, token: str, departs: datetime, origin: str = "OWE", destination: str = "FCV") -> dict:
    """An extra train leaving `origin` at `departs` (Libreville time), with the stops of the timetable's Express that
    way, under a free number (`POST /api/v1/trips`, as the operator): `{"date", "trip"}`, the trip as the search gives
    it from `origin` to `destination`."""
    pattern = 211 if origin == "OWE" else 412
    base_url = load_platform().base_url
    rng = random.Random()
    for _ in range(50):
        number = rng.randint(9000, 9999)
        answer = http("POST", base_url + "/api/v1/trips", headers={"Authorization": f"Bearer {token}"},
                      json={"pattern": pattern, "date": departs.date().isoformat(), "trainNumber": number,
                            "departure": departs.strftime("%H:%M")})
        if answer.status_code == 409:  # that number runs that day already: another one
            continue
        assert answer.status_code == 201, f"extra train: {answer.status_code} {answer.text[:300]}"
        extra = answer.json()
        day = extra["serviceDate"]
        found = request.get(f"/api/v1/trips?from={origin}&to={destination}&date={day}&passengers=1")
        assert found.ok, found.status
        trip = next(trip for trip in found.json()["trips"] if trip["id"] == extra["tripId"])
        return {"date": day, "trip": trip}
    raise AssertionError("no free number for an extra train")


def train_valid_now(request, origin: str = "OWE", destination: str = "FCV") -> dict:
    """A train from `origin` to `destination` whose tickets a conductor accepts now: `{"date", "trip"}`. Tickets are
    good from 18:00 the day before their train, and the weekly timetable leaves whole days without such a train
    (Monday and Wednesday daytime, for instance), so operations add an extra train leaving in two hours, with the
    stops of the timetable's Express that way (`POST /api/v1/trips`, as the demo operator): the same test at any
    hour of any day."""
    train = add_extra_train(request, operator_token(), now_local() + timedelta(hours=2), origin, destination)
    trip = train["trip"]
    assert ticket_valid_from(trip["serviceDate"]) <= now_local() < datetime.fromisoformat(trip["departure"])
    return train


def train_of_a_later_day(request, origin: str = "OWE", destination: str = "FCV") -> dict:
    """A timetable train from `origin` to `destination` whose tickets are not good yet: its service date is at least
    two days away, so they are good only from 18:00 the day before it (`{"date", "trip"}`)."""
    day = (now_local().date() + timedelta(days=2)).isoformat()
    answer = request.get(f"/api/v1/trips?from={origin}&to={destination}&date={day}&passengers=1")
    assert answer.ok, answer.status
    body = answer.json()
    if not body["trips"]:
        day = body["nextDates"][0]
        body = request.get(f"/api/v1/trips?from={origin}&to={destination}&date={day}&passengers=1").json()
    trip = body["trips"][0]
    assert now_local() < ticket_valid_from(trip["serviceDate"]), trip
    return {"date": day, "trip": trip}


FRENCH_DAYS = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
FRENCH_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


def french_short_day_time(moment: datetime) -> str:
    """`lun. 23 nov. 18h00`: how the app writes an instant with its weekday, in Libreville time."""
    local = moment.astimezone(LIBREVILLE)
    return (f"{FRENCH_DAYS[local.weekday()]} {local.day} {FRENCH_MONTHS[local.month - 1]} "
            f"{local.hour:02d}h{local.minute:02d}")


def next_train_date(request, origin: str = "OWE", destination: str = "FCV") -> str:
    """The next date (from tomorrow) with a train from `origin` to `destination`."""
    tomorrow = (now_local().date() + timedelta(days=1)).isoformat()
    answer = request.get(f"/api/v1/trips?from={origin}&to={destination}&date={tomorrow}&passengers=1")
    assert answer.ok, answer.status
    body = answer.json()
    return tomorrow if body["trips"] else body["nextDates"][0]


def sell_by_api(page, trip_id: int, origin: str, destination: str, names: list[tuple[str, str]]) -> dict:
    """From a page signed in as the counter agent: a booking paid in cash, through the API (setup, not under
    test); returns the tickets (`GET /api/v1/bookings/{pnr}/tickets`)."""
    return page.evaluate(
        """async ([tripId, from, to, names, keys]) => {
            const csrf = decodeURIComponent(document.cookie.split('; ').find((c) => c.startsWith('setrag_csrf='))
              .split('=')[1]);
            const post = async (path, body, key) => {
              const r = await fetch(path, {method: 'POST', body: JSON.stringify(body), headers: {
                'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'Idempotency-Key': key}});
              if (r.status !== 201) throw new Error(`${path}: ${r.status} ${await r.text()}`);
              return r.json();
            };
            const booking = await post('/api/v1/bookings', {tripId, from, to, class: 'second', contactPhone: '077123456',
              passengers: names.map(([name, idNumber]) => ({type: 'adult', name, idNumber}))}, keys[0]);
            await post('/api/v1/payments', {pnr: booking.pnr, method: 'cash'}, keys[1]);
            const tickets = await fetch(`/api/v1/bookings/${booking.pnr}/tickets`);
            return tickets.json();
        }""",
        [trip_id, origin, destination, [list(n) for n in names], [str(uuid.uuid4()), str(uuid.uuid4())]],
    )


def base45_decode(text: str) -> bytes:
    out = bytearray()
    for i in range(0, len(text), 3):
        chunk = text[i:i + 3]
        n = sum(BASE45.index(c) * 45 ** k for k, c in enumerate(chunk))
        out += n.to_bytes(2 if len(chunk) == 3 else 1, "big")
    return bytes(out)


def base45_encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += [BASE45[n % 45], BASE45[n // 45 % 45], BASE45[n // 2025]]
    if len(data) % 2:
        out += [BASE45[data[-1] % 45], BASE45[data[-1] // 45]]
    return "".join(out)


def forged_seat(qr: str) -> str:
    """The same ticket with another seat number (byte 24 of the signed record): what a forger would try."""
    data = bytearray(base45_decode(qr))
    assert len(data) == 103 and base45_encode(bytes(data)) == qr
    data[24] = data[24] % 200 + 1 if data[24] != 0 else 7
    return base45_encode(bytes(data))


def no_horizontal_scroll(page, width: int = PHONE["width"]) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


def buy_one_seat_with_airtel(page, date: str, number: int, name: str, id_number: str, phone: str) -> dict:
    """On the traveller's page: Owendo -> Franceville on train `number` of `date`, second class, the first free seat,
    the traveller's details, paid with Airtel Money through the simulator, until the QR e-ticket shows.
    `{"pnr", "coach", "seat", "ticket"}` (the ticket as the API gives it)."""
    page.goto(f"/trips?from=OWE&to=FCV&date={date}&passengers=1")
    card = page.get_by_role("article", name=re.compile(rf"^Train {number}\b"))
    card.get_by_role("link", name=f"Choisir Deuxième classe, train {number}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez vos places")
    seat = page.get_by_role("button", name=FREE_SEAT_FR).first
    coach_no, seat_no = re.match(r"Voiture (\d+), place (\d+)", seat.get_attribute("aria-label")).groups()
    seat.click()
    page.get_by_role("button", name="Continuer", exact=True).click()
    group = page.get_by_role("group", name=re.compile(r"^Voyageur 1 · "))
    group.get_by_label("Nom et prénom", exact=True).fill(name)
    group.get_by_label("Numéro de la pièce d’identité", exact=True).fill(id_number)
    page.get_by_label("Téléphone mobile", exact=True).fill(phone)
    page.get_by_role("button", name="Réserver", exact=True).click()
    expect(page).to_have_url(PNR_URL)
    pnr = PNR_URL.search(page.url).group(1)
    expect(page.get_by_role("radio", name=re.compile(r"^Airtel Money"))).to_be_checked()
    page.get_by_role("button", name=re.compile(r"^Payer \d")).click()
    expect(page.get_by_role("heading", name="Réservation confirmée")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("img", name=f"Code QR du billet de {name}")).to_be_visible()
    answer = page.request.get(f"/api/v1/bookings/{pnr}/tickets")
    assert answer.ok, answer.status
    return {"pnr": pnr, "coach": coach_no, "seat": seat_no, "ticket": answer.json()["tickets"][0]}


def card_paid_then_cancelled(page) -> tuple[str, int]:
    """On the traveller's page: one seat paid by card on the aggregator's hosted page, then cancelled by the
    traveller. `(pnr, refund)`: the refund the page announces, in XAF (owed in cash: a card cannot be credited back)."""
    pnr = book_one_seat(page)
    page.get_by_role("radio", name=re.compile(r"^Carte bancaire")).check()
    page.get_by_role("button", name=re.compile(r"^Payer \d")).click()
    expect(page.get_by_role("heading", name="E-Billing · Paiement / Payment")).to_be_visible()
    page.get_by_role("button", name="Payer / Pay").click()
    expect(page.get_by_role("heading", name="Réservation confirmée")).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Annuler la réservation").click()
    page.get_by_role("button", name="Oui, annuler").click()
    expect(page.get_by_role("heading", name="Réservation annulée, remboursement en cours")).to_be_visible()
    refund = amount(re.search(rf"Nous vous remboursons ({MONEY})", page.get_by_role("main").inner_text()).group(1))
    assert refund > 0
    return pnr, refund
