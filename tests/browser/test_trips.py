"""Trip search and seat map against the real gateway and inventory (seeded timetable): search from the home page,
results, next dates, errors next to their fields, a network failure, a slow answer and their retry, the seat map
with mouse and keyboard, the next step, English, and a 360 px phone screen. Elements are found by role and
accessible name.

The timetable (data/domain/timetable.csv): train 211, Express, leaves Owendo on Tuesdays at 12:30 and reaches
Franceville at 01:49 the next day; Owendo -> Franceville runs on Tuesdays, Thursdays, Fridays and Sundays only.
"""
import re
from datetime import date, datetime, timedelta, timezone

from playwright.sync_api import expect

TUESDAY, WEDNESDAY = 1, 2
LIBREVILLE = timezone(timedelta(hours=1))  # UTC+1 all year
FREE_SEAT_FR = re.compile(r"^Voiture \d+, place \d+, (fenêtre|couloir|milieu), libre$")
FREE_SEAT_EN = re.compile(r"^Coach \d+, seat \d+, (window|aisle|middle), free$")


def next_weekday(weekday: int, after: date | None = None) -> date:
    """The first such weekday strictly after `after` (default: today in Libreville)."""
    day = after or datetime.now(LIBREVILLE).date()
    return day + timedelta(days=(weekday - day.weekday() - 1) % 7 + 1)


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


WEEKDAYS_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def day_fr(day: date) -> str:
    return f"{WEEKDAYS_FR[day.weekday()]} {dmy(day)}"


def results_url(day: date, passengers: int = 2, origin: str = "OWE", destination: str = "FCV") -> str:
    return f"/trips?from={origin}&to={destination}&date={day.isoformat()}&passengers={passengers}"


def assert_no_horizontal_scroll(page, width: int = 360) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


def test_search_from_home_then_choose_two_second_class_seats_and_continue(page, screenshot):
    tuesday = next_weekday(TUESDAY)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    search = page.get_by_role("search")

    # Stations: typed in lower case and picked with the mouse, or partly typed and picked with the keyboard.
    origin = search.get_by_role("combobox", name="Gare de départ")
    origin.fill("owen")
    expect(page.get_by_role("option", name=re.compile(r"^Owendo"))).to_be_visible()
    page.get_by_role("option", name=re.compile(r"^Owendo")).click()
    expect(origin).to_have_value("Owendo")
    destination = search.get_by_role("combobox", name="Gare d’arrivée")
    destination.fill("FRANCEV")
    expect(destination).to_have_attribute("aria-expanded", "true")
    destination.press("ArrowDown")
    expect(page.get_by_role("option", name=re.compile(r"^Franceville"))).to_have_attribute("aria-selected", "true")
    destination.press("Enter")
    expect(destination).to_have_value("Franceville")
    expect(destination).to_have_attribute("aria-expanded", "false")

    date_field = search.get_by_label("Date du voyage")
    expect(date_field).to_have_value(dmy(datetime.now(LIBREVILLE).date()))  # today in Libreville by default
    date_field.fill(dmy(tuesday))
    search.get_by_label("Nombre de voyageurs").select_option("2")
    screenshot(page, "-1-home-search")
    search.get_by_role("button", name="Rechercher", exact=True).click()

    # The search is in the URL, and the trip is shown with local times, duration and classes.
    expect(page).to_have_url(re.compile(rf"/trips\?from=OWE&to=FCV&date={tuesday.isoformat()}&passengers=2$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Trouver un train")
    expect(page.get_by_role("heading", level=2, name="Owendo → Franceville")).to_be_visible()
    card = page.get_by_role("article", name=re.compile(r"^Train 211"))
    expect(card.get_by_role("heading", level=3)).to_have_text("Train 211 · Express")
    expect(page.get_by_role("status").filter(has_text="1 train le")).to_contain_text(day_fr(tuesday))
    for text in ["Départ", "12h30", "Owendo", "Durée", "13 h 19", "Arrivée", "01h49", "+1", "Franceville"]:
        expect(card).to_contain_text(text)
    classes = card.get_by_role("list", name="Classes du train 211").get_by_role("listitem")
    expect(classes).to_have_count(3)
    for row, name in zip(range(3), ["VIP", "Première classe", "Deuxième classe"]):
        expect(classes.nth(row)).to_contain_text(name)
        expect(classes.nth(row)).to_contain_text(re.compile(r"\d+ places libres"))
    screenshot(page, "-2-results")

    # A reload (or a shared link) shows the same search.
    page.reload()
    card = page.get_by_role("article", name=re.compile(r"^Train 211"))
    expect(card.get_by_role("heading", level=3)).to_have_text("Train 211 · Express")

    # The seat map of the second class: coaches in train order, baggage van and bar without seats.
    card.get_by_role("link", name="Choisir Deuxième classe, train 211").click()
    expect(page).to_have_url(re.compile(r"/trips/\d+/seats\?from=OWE&to=FCV&class=second&passengers=2$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez vos places")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Train 211 · Express")
    expect(main).to_contain_text("Choisissez 2 places en deuxième classe.")
    coaches = main.get_by_role("heading", level=3)
    expect(coaches.first).to_have_text("Voiture 1 · Fourgon à bagages")
    expect(coaches.nth(1)).to_have_text("Voiture 2 · VIP")
    expect(main.get_by_role("heading", name="Voiture 6 · Voiture-bar")).to_be_visible()
    expect(main.get_by_role("heading", name="Voiture 7 · Deuxième classe")).to_be_visible()
    expect(page.locator("#coach-7")).to_contain_text("climatisée")
    composition = page.get_by_role("navigation", name="Composition du train, depuis la locomotive")
    expect(composition.get_by_role("listitem")).to_have_count(12)
    expect(composition.get_by_role("link")).to_have_count(6)  # the six second-class coaches
    # No seat of the baggage van, the bar or another class can be chosen.
    expect(page.locator("#coach-1").get_by_role("button")).to_have_count(0)
    expect(page.locator("#coach-2").get_by_role("button")).to_have_count(0)

    go_on = page.get_by_role("button", name="Continuer", exact=True)
    expect(go_on).to_be_disabled()
    expect(main).to_contain_text("Choisissez encore 2 places.")

    # One seat with the mouse…
    first = page.get_by_role("button", name=FREE_SEAT_FR).first
    first_name = first.get_attribute("aria-label")
    first.click()
    first_chosen = page.get_by_role("button", name=first_name.replace("libre", "choisie"), exact=True)
    expect(first_chosen).to_have_attribute("aria-pressed", "true")
    expect(first_chosen).to_be_focused()
    expect(main).to_contain_text("Choisissez encore 1 place.")
    expect(go_on).to_be_disabled()

    # …and one with the keyboard: the arrow keys move from seat to seat, Space chooses. Other tests may have booked
    # the seats next to it (the same train), so it walks on until a free one: right along the row, down a row at
    # its end.
    label = first_name
    for _ in range(80):
        before = page.evaluate("document.activeElement.getAttribute('aria-label')")
        page.keyboard.press("ArrowRight")
        label = page.evaluate("document.activeElement.getAttribute('aria-label')")
        if label == before:
            page.keyboard.press("ArrowDown")
            label = page.evaluate("document.activeElement.getAttribute('aria-label')")
        if label.endswith(", libre"):
            break
    assert label != first_name and FREE_SEAT_FR.match(label), label
    page.keyboard.press("Space")
    second_chosen = page.get_by_role("button", name=label.replace("libre", "choisie"), exact=True)
    expect(second_chosen).to_have_attribute("aria-pressed", "true")
    expect(main).to_contain_text("Vos places sont choisies. Vous pouvez continuer.")
    expect(go_on).to_be_enabled()

    seat_ids = [re.match(r"Voiture (\d+), place (\d+)", name).groups() for name in (first_name, label)]
    seats = ",".join(f"{coach}-{seat}" for coach, seat in seat_ids)
    expect(page).to_have_url(re.compile(rf"&seats={seats}$"))  # a reload keeps the seats chosen
    screenshot(page, "-3-seats")

    # The next step sums up the choice and says that the seats are not booked until the travellers are named.
    go_on.click()
    expect(page).to_have_url(
        re.compile(rf"/trips/\d+/book\?from=OWE&to=FCV&class=second&passengers=2&seats={seats}$")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre voyage")
    expect(main).to_contain_text("Vos places ne sont pas encore réservées")
    for text in ["Train 211 · Express", "Owendo → Franceville", day_fr(tuesday), "12h30", "Deuxième classe"]:
        expect(main).to_contain_text(text)
    expect(main).to_contain_text("2 voyageurs")
    coach, seat = seat_ids[0]
    expect(main).to_contain_text(f"voiture {coach}, place {seat}")
    screenshot(page, "-4-book")

    # Back to the seat map: the two seats are still chosen.
    page.get_by_role("link", name="Modifier mes places").click()
    expect(page.get_by_role("button", name=first_name.replace("libre", "choisie"), exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Continuer", exact=True)).to_be_enabled()


def test_english_labels(page, screenshot):
    tuesday = next_weekday(TUESDAY)
    page.goto(results_url(tuesday))
    expect(page.get_by_role("article", name=re.compile(r"^Train 211"))).to_be_visible()
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    expect(page.get_by_role("heading", level=1)).to_have_text("Find a train")
    card = page.get_by_role("article", name=re.compile(r"^Train 211"))
    labels = ["Departure", "12:30", "Duration", "13 h 19 min", "Arrival", "01:49", "+1", "Second class", "seats free"]
    for text in labels:
        expect(card).to_contain_text(text)
    expect(page.get_by_role("status").filter(has_text="1 train on")).to_contain_text(f"Tuesday {dmy(tuesday)}")

    page.get_by_role("button", name="Change the search").click()
    search = page.get_by_role("search")
    expect(search.get_by_role("combobox", name="From station")).to_have_value("Owendo")
    expect(search.get_by_role("combobox", name="From station")).to_be_focused()
    expect(search.get_by_role("combobox", name="To station")).to_have_value("Franceville")
    expect(search.get_by_label("Travel date")).to_have_value(dmy(tuesday))
    expect(search.get_by_label("Number of travellers")).to_have_value("2")
    expect(search.get_by_role("button", name="Search", exact=True)).to_be_visible()
    screenshot(page, "-results-en")

    card.get_by_role("link", name="Choose Second class, train 211").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your seats")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Choose 2 seats in second class.")
    expect(main.get_by_role("heading", level=3).first).to_have_text("Coach 1 · Baggage van")
    expect(main.get_by_role("heading", name="Coach 6 · Bar car")).to_be_visible()
    expect(page.locator("#coach-7")).to_contain_text("air-conditioned")
    expect(page.get_by_role("button", name=FREE_SEAT_EN).first).to_be_visible()
    expect(page.get_by_role("button", name="Continue", exact=True)).to_be_disabled()
    screenshot(page, "-seats-en")


def test_a_date_without_trains_offers_the_next_dates(page, screenshot):
    wednesday = next_weekday(WEDNESDAY, after=next_weekday(TUESDAY))
    thursday = wednesday + timedelta(days=1)
    page.goto(results_url(wednesday, passengers=1))
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"Aucun train ne va de Owendo à Franceville le {day_fr(wednesday)}.")
    expect(main).to_contain_text("Prochains départs")
    next_dates = page.get_by_role("list", name=re.compile("^Prochains départs")).get_by_role("link")
    expect(next_dates).to_have_count(3)
    expect(next_dates.first).to_have_text(day_fr(thursday))
    screenshot(page, "-none")

    next_dates.first.click()
    expect(page).to_have_url(re.compile(rf"date={thursday.isoformat()}&passengers=1$"))
    expect(page.get_by_role("article", name=re.compile(r"^Train 433"))).to_contain_text("Train 433 · Omnibus")


def test_mistakes_are_explained_next_to_their_fields(page, screenshot):
    page.goto("/trips")
    search = page.get_by_role("search")
    origin = search.get_by_role("combobox", name="Gare de départ")
    destination = search.get_by_role("combobox", name="Gare d’arrivée")

    # Whatever the case and the accents, by name or by code.
    origin.fill("NDJOLE")
    expect(page.get_by_role("option", name=re.compile(r"^Ndjolé"))).to_be_visible()
    origin.press("ArrowDown")
    origin.press("Enter")
    expect(origin).to_have_value("Ndjolé")
    destination.fill("lope")
    expect(page.get_by_role("option", name=re.compile(r"^La Lopé"))).to_be_visible()
    destination.press("Escape")
    expect(destination).to_have_attribute("aria-expanded", "false")
    destination.fill("ndj")
    expect(page.get_by_role("option", name=re.compile(r"^Ndjolé"))).to_be_visible()

    # A date typed without separators (a phone's number pad) reads back as the day understood.
    date_field = search.get_by_label("Date du voyage")
    tuesday = next_weekday(TUESDAY)
    date_field.fill(tuesday.strftime("%d%m%Y"))
    date_field.blur()
    expect(date_field).to_have_value(dmy(tuesday))

    # The same station twice, a date that does not exist: explained at once, before any request.
    destination.fill("Ndjolé")
    search.get_by_label("Date du voyage").fill("31/11/2026")
    search.get_by_role("button", name="Rechercher", exact=True).click()
    expect(destination).to_have_attribute("aria-invalid", "true")
    expect(destination).to_have_accessible_description(re.compile("différente de la gare de départ"))
    expect(destination).to_be_focused()
    expect(search.get_by_label("Date du voyage")).to_have_accessible_description(re.compile("Cette date n’existe pas"))
    screenshot(page, "-client")

    # The swap button exchanges the stations.
    destination.fill("Owendo")
    search.get_by_role("button", name="Inverser la gare de départ et la gare d’arrivée").click()
    expect(origin).to_have_value("Owendo")
    expect(destination).to_have_value("Ndjolé")

    # A hand-made link the server refuses: its errors appear next to their fields.
    page.goto("/trips?from=Paris&to=FCV&date=2020-01-01&passengers=2")
    search = page.get_by_role("search")
    origin = search.get_by_role("combobox", name="Gare de départ")
    expect(origin).to_have_attribute("aria-invalid", "true")
    expect(origin).to_have_value("Paris")
    expect(origin).to_have_accessible_description(re.compile("Aucune gare ne porte ce nom"))
    expect(search.get_by_label("Date du voyage")).to_have_accessible_description(re.compile("Cette date est passée"))
    expect(page.get_by_role("article")).to_have_count(0)
    screenshot(page, "-server")


def test_a_failed_search_can_be_retried(page, screenshot):
    tuesday = next_weekday(TUESDAY)
    page.route(re.compile(r"/api/v1/trips\?"), lambda route: route.abort("internetdisconnected"))
    page.goto(results_url(tuesday))
    expect(page.get_by_role("alert")).to_contain_text("Impossible de joindre SETRAG")
    screenshot(page, "-offline")
    page.unroute(re.compile(r"/api/v1/trips\?"))
    page.get_by_role("button", name="Réessayer", exact=True).click()
    expect(page.get_by_role("article", name=re.compile(r"^Train 211"))).to_be_visible()


def test_a_slow_answer_offers_a_retry_and_never_waits_forever(page, screenshot):
    tuesday = next_weekday(TUESDAY)
    trips = re.compile(r"/api/v1/trips\?")
    hanging = []
    page.clock.install()  # the page's timers, moved forward by hand below
    page.route(trips, lambda route: hanging.append(route))  # the search is never answered
    page.goto(results_url(tuesday))
    waiting = page.get_by_role("status").filter(has_text="Recherche des trains…")
    expect(waiting).to_be_visible()
    expect(page.get_by_role("button", name="Réessayer", exact=True)).to_have_count(0)

    page.clock.run_for(7_000)
    expect(waiting).to_contain_text("La réponse tarde")
    expect(page.get_by_role("button", name="Réessayer", exact=True)).to_be_visible()
    screenshot(page, "-slow")

    page.clock.run_for(30_000)  # then the request is given up, and said so
    expect(page.get_by_role("alert")).to_contain_text("SETRAG met trop de temps à répondre")
    expect(waiting).to_have_count(0)

    page.unroute(trips)
    for route in hanging:
        try:
            route.abort()
        except Exception:  # already cancelled by the page
            pass
    page.get_by_role("button", name="Réessayer", exact=True).click()
    expect(page.get_by_role("article", name=re.compile(r"^Train 211"))).to_be_visible()
    # The retry button went away with the answer: the focus is on the answer, not lost.
    expect(page.get_by_role("heading", level=2, name="Owendo → Franceville")).to_be_focused()


def test_small_phone_screen_has_no_horizontal_scroll(new_context, screenshot):
    tuesday = next_weekday(TUESDAY)
    page = new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True).new_page()

    page.goto("/")
    origin = page.get_by_role("combobox", name="Gare de départ")
    origin.fill("o")  # the longest suggestion list
    expect(page.get_by_role("listbox", name="Gare de départ")).to_be_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, "-home")

    page.goto(results_url(tuesday))
    expect(page.get_by_role("article", name=re.compile(r"^Train 211"))).to_be_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, "-results")

    page.get_by_role("link", name="Choisir Deuxième classe, train 211").click()
    expect(page.get_by_role("heading", name="Voiture 7 · Deuxième classe")).to_be_visible()
    assert_no_horizontal_scroll(page)
    # The whole width of a 2+3 coach fits the screen: every seat of a row can be reached without scrolling.
    plan = page.get_by_role("group", name="Places de la voiture 7")
    box = plan.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    # The "Continue" bar stays in sight at the bottom of the screen while the seats scroll by.
    page.get_by_role("button", name=FREE_SEAT_FR).first.tap()
    page.evaluate("window.scrollBy(0, 1500)")
    go_on = page.get_by_role("button", name="Continuer", exact=True)
    expect(go_on).to_be_in_viewport()
    screenshot(page, "-seats")

    page.get_by_role("button", name="English", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your seats")
    assert_no_horizontal_scroll(page)
