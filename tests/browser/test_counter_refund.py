"""A refund paid in cash at a counter, against the real platform (gateway, booking, payments, the E-Billing
simulator): a card refund cannot go back through the aggregator, so payments owes it (`manual`). The customer pays a
seat by card on the simulator's hosted page and cancels it; the booking's page says where to collect the refund. The
agent finds the booking's refunds by its reference ("Rembourser un billet"), pays it in cash after a confirmation,
sees it paid, and finds it in "Ma caisse du jour" (cash taken, refunds paid, balance); the customer's booking then says
"Remboursé" with the amount.

Needs SETRAG_DEMO_PASSWORD and SETRAG_GATEWAY_OAUTH_CLIENT_SECRET besides SETRAG_BASE_URL.
"""
import re
import time

from playwright.sync_api import expect

from staff_support import AGENT, CUSTOMER, PHONE, card_paid_then_cancelled, no_horizontal_scroll
from test_booking import MONEY, amount


def money_after(label: str, text: str) -> int:
    found = re.search(rf"{label}[^\n]*\n?\s*(−\s)?({MONEY})", text)
    assert found, (label, text)
    return amount(found.group(2))


def test_a_card_refund_is_paid_in_cash_at_the_counter_and_counted_in_the_till(new_context, states, screenshot):
    # The customer, on a phone: one seat paid by card on the aggregator's page, then cancelled.
    customer = new_context(viewport=PHONE, is_mobile=True, has_touch=True, storage_state=states(CUSTOMER)).new_page()
    pnr, refund = card_paid_then_cancelled(customer)
    main = customer.get_by_role("main")

    # A card cannot be credited back: the page says where to collect the refund (once payments has recorded it), the
    # other choice being a mobile-money number (test_refund_to_wallet.py).
    where = customer.get_by_role("region", name=re.compile(r"^Remboursement de .* à retirer en espèces"))
    expect(where).to_contain_text(re.compile(rf"Remboursement de {MONEY} à retirer en espèces"), timeout=20_000)
    expect(where).to_contain_text("à un guichet SETRAG avec votre PNR et votre pièce d’identité")
    expect(where).to_contain_text(pnr)
    assert amount(re.search(rf"Remboursement de ({MONEY})", where.inner_text()).group(1)) == refund
    no_horizontal_scroll(customer)
    screenshot(customer, "-1-customer-cancelled")

    # The agent, at the counter: the staff area, "Rembourser un billet", the reference as the customer reads it out.
    agent = new_context(storage_state=states(AGENT)).new_page()
    agent.goto("/agent/till")
    expect(agent.get_by_role("heading", level=1)).to_have_text("Ma caisse du jour")
    summary = agent.locator(".till__summary")
    expect(summary).to_contain_text("Solde de la caisse")
    refunds_before = money_after("Remboursements payés", summary.inner_text())

    agent.goto("/agent")
    agent.get_by_role("link", name="Rembourser un billet", exact=True).click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Rembourser un billet")
    field = agent.get_by_label("Référence de réservation (PNR)", exact=True)
    find = agent.get_by_role("button", name="Chercher les remboursements", exact=True)
    listing = agent.get_by_role("region", name=f"Remboursements de la réservation {pnr}")
    pay = agent.get_by_role("button", name=re.compile(rf"^Payer en espèces {MONEY}$"))
    deadline = time.monotonic() + 20
    while True:  # payments records the refund a moment after booking's cancellation
        field.fill(pnr.lower())
        find.click()
        expect(listing).to_be_visible()
        if pay.count() > 0 or time.monotonic() > deadline:
            break
        agent.wait_for_timeout(1_000)
    expect(listing).to_contain_text(re.compile(rf"À payer en espèces au client\s:\s{MONEY}\."))
    expect(listing).to_contain_text("Dû en espèces au guichet.")
    expect(listing).to_contain_text("payé par carte bancaire")
    assert amount(pay.inner_text()) == refund
    screenshot(agent, "-2-agent-due")

    # Asked once more, with the amount, then paid.
    pay.click()
    question = agent.get_by_text(re.compile(rf"^Remettez-vous {MONEY} en espèces au client\s\?"))
    expect(question).to_be_focused()
    expect(question).to_contain_text(f"la référence {pnr}")
    agent.get_by_role("button", name=re.compile(rf"^Oui, j’ai remis {MONEY}$")).click()
    paid = agent.get_by_role("heading", name=re.compile(rf"^Remboursement de {MONEY} payé$"))
    expect(paid).to_be_focused()
    expect(listing).to_contain_text("Payé en espèces au guichet le")
    expect(listing.get_by_role("status")).to_contain_text("le remboursement est payé et compté dans votre caisse")
    expect(pay).to_have_count(0)
    screenshot(agent, "-3-agent-paid")

    # Looked up again: paid, nothing more to hand over.
    field.fill(pnr)
    find.click()
    expect(listing).to_contain_text("Rien à payer en espèces au guichet.")
    expect(pay).to_have_count(0)

    # The till of the day: the refund counted, and the balance is what was taken less the refunds paid.
    listing.get_by_role("link", name="Ma caisse du jour").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Ma caisse du jour")
    refunds_table = agent.get_by_role("region", name="Remboursements payés")
    row = refunds_table.get_by_role("row").filter(has_text=pnr)
    expect(row).to_have_count(1)
    assert amount(row.get_by_role("cell").last.inner_text()) == refund
    text = summary.inner_text()
    taken = money_after("Encaissé", text)
    refunded = money_after("Remboursements payés", text)
    # The balance is signed: an agent who handed back more than they took that day has a negative one ("-7 200 FCFA").
    balance = re.search(rf"Solde de la caisse[^\n]*\n?\s*([−-])?\s?({MONEY})", text)
    assert balance, text
    net = -amount(balance.group(2)) if balance.group(1) else amount(balance.group(2))
    assert refunded == refunds_before + refund, (refunds_before, refund, text)
    assert net == taken - refunded, text
    screenshot(agent, "-4-till")

    # The customer's booking: refunded, with the amount; nothing more to collect.
    customer.reload()
    expect(customer.get_by_role("heading", name="Réservation remboursée")).to_be_visible()
    done = re.search(rf"Remboursé\s:\s({MONEY}) vous ont été rendus\.", main.inner_text())
    assert done and amount(done.group(1)) == refund, main.inner_text()
    expect(customer.get_by_text("à retirer en espèces")).to_have_count(0)
    screenshot(customer, "-5-customer-refunded")
