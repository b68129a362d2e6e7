"""The trip search's calendar, against the real gateway and inventory: a month grid beside the date field, weeks from
Monday, past days and days beyond about two months disabled, the keyboard (arrows, Enter, Escape), a 360 px phone,
and the days with a train from -> to marked when the server says which (`GET /api/v1/trips/dates`; without it the
calendar works without marks).

The timetable: train 211, Express, leaves Owendo on Tuesdays at 12:30 for Franceville; Owendo -> Franceville runs on
Tuesdays, Thursdays, Fridays and Sundays only.
"""
import re
from datetime import date, datetime, timedelta

from playwright.sync_api import expect

from test_trips import LIBREVILLE, TUESDAY, WEDNESDAY, assert_no_horizontal_scroll, day_fr, dmy, next_weekday

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre"]
WEEKDAYS_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def long_fr(day: date) -> str:
    """`mardi 24 novembre 2026`: a day of the calendar as its button is named."""
    return f"{WEEKDAYS_FR[day.weekday()]} {day.day} {MONTHS_FR[day.month - 1]} {day.year}"


def month_fr(day: date) -> str:
    return f"{MONTHS_FR[day.month - 1]} {day.year}"


def day_button(calendar, day: date):
    return calendar.get_by_role("button", name=re.compile(rf"^{long_fr(day)}(,|$)"))


def train_dates(page, origin: str, destination: str, start: date, days: int) -> list[str] | None:
    """The days with a train, as the server gives them to the calendar; None when it does not (yet)."""
    answer = page.request.get(f"/api/v1/trips/dates?from={origin}&to={destination}&start={start}&days={days}")
    return answer.json()["dates"] if answer.ok else None


def test_pick_next_tuesday_in_the_calendar_with_the_keyboard_then_search(page, screenshot):
    today = datetime.now(LIBREVILLE).date()
    tuesday = next_weekday(TUESDAY)
    page.goto("/")
    search = page.get_by_role("search")
    search.get_by_role("combobox", name="Gare de départ").fill("Owendo")
    search.get_by_role("combobox", name="Gare d’arrivée").fill("Franceville")

    opener = search.get_by_role("button", name="Calendrier")
    expect(opener).to_have_attribute("aria-expanded", "false")
    opener.click()
    expect(opener).to_have_attribute("aria-expanded", "true")
    calendar = page.get_by_role("dialog", name=month_fr(today))
    expect(calendar).to_be_visible()

    # Weeks from Monday, named by Intl in French; today has the focus (the field says today); yesterday is past.
    grid = calendar.get_by_role("grid", name=month_fr(today))
    headers = grid.get_by_role("columnheader")
    expect(headers).to_have_count(7)
    expect(headers.first).to_have_accessible_name("lundi")
    expect(headers.last).to_have_accessible_name("dimanche")
    expect(day_button(calendar, today)).to_be_focused()
    if (today - timedelta(days=1)).month == today.month:
        expect(day_button(calendar, today - timedelta(days=1))).to_be_disabled()
    expect(calendar.get_by_role("button", name="Mois précédent")).to_be_disabled()

    # The days with a train on Owendo -> Franceville are marked when the server says which.
    dates = train_dates(page, "OWE", "FCV", today, 1)
    if dates is not None:
        expect(calendar).to_contain_text("Jours avec un train sur ce trajet")
    screenshot(page, "-1-open")

    # The arrow keys walk to next Tuesday (into the next month if need be); Enter chooses it.
    for _ in range((tuesday - today).days):
        page.keyboard.press("ArrowRight")
    expect(calendar).to_have_accessible_name(month_fr(tuesday))
    focused = day_button(calendar, tuesday)
    expect(focused).to_be_focused()
    if dates is not None:
        expect(focused).to_have_accessible_name(f"{long_fr(tuesday)}, train ce jour-là")
        wednesday = next_weekday(WEDNESDAY, tuesday - timedelta(days=1))
        if wednesday.month == tuesday.month:
            expect(day_button(calendar, wednesday)).to_have_accessible_name(f"{long_fr(wednesday)}, pas de train")
    page.keyboard.press("Enter")
    expect(calendar).to_be_hidden()
    expect(search.get_by_label("Date du voyage")).to_have_value(dmy(tuesday))
    expect(opener).to_be_focused()

    search.get_by_role("button", name="Rechercher", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/trips\?from=OWE&to=FCV&date={tuesday.isoformat()}&passengers=1$"))
    card = page.get_by_role("article", name=re.compile(r"^Train 211"))
    expect(card.get_by_role("heading", level=3)).to_have_text("Train 211 · Express")
    expect(page.get_by_role("status").filter(has_text="1 train le")).to_contain_text(day_fr(tuesday))
    screenshot(page, "-2-results")


def test_calendar_on_a_small_phone_with_the_finger(new_context, screenshot):
    page = new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True).new_page()
    today = datetime.now(LIBREVILLE).date()
    page.goto(f"/trips?from=OWE&to=FCV&date={today.isoformat()}&passengers=1")
    page.get_by_role("button", name="Modifier la recherche").tap()
    search = page.get_by_role("search")
    expect(search.get_by_role("combobox", name="Gare de départ")).to_have_value("Owendo")
    opener = search.get_by_role("button", name="Calendrier")

    # Escape closes it without changing the date, and the focus goes back to the button.
    opener.click()
    calendar = page.get_by_role("dialog")
    expect(calendar).to_be_visible()
    page.keyboard.press("Escape")
    expect(calendar).to_be_hidden()
    expect(opener).to_be_focused()
    expect(search.get_by_label("Date du voyage")).to_have_value(dmy(today))

    # Next month by its button; two months ahead is the end: days beyond are disabled and there is no month after.
    opener.click()
    expect(calendar).to_be_visible()
    assert_no_horizontal_scroll(page)
    box = calendar.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    following = calendar.get_by_role("button", name="Mois suivant")
    last = today + timedelta(days=62)
    for _ in range(3):
        if following.is_disabled():
            break
        following.tap()
    expect(calendar).to_have_accessible_name(month_fr(last))
    expect(following).to_be_disabled()
    expect(day_button(calendar, last)).to_be_enabled()
    if (last + timedelta(days=1)).month == last.month:
        expect(day_button(calendar, last + timedelta(days=1))).to_be_disabled()
    screenshot(page, "-calendar-phone")

    # A day chosen with the finger fills the field as dd/mm/yyyy; typing still works afterwards.
    day_button(calendar, last).tap()
    expect(calendar).to_be_hidden()
    expect(search.get_by_label("Date du voyage")).to_have_value(dmy(last))
    search.get_by_label("Date du voyage").fill(dmy(today + timedelta(days=3)))
    opener.tap()
    expect(calendar).to_have_accessible_name(month_fr(today + timedelta(days=3)))
    expect(day_button(calendar, today + timedelta(days=3))).to_be_focused()
    # A touch outside closes it.
    page.get_by_role("heading", level=1).tap()
    expect(calendar).to_be_hidden()


def test_english_calendar(page):
    page.goto("/")
    page.get_by_role("button", name="English", exact=True).click()
    search = page.get_by_role("search")
    search.get_by_role("button", name="Calendar").click()
    today = datetime.now(LIBREVILLE).date()
    calendar = page.get_by_role("dialog", name=today.strftime("%B %Y"))
    expect(calendar.get_by_role("columnheader").first).to_have_accessible_name("Monday")
    expect(calendar.get_by_role("button", name="Next month")).to_be_visible()
    calendar.get_by_role("button", name="Close").click()
    expect(calendar).to_be_hidden()
