"""A refund owed in cash sent to a mobile-money number the traveller names, against the real platform (gateway,
booking, payments, the E-Billing simulator and its payouts). The customer pays a seat by card on the simulator's hosted
page and cancels it: a card cannot be credited back, so payments owes the refund in cash (`manual`). On another phone
(nothing remembered on it) the booking's page offers the two choices, "Recevoir sur Airtel Money ou Moov Money" or
"Retirer en espèces à un guichet SETRAG"; a landline is refused next to the field; a Moov Money number, confirmed, gets
"Remboursement envoyé sur le 06…", and the page turns "Remboursé" once the aggregator has paid the payout.

Needs SETRAG_DEMO_PASSWORD and SETRAG_EBILLING_SIMULATOR_PORT (or SETRAG_EBILLING_SIMULATOR_URL) besides
SETRAG_BASE_URL.
"""
import os
import random
import re
import time

import requests
from playwright.sync_api import expect

from staff_support import CUSTOMER, PHONE, card_paid_then_cancelled, no_horizontal_scroll
from test_booking import MONEY, amount


def simulator_url() -> str:
    url = os.environ.get("SETRAG_EBILLING_SIMULATOR_URL")
    if url:
        return url.rstrip("/")
    port = os.environ.get("SETRAG_EBILLING_SIMULATOR_PORT")
    assert port, "export SETRAG_EBILLING_SIMULATOR_PORT (script/lib/env.sh does)"
    return f"http://127.0.0.1:{port}"


def payouts_to(simulator: str, msisdn: str) -> list[dict]:
    payouts = requests.get(f"{simulator}/_sim/disbursements", timeout=10).json()["disbursements"]
    return [payout for payout in payouts if payout.get("payee_msisdn") == msisdn]


def test_a_card_refund_is_sent_to_a_moov_money_number_and_the_booking_turns_refunded(new_context, states, screenshot):
    simulator = simulator_url()
    # A Moov Money number of this run only, whose payouts the simulator pays (after a short delay).
    digits = f"06{random.choice('256')}{random.randrange(1_000_000):06d}"
    national = f"{digits[:3]} {digits[3:5]} {digits[5:7]} {digits[7:]}"
    answer = requests.put(f"{simulator}/_sim/scenarios/{digits}", json={"outcome": "success"}, timeout=10)
    assert answer.status_code == 200, answer.text[:300]

    # One seat paid by card on the aggregator's page, then cancelled.
    payer = new_context(viewport=PHONE, is_mobile=True, has_touch=True, storage_state=states(CUSTOMER)).new_page()
    pnr, refund = card_paid_then_cancelled(payer)

    # Another phone, signed in to the same account, knowing nothing of the payment: the two choices.
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True, storage_state=states(CUSTOMER)).new_page()
    page.goto(f"/bookings/{pnr}")
    choice = page.get_by_role("region", name=re.compile(rf"^Remboursement de {MONEY} à retirer en espèces ou à recevoir"))
    expect(choice).to_be_visible(timeout=30_000)  # payments records the refund a moment after the cancellation
    assert amount(re.search(rf"Remboursement de ({MONEY})", choice.inner_text()).group(1)) == refund
    expect(choice).to_contain_text("Un paiement par carte ne peut pas être recrédité")
    expect(choice.get_by_role("heading", name="Retirer en espèces à un guichet SETRAG avec votre PNR et votre pièce "
                                               "d’identité")).to_be_visible()
    expect(choice).to_contain_text(pnr)
    wallet = choice.get_by_role("button", name="Recevoir sur Airtel Money ou Moov Money")
    expect(wallet).to_have_attribute("aria-expanded", "false")
    no_horizontal_scroll(page)
    screenshot(page, "-1-choices")

    # A landline is refused next to the field, before anything is sent.
    wallet.click()
    field = choice.get_by_label("Numéro Airtel Money ou Moov Money")
    expect(field).to_be_focused()
    send = choice.get_by_role("button", name=re.compile(rf"^Recevoir {MONEY} sur ce numéro$"))
    assert amount(send.inner_text()) == refund
    field.fill("011 44 55 66")
    send.click()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    error = choice.get_by_text("Saisissez un numéro Airtel Money (074, 077) ou Moov Money (062, 065, 066)")
    expect(error).to_be_visible()
    assert error.get_attribute("id") in (field.get_attribute("aria-describedby") or "").split()
    assert payouts_to(simulator, "011445566") == []
    no_horizontal_scroll(page)
    screenshot(page, "-2-bad-number")

    # A Moov Money number: asked once more, with the amount and the number, then sent.
    field.fill(national)
    expect(field).not_to_have_attribute("aria-invalid", "true")
    send.click()
    question = choice.get_by_text(re.compile(rf"^Envoyer {MONEY} sur le {national} \(Moov Money\)\s?\?"))
    expect(question).to_be_focused()
    choice.get_by_role("button", name=f"Oui, envoyer sur le {national}").click()
    sent = page.get_by_role("status").filter(has_text=f"Remboursement envoyé sur le {national}")
    expect(sent).to_be_visible()
    expect(sent).to_contain_text("Moov Money")
    screenshot(page, "-3-sent")

    # The aggregator pays the payout, in full, to that number; the page, following the booking, says "Remboursé".
    deadline = time.monotonic() + 30
    while not payouts_to(simulator, digits) and time.monotonic() < deadline:
        time.sleep(0.5)
    payouts = payouts_to(simulator, digits)
    assert [p["amount"] for p in payouts] == [refund], payouts
    expect(page.get_by_role("heading", name="Réservation remboursée")).to_be_visible(timeout=60_000)
    main = page.get_by_role("main")
    done = re.search(rf"Remboursé\s:\s({MONEY}) vous ont été rendus\.", main.inner_text())
    assert done and amount(done.group(1)) == refund, main.inner_text()
    expect(page.get_by_text("à retirer en espèces")).to_have_count(0)
    no_horizontal_scroll(page)
    screenshot(page, "-4-refunded")

    # The phone that paid sees it too after a reload; nothing is left to collect.
    payer.reload()
    expect(payer.get_by_role("heading", name="Réservation remboursée")).to_be_visible()
    expect(payer.get_by_role("button", name="Recevoir sur Airtel Money ou Moov Money")).to_have_count(0)
