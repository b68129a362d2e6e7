import Foundation
import HTTPTypes
import Testing

@testable import PaymentsSimulator

/// The outcomes tests choose per payer number, seen as the merchant sees them: status queries and callbacks.
@Suite("E-Billing simulator: scenarios")
struct ScenarioTests {
    @Test("timeout_then_success: status ready and no callback within the wait, then paid and a callback")
    func timeoutThenSuccess() async throws {
        try await SimulatorHarness.run { sim in
            try await sim.setScenario("077123456", ["outcome": "timeout_then_success", "confirm_after_ms": 1500])
            let id = try await sim.createBill(msisdn: "077123456")
            let start = ContinuousClock.now
            #expect(try await sim.push(id, msisdn: "077123456").status == .accepted)
            try await Task.sleep(for: .milliseconds(300))
            // Whatever the machine's load: a status answered before the payer confirms says ready.
            let early = try await sim.bill(id)["state"] as? String
            if ContinuousClock.now - start < .milliseconds(1500) { #expect(early == "ready") }

            let callback = try #require(try await sim.receiver.wait { $0.billID == id }.first)
            // No callback before the payer confirmed.
            #expect(sim.receiver.deliveries.allSatisfy { $0.at - start >= .milliseconds(1500) })
            #expect(callback.at - start >= .milliseconds(1500))
            #expect(callback.state == "paid")
            #expect(sim.signatureIsValid(callback))
            #expect(try await sim.bill(id)["state"] as? String == "paid")
        }
    }

    @Test("timeout_then_failure: status ready within the wait, then expired with a failure callback")
    func timeoutThenFailure() async throws {
        try await SimulatorHarness.run { sim in
            try await sim.setScenario("074123456", ["outcome": "timeout_then_failure", "confirm_after_ms": 1500])
            let id = try await sim.createBill()
            let start = ContinuousClock.now
            #expect(try await sim.push(id).status == .accepted)
            try await Task.sleep(for: .milliseconds(200))
            // Whatever the machine's load: a status answered before the wait ends says ready.
            let early = try await sim.bill(id)["state"] as? String
            if ContinuousClock.now - start < .milliseconds(1500) { #expect(early == "ready") }

            let callback = try #require(try await sim.receiver.wait { $0.billID == id }.first)
            #expect(sim.receiver.deliveries.allSatisfy { $0.at - start >= .milliseconds(1500) })
            #expect(callback.at - start >= .milliseconds(1500))
            #expect(callback.state == "expired")
            #expect(callback.json["transaction_id"] is NSNull)
            #expect(sim.signatureIsValid(callback))
            #expect(try await sim.bill(id)["state"] as? String == "expired")
            let late = try await sim.push(id)
            #expect(late.status == .conflict)
            #expect((late.json["type"] as? String)?.hasSuffix("ebilling-bill-closed") == true)
        }
    }

    @Test("duplicate_callback: the same signed success arrives twice, and a third time later")
    func duplicateCallback() async throws {
        try await SimulatorHarness.run { sim in
            try await sim.setScenario("074123456", ["outcome": "duplicate_callback", "confirm_after_ms": 100,
                                                    "repeat_after_ms": 400])
            let id = try await sim.createBill()
            let start = ContinuousClock.now
            #expect(try await sim.push(id).status == .accepted)
            let callbacks = try await sim.receiver.wait(for: 3) { $0.billID == id }
                .sorted { $0.at < $1.at }
            #expect(Set(callbacks.map(\.body)).count == 1)
            #expect(callbacks.allSatisfy { $0.state == "paid" && sim.signatureIsValid($0) })
            // Two at once (after the PIN, 100 ms), the third 400 ms later.
            #expect(callbacks[2].at - start >= .milliseconds(500))
            #expect(try await sim.bill(id)["state"] as? String == "paid")
            try await Task.sleep(for: .milliseconds(300))
            #expect(sim.receiver.deliveries.count == 3)
        }
    }

    @Test("late_callback: the bill is paid at once but its callback only arrives after the delay")
    func lateCallback() async throws {
        try await SimulatorHarness.run { sim in
            try await sim.setScenario("074123456", ["outcome": "late_callback", "confirm_after_ms": 100,
                                                    "callback_after_ms": 1000])
            let id = try await sim.createBill()
            let start = ContinuousClock.now
            #expect(try await sim.push(id).status == .accepted)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await sim.bill(id)["state"] as? String == "paid")

            let callback = try #require(try await sim.receiver.wait { $0.billID == id }.first)
            // Not one callback before the delay, however busy the machine.
            #expect(sim.receiver.deliveries.allSatisfy { $0.at - start >= .milliseconds(1100) })
            #expect(callback.at - start >= .milliseconds(1100))
            #expect(callback.state == "paid")
            #expect(sim.signatureIsValid(callback))
        }
    }

    @Test("lost_answer: the push is answered 502 although it reached the payer; the bill is paid, with no callback")
    func lostAnswer() async throws {
        try await SimulatorHarness.run { sim in
            try await sim.setScenario("074123457", ["outcome": "lost_answer", "confirm_after_ms": 100])
            let id = try await sim.createBill(msisdn: "074123457")
            #expect(try await sim.push(id, msisdn: "074123457").status == .badGateway)
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await sim.bill(id)["state"] as? String == "paid")
            #expect(sim.receiver.deliveries.isEmpty)
        }
    }

    @Test("a refused callback is retried with backoff until the receiver takes it, each attempt signed afresh")
    func callbackRetry() async throws {
        try await SimulatorHarness.run(failFirst: 2) { sim in
            let id = try await sim.createBill()
            #expect(try await sim.push(id).status == .accepted)
            let attempts = try await sim.receiver.wait(for: 3) { $0.billID == id }.sorted { $0.at < $1.at }
            #expect(attempts.allSatisfy { $0.state == "paid" && sim.signatureIsValid($0) })
            #expect(Set(attempts.map(\.body)).count == 1)
            #expect(attempts[1].at - attempts[0].at >= .milliseconds(50))
            #expect(attempts[2].at - attempts[1].at >= .milliseconds(100))
            try await Task.sleep(for: .milliseconds(400))
            #expect(sim.receiver.deliveries.count == 3)

            let listed = try await sim.call(.get, "/_sim/bills").json["bills"] as? [[String: any Sendable]]
            let log = try #require(listed?.first?["callbacks"] as? [[String: any Sendable]])
            #expect(log.map { $0["status"] as? Int } == [500, 500, 200])
        }
    }

    @Test("a bill left unpaid expires (here after expire_after_ms) with a failure callback; pushes are then refused")
    func expiry() async throws {
        try await SimulatorHarness.run { sim in
            try await sim.setScenario("065123456", ["outcome": "success", "expire_after_ms": 300])
            let short = try await sim.createBill(msisdn: "065123456", reference: "PAY-SHORT")
            let normal = try await sim.createBill(msisdn: "074123456", reference: "PAY-NORMAL")
            let callback = try #require(try await sim.receiver.wait { $0.billID == short }.first)
            #expect(callback.state == "expired")
            #expect(callback.json["payment_system_name"] is NSNull)
            #expect(sim.signatureIsValid(callback))
            #expect(try await sim.bill(short)["state"] as? String == "expired")
            #expect(try await sim.push(short, msisdn: "065123456", system: "moovmoney4").status == .conflict)
            #expect(try await sim.bill(normal)["state"] as? String == "ready")
        }
    }

    @Test("scenarios: both number forms share one, a default applies to other numbers, reset forgets everything")
    func controlAPI() async throws {
        try await SimulatorHarness.run { sim in
            try await sim.setScenario("24174123456", ["outcome": "decline", "confirm_after_ms": 50])
            try await sim.setScenario("default", ["outcome": "timeout_then_failure", "confirm_after_ms": 50])
            let listed = try await sim.call(.get, "/_sim/scenarios").json["scenarios"] as? [[String: any Sendable]]
            #expect(listed?.map { $0["msisdn"] as? String } == ["default", "074123456"])

            let declined = try await sim.createBill(msisdn: "074123456", reference: "A")
            let timedOut = try await sim.createBill(msisdn: "077999999", reference: "B")
            #expect(try await sim.push(declined).status == .accepted)
            #expect(try await sim.push(timedOut, msisdn: "077999999").status == .accepted)
            #expect(try await sim.receiver.wait { $0.billID == declined }.first?.state == "cancelled")
            #expect(try await sim.receiver.wait { $0.billID == timedOut }.first?.state == "expired")

            #expect(try await sim.call(.put, "/_sim/scenarios/074123456", json: ["outcome": "maybe"]).fieldErrors
                == ["outcome:unknown-outcome"])
            #expect(try await sim.call(.put, "/_sim/scenarios/12345", json: ["outcome": "success"]).status
                == .unprocessableContent)
            #expect(try await sim.call(.put, "/_sim/scenarios/074123456",
                                       json: ["outcome": "success", "confirm_after_ms": -1]).fieldErrors
                == ["confirm_after_ms:out-of-range"])

            #expect(try await sim.call(.post, "/_sim/reset").status == .noContent)
            #expect(try await sim.call(.get, "/api/v1/merchant/e_bills/\(declined)").status == .notFound)
            let after = try await sim.call(.get, "/_sim/scenarios").json["scenarios"] as? [[String: any Sendable]]
            #expect(after?.count == 1)
            #expect(after?.first?["outcome"] as? String == "success")
        }
    }
}
