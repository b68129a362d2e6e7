import Foundation
import HTTPTypes
import Testing

@testable import PaymentsSimulator

@Suite("E-Billing simulator: hosted page and payouts")
struct HostedPageAndPayoutTests {
    static let returnURL = "https://setrag.example/paiement/retour?pnr=ABC123"

    func form(_ sim: SimulatorHarness, _ billID: String, _ body: String) async throws -> SimulatorHarness.Answer {
        try await sim.call(.post, "/pay/\(billID)", raw: body, contentType: "application/x-www-form-urlencoded",
                           credentials: .none)
    }

    @Test("the hosted page shows the bill with Pay and Decline in French and English, and asks for no card data")
    func page() async throws {
        try await SimulatorHarness.run { sim in
            let id = try await sim.createBill(returnURL: Self.returnURL)
            let page = try await sim.call(.get, "/pay/\(id)", credentials: .none)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            let html = page.text
            for text in ["Payer", "Pay", "Refuser", "Decline", "12 500 FCFA", "Billet Owendo - Franceville",
                         "action=\"/pay/\(id)\"", "value=\"pay\"", "value=\"decline\""] {
                #expect(html.contains(text), "missing \(text)")
            }
            let names = html.matches(of: /<(?:input|button|select|textarea)[^>]*\sname="([^"]*)"/)
                .map { String($0.output.1) }
            #expect(Set(names) == ["action", "payment_system_name"])
            #expect(!html.lowercased().contains("cvv"))
            let unknown = try await sim.call(.get, "/pay/1111111111", credentials: .none)
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.contentType]?.hasPrefix("text/html") == true)
        }
    }

    @Test("Pay on the hosted page: the bill is paid, a signed callback arrives, the browser goes to return_url")
    func pagePay() async throws {
        try await SimulatorHarness.run { sim in
            let id = try await sim.createBill(returnURL: Self.returnURL)
            let answer = try await form(sim, id, "payment_system_name=card&action=pay")
            #expect(answer.status == .seeOther)
            #expect(answer.headers[.location] == Self.returnURL)
            let bill = try await sim.bill(id)
            #expect(bill["state"] as? String == "paid")
            #expect(bill["payment_system_name"] as? String == "card")
            let callback = try #require(try await sim.receiver.wait { $0.billID == id }.first)
            #expect(callback.state == "paid" && sim.signatureIsValid(callback))
            #expect(callback.json["transaction_id"] as? String == bill["transaction_id"] as? String)
            // The page of a paid bill says so and offers no buttons; paying again is refused.
            let after = try await sim.call(.get, "/pay/\(id)", credentials: .none)
            #expect(after.status == .ok && !after.text.contains("<button"))
            #expect(try await form(sim, id, "action=pay").status == .conflict)
        }
    }

    @Test("Decline on the hosted page: the bill is cancelled, a failure callback arrives, back to return_url")
    func pageDecline() async throws {
        try await SimulatorHarness.run { sim in
            let id = try await sim.createBill(returnURL: Self.returnURL)
            let answer = try await form(sim, id, "action=decline")
            #expect(answer.status == .seeOther)
            #expect(answer.headers[.location] == Self.returnURL)
            #expect(try await sim.bill(id)["state"] as? String == "cancelled")
            let callback = try #require(try await sim.receiver.wait { $0.billID == id }.first)
            #expect(callback.state == "cancelled" && sim.signatureIsValid(callback))
            #expect(try await form(sim, id, "action=pay").status == .conflict)
        }
    }

    @Test("a page form that makes no sense is a 400, and a bill without return_url shows the result")
    func pageOddForms() async throws {
        try await SimulatorHarness.run { sim in
            let id = try await sim.createBill()
            #expect(try await form(sim, id, "action=steal").status == .badRequest)
            #expect(try await form(sim, id, "action=pay&payment_system_name=bitcoin").status == .badRequest)
            #expect(try await form(sim, id, "").status == .badRequest)
            #expect(try await sim.bill(id)["state"] as? String == "ready")
            let paid = try await form(sim, id, "action=pay&payment_system_name=airtelmoney")
            #expect(paid.status == .ok)
            #expect(paid.text.contains("payée") && paid.text.contains("paid"))
        }
    }

    @Test("a payout is processing, then succeeds with a signed callback; a repeated request is the same payout")
    func disbursementSuccess() async throws {
        try await SimulatorHarness.run { sim in
            let request: [String: Any] = ["payee_msisdn": "066123456", "amount": 12_500,
                                          "external_reference": "REFUND-1", "payment_system_name": "moovmoney4"]
            let created = try await sim.call(.post, "/api/v1/merchant/disbursements", json: request)
            #expect(created.status == .created)
            #expect(created.json["state"] as? String == "processing")
            let id = try #require(created.json["disbursement_id"] as? String)

            let callback = try #require(try await sim.receiver.wait { $0.disbursementID == id }.first)
            #expect(sim.signatureIsValid(callback))
            #expect(callback.state == "succeeded")
            #expect(callback.json["amount"] as? Int == 12_500)
            #expect(callback.json["external_reference"] as? String == "REFUND-1")
            #expect(callback.json["transaction_id"] is String)

            let status = try await sim.call(.get, "/api/v1/merchant/disbursements/\(id)")
            #expect(status.status == .ok)
            #expect(status.json["state"] as? String == "succeeded")

            let replay = try await sim.call(.post, "/api/v1/merchant/disbursements", json: request)
            #expect(replay.status == .ok)
            #expect(replay.json["disbursement_id"] as? String == id)
            var other = request
            other["amount"] = 99_000
            #expect(try await sim.call(.post, "/api/v1/merchant/disbursements", json: other).status == .conflict)
            #expect(try await sim.call(.get, "/api/v1/merchant/disbursements/DSB000000000").status == .notFound)
        }
    }

    @Test("a payout to a declining wallet fails with a signed callback; invalid payouts are 422")
    func disbursementFailure() async throws {
        try await SimulatorHarness.run { sim in
            try await sim.setScenario("077123456", ["outcome": "decline", "confirm_after_ms": 50])
            let created = try await sim.call(.post, "/api/v1/merchant/disbursements", json: [
                "payee_msisdn": "077123456", "amount": 5000, "external_reference": "REFUND-2",
                "payment_system_name": "airtelmoney",
            ])
            let id = try #require(created.json["disbursement_id"] as? String)
            let callback = try #require(try await sim.receiver.wait { $0.disbursementID == id }.first)
            #expect(callback.state == "failed" && sim.signatureIsValid(callback))
            #expect(callback.json["transaction_id"] is NSNull)

            let invalid = try await sim.call(.post, "/api/v1/merchant/disbursements", json: [
                "payee_msisdn": "077123456", "amount": 0, "payment_system_name": "moovmoney4",
            ])
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.fieldErrors == ["amount:not-positive", "external_reference:required",
                                            "payment_system_name:wrong-operator"])
        }
    }
}
