import Foundation
import HTTPTypes
import Testing

@testable import PaymentsSimulator

/// The merchant API as the platform's payments adapter will call it, over a live loopback connection.
@Suite("E-Billing simulator: merchant API")
struct MerchantAPITests {
    @Test("merchant calls without the right HTTP Basic credentials are refused with a JSON 401")
    func authRefused() async throws {
        try await SimulatorHarness.run { sim in
            let wrongKey = "Basic " + Data("\(sim.configuration.username):nope".utf8).base64EncodedString()
            let wrongUser = "Basic " + Data("someone:\(sim.configuration.sharedKey)".utf8).base64EncodedString()
            let refused: [SimulatorHarness.Credentials] = [
                .none, .header(wrongKey), .header(wrongUser), .header("Basic !!!"), .header("Bearer abc"),
                .header("Basic"),
            ]
            let body = String(decoding: try JSONSerialization.data(withJSONObject: SimulatorHarness.billRequest()),
                              as: UTF8.self)
            for credentials in refused {
                let answer = try await sim.call(.post, "/api/v1/merchant/e_bills", raw: body, credentials: credentials)
                #expect(answer.status == .unauthorized)
                #expect(answer.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
                #expect(answer.headers[.contentType] == "application/problem+json")
                #expect(answer.json["status"] as? Int == 401)
            }
            for path in ["/api/v1/merchant/e_bills/1234567890", "/api/v1/merchant/disbursements/DSB123456789"] {
                #expect(try await sim.call(.get, path, credentials: .none).status == .unauthorized)
            }
            #expect(try await sim.call(.post, "/api/v1/merchant/e_bills/1234567890/ussd_push", raw: "{}",
                                       credentials: .header(wrongKey)).status == .unauthorized)
            // Nothing was created by the refused calls; the right credentials work.
            #expect((try await sim.call(.get, "/_sim/bills").json["bills"] as? [Any])?.isEmpty == true)
            #expect(try await sim.call(.post, "/api/v1/merchant/e_bills", raw: body).status == .created)
        }
    }

    /// A body (as raw text, so that malformed JSON and wrong types can be sent), and what the answer must say.
    struct BadBill: Sendable, CustomTestStringConvertible {
        let label: String
        let body: String
        let status: HTTPResponse.Status
        let errors: Set<String>
        var testDescription: String { label }

        init(_ label: String, _ body: String, _ status: HTTPResponse.Status = .unprocessableContent,
             _ errors: Set<String> = []) {
            self.label = label
            self.body = body
            self.status = status
            self.errors = errors
        }

        /// A valid bill with `change` made to one field (nil removes it).
        init(_ label: String, _ field: String, _ value: Any?, errors: Set<String>) {
            var object = SimulatorHarness.billRequest()
            object[field] = value
            let text = String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            self.init(label, text, .unprocessableContent, errors)
        }
    }

    static let badBills: [BadBill] = [
        BadBill("msisdn too short", "payer_msisdn", "0741234", errors: ["payer_msisdn:invalid-msisdn"]),
        BadBill("msisdn with +", "payer_msisdn", "+24174123456", errors: ["payer_msisdn:invalid-msisdn"]),
        BadBill("fixed line", "payer_msisdn", "011123456", errors: ["payer_msisdn:invalid-msisdn"]),
        BadBill("msisdn with letters", "payer_msisdn", "07412345x", errors: ["payer_msisdn:invalid-msisdn"]),
        BadBill("msisdn as a number", "payer_msisdn", 74_123_456, errors: ["payer_msisdn:wrong-type"]),
        BadBill("amount 0", "amount", 0, errors: ["amount:not-positive"]),
        BadBill("negative amount", "amount", -500, errors: ["amount:not-positive"]),
        BadBill("huge amount", "amount", 10_000_000_000, errors: ["amount:too-large"]),
        BadBill("amount as text", "amount", "12500", errors: ["amount:wrong-type"]),
        BadBill("fractional amount", "amount", 12.5, errors: ["amount:invalid"]),
        BadBill("amount beyond 64 bits",
                #"{"payer_msisdn":"074123456","amount":1e30,"short_description":"x","external_reference":"R","#
                    + #""expiry_period":30,"currency":"XAF"}"#,
                .unprocessableContent, ["amount:invalid"]),
        BadBill("amount true", "amount", true, errors: ["amount:wrong-type"]),
        BadBill("blank description", "short_description", "  ", errors: ["short_description:blank"]),
        BadBill("reference with a space", "external_reference", "PAY 1", errors: ["external_reference:invalid"]),
        BadBill("expiry 0", "expiry_period", 0, errors: ["expiry_period:out-of-range"]),
        BadBill("currency EUR", "currency", "EUR", errors: ["currency:unsupported-currency"]),
        BadBill("javascript return url", "return_url", "javascript:alert(1)", errors: ["return_url:invalid-url"]),
        BadBill("bad email", "payer_email", "awa@", errors: ["payer_email:invalid-email"]),
        BadBill("unknown field", "card_number", "4111111111111111", errors: ["card_number:unknown-field"]),
        BadBill("missing amount", "amount", nil, errors: ["amount:required"]),
        BadBill("every required field missing", "{}", .unprocessableContent, [
            "payer_msisdn:required", "amount:required", "short_description:required",
            "external_reference:required", "expiry_period:required", "currency:required",
        ]),
        BadBill("null msisdn", "payer_msisdn", NSNull(), errors: ["payer_msisdn:required"]),
        BadBill("malformed JSON", #"{"payer_msisdn": "074123456", "amount": "#, .badRequest),
        BadBill("a JSON array", "[1, 2]", .badRequest),
        BadBill("empty body", "", .badRequest),
    ]

    @Test("invalid bills are refused with 400 or 422 naming the wrong fields, and nothing is created",
          arguments: badBills)
    func billValidation(_ bad: BadBill) async throws {
        try await SimulatorHarness.run { sim in
            let answer = try await sim.call(.post, "/api/v1/merchant/e_bills", raw: bad.body)
            #expect(answer.status == bad.status, "\(answer.text)")
            #expect(answer.headers[.contentType] == "application/problem+json")
            #expect(answer.fieldErrors == bad.errors)
            let bills = try await sim.call(.get, "/_sim/bills").json["bills"] as? [Any]
            #expect(bills?.isEmpty == true)
        }
    }

    @Test("a body that is not JSON is a 415")
    func notJSON() async throws {
        try await SimulatorHarness.run { sim in
            let answer = try await sim.call(.post, "/api/v1/merchant/e_bills", raw: "amount=5",
                                            contentType: "application/x-www-form-urlencoded")
            #expect(answer.status == .unsupportedMediaType)
        }
    }

    @Test("a bill is created ready, with a 10-digit id and its hosted page address")
    func createBill() async throws {
        try await SimulatorHarness.run { sim in
            let answer = try await sim.call(.post, "/api/v1/merchant/e_bills",
                                            json: SimulatorHarness.billRequest(msisdn: "24166123456"))
            #expect(answer.status == .created)
            let bill = answer.bill
            let id = try #require(bill["bill_id"] as? String)
            #expect(id.count == 10 && id.allSatisfy(\.isNumber))
            #expect(bill["state"] as? String == "ready")
            #expect(bill["amount"] as? Int == 12_500)
            #expect(bill["currency"] as? String == "XAF")
            #expect(bill["payer_msisdn"] as? String == "24166123456")
            #expect(bill["external_reference"] as? String == "PAY-1")
            #expect(bill["payment_url"] as? String == "\(sim.simulatorURL)/pay/\(id)")
            #expect(bill["transaction_id"] == nil)
            let created = try #require((bill["created_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            let expires = try #require((bill["expires_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(expires.timeIntervalSince(created) - 30 * 60) <= 1)
            #expect((bill["created_at"] as? String)?.hasSuffix("Z") == true)
            #expect(try await sim.call(.get, "/api/v1/merchant/e_bills/0000000000").status == .notFound)
        }
    }

    @Test("push then PIN: 202, status ready, then a signed paid callback and status paid")
    func pushSuccess() async throws {
        try await SimulatorHarness.run { sim in
            // The payer takes 1.5 s to type the PIN, so that "ready" right after the push holds on a busy machine.
            try await sim.setScenario("074123456", ["outcome": "success", "confirm_after_ms": 1500])
            let id = try await sim.createBill(msisdn: "074123456")
            let push = try await sim.push(id, msisdn: "24174123456", system: "airtelmoney")
            #expect(push.status == .accepted)
            #expect(push.json["message"] is String)
            #expect(try await sim.bill(id)["state"] as? String == "ready")

            let callback = try #require(try await sim.receiver.wait { $0.billID == id }.first)
            #expect(sim.signatureIsValid(callback))
            let body = callback.json
            #expect(Set(body.keys) == ["bill_id", "external_reference", "state", "amount", "transaction_id",
                                       "payment_system_name", "paid_at"])
            #expect(body["state"] as? String == "paid")
            #expect(body["amount"] as? Int == 12_500)
            #expect(body["external_reference"] as? String == "PAY-1")
            #expect(body["payment_system_name"] as? String == "airtelmoney")
            let transaction = try #require(body["transaction_id"] as? String)
            #expect((body["paid_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) } != nil)

            let bill = try await sim.bill(id)
            #expect(bill["state"] as? String == "paid")
            #expect(bill["transaction_id"] as? String == transaction)
            #expect(bill["payment_system_name"] as? String == "airtelmoney")
            #expect(bill["paid_at"] as? String == body["paid_at"] as? String)

            // A paid bill takes no second push.
            let again = try await sim.push(id)
            #expect(again.status == .conflict)
            try await Task.sleep(for: .milliseconds(200))
            #expect(sim.receiver.deliveries.count == 1)
        }
    }

    @Test("a tampered body or another secret does not verify")
    func signatureBindsBodyAndTime() {
        let signer = CallbackSigner(secret: "secret-one")
        let body = Array(#"{"amount":100}"#.utf8)
        let signature = signer.signature(timestamp: 1_800_000_000, body: body)
        #expect(signature.hasPrefix("sha256=") && signature.count == 71)
        #expect(signer.signature(timestamp: 1_800_000_001, body: body) != signature)
        #expect(signer.signature(timestamp: 1_800_000_000, body: Array(#"{"amount":900}"#.utf8)) != signature)
        #expect(CallbackSigner(secret: "secret-two").signature(timestamp: 1_800_000_000, body: body) != signature)
    }

    struct BadPush: Sendable, CustomTestStringConvertible {
        let system: String
        let msisdn: String
        let error: String
        var testDescription: String { "\(system) to \(msisdn)" }
    }

    @Test("pushes that cannot reach the payer are refused", arguments: [
        BadPush(system: "moovmoney4", msisdn: "074123456", error: "payment_system_name:wrong-operator"),
        BadPush(system: "airtelmoney", msisdn: "066123456", error: "payment_system_name:wrong-operator"),
        BadPush(system: "card", msisdn: "074123456", error: "payment_system_name:unknown-payment-system"),
        BadPush(system: "airtelmoney", msisdn: "0741", error: "payer_msisdn:invalid-msisdn"),
    ])
    func pushValidation(_ bad: BadPush) async throws {
        try await SimulatorHarness.run { sim in
            let id = try await sim.createBill()
            let answer = try await sim.push(id, msisdn: bad.msisdn, system: bad.system)
            #expect(answer.status == .unprocessableContent)
            #expect(answer.fieldErrors == [bad.error])
            #expect(try await sim.push("9999999999").status == .notFound)
        }
    }

    @Test("a second push while the payer has not answered is a 409")
    func pushPending() async throws {
        try await SimulatorHarness.run { sim in
            try await sim.setScenario("074123456", ["outcome": "timeout_then_success", "confirm_after_ms": 2000])
            let id = try await sim.createBill()
            #expect(try await sim.push(id).status == .accepted)
            let again = try await sim.push(id)
            #expect(again.status == .conflict)
            #expect((again.json["type"] as? String)?.hasSuffix("ebilling-push-pending") == true)
        }
    }

    @Test("decline: the bill is cancelled and a signed failure callback arrives")
    func decline() async throws {
        try await SimulatorHarness.run { sim in
            try await sim.setScenario("062123456", ["outcome": "decline", "confirm_after_ms": 100])
            let id = try await sim.createBill(msisdn: "062123456")
            #expect(try await sim.push(id, msisdn: "062123456", system: "moovmoney4").status == .accepted)
            let callback = try #require(try await sim.receiver.wait { $0.billID == id }.first)
            #expect(sim.signatureIsValid(callback))
            #expect(callback.state == "cancelled")
            #expect(callback.json["transaction_id"] is NSNull)
            #expect(callback.json["paid_at"] is NSNull)
            let bill = try await sim.bill(id)
            #expect(bill["state"] as? String == "cancelled")
            #expect(bill["transaction_id"] == nil)
        }
    }
}
