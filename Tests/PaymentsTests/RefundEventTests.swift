import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PaymentsSimulator
import SQLKit
import SetragEvents
import SetragKernel
import SetragMQTT
import SetragMySQL
import SetragTesting
import Synchronization
import Testing

@testable import Payments

/// Booking's `BookingRefundDue` consumed by payments against the real MariaDB and the aggregator's simulator: the
/// refund is recorded once however often the event arrives (MQTT redelivery, catch-up), against the payments that
/// paid the booking, and a mobile-money refund goes back to the payer's wallet.
@Suite(.serialized)
struct RefundEventTests {
    /// Booking, for a test that must not call it: any use is a failure.
    struct NoBooking: BookingLink {
        struct Unexpected: Error {}
        func booking(pnr: String, authorization: String) async throws -> BookingView {
            Issue.record("booking read unexpectedly")
            throw Unexpected()
        }
        func paid(pnr: String) async throws -> BookingView {
            Issue.record("booking told unexpectedly")
            throw Unexpected()
        }
        func paying(pnr: String, payment: String) async throws -> BookingView {
            Issue.record("booking told unexpectedly")
            throw Unexpected()
        }
        func unpaid(pnr: String, payment: String) async throws {
            Issue.record("booking told unexpectedly")
            throw Unexpected()
        }
    }

    /// A catch-up feed that serves the events it was given.
    struct ListFeed: EventFeed {
        let list: [EventEnvelope]
        func events(after sequence: UInt64, limit: Int) async throws -> [EventEnvelope] {
            Array(list.filter { $0.sequence > sequence }.prefix(limit))
        }
    }

    struct Harness: Sendable {
        let db: TestDatabase
        let parts: PaymentsModule.Parts
        let control: any TestClientProtocol

        /// A payment that succeeded and paid `pnr` (as after the provider's callback).
        func paid(_ pnr: String, method: PaymentMethod = .airtelMoney, payer: String? = "+24174123456",
                  amount: Int) async throws -> PaymentRecord {
            var payment = try await parts.store.insert(
                publicID: "pay_" + crockfordBase32(randomBytes(12), uppercase: false), pnr: pnr, owner: "usr_a",
                method: method, amount: amount, payerE164: method == .cash ? nil : payer,
                tillAgent: method == .cash ? "usr_agent" : nil, now: Date())
            try await parts.store.transition(payment.id, from: [.initiated], to: .succeeded, now: Date())
            payment.status = .succeeded
            #expect(try await parts.store.settles(payment, now: Date()))
            return payment
        }

        func consumer(feed: any EventFeed = ListFeed(list: [])) -> EventConsumer {
            // Never connected: these tests apply events and catch up directly.
            let broker = MQTTClient(configuration: MQTTConfiguration(clientID: "payments-test-\(UUID())"),
                                    logger: TestEnvironment.logger)
            return parts.refunds.consumer(broker: broker, feed: feed)
        }

        struct Payout: Decodable {
            let payee_msisdn: String
            let amount: Int
            let external_reference: String
        }

        struct Payouts: Decodable { let disbursements: [Payout] }

        func payouts() async throws -> [Payout] {
            let response = try await control.execute(uri: "/_sim/disbursements", method: .get, headers: [:],
                                                     body: nil)
            return try JSONDecoder().decode(Payouts.self, from: Data(buffer: response.body)).disbursements
        }
    }

    static func run(_ test: @escaping @Sendable (Harness) async throws -> Void) async throws {
        let db = try await TestEnvironment.freshDatabase("payrefund")
        do {
            try await db.migrate(PaymentsModule.definition.migrations)
            let key = "shared-key-" + UUID().uuidString
            let configuration = EBillingConfiguration(
                username: "setrag", sharedKey: key, callbackSecret: "secret",
                callbackURL: "http://127.0.0.1:9/callbacks", callbackRetryDelays: [], callbackTimeout: .seconds(1))
            let (simulator, _) = EBillingServer.build(configuration: configuration, logger: TestEnvironment.logger)
            try await simulator.test(.live) { control in
                let settings = TestEnvironment.settings([
                    "payments.ebilling.url": "http://127.0.0.1:\(try #require(control.port))",
                    "payments.ebilling.username": "setrag", "payments.ebilling.shared_key": key,
                    "payments.ebilling.callback_secret": "secret",
                ])
                let options = PaymentsModule.Options(settings)
                try settings.validate()
                let parts = PaymentsModule.parts(database: db.pool, options: options, http: .shared,
                                                 bookings: NoBooking(), logger: TestEnvironment.logger)
                try await test(Harness(db: db, parts: parts, control: control))
            }
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    static func event(pnr: String, amount: Int, reason: String = "cancellation", paidUnder: [String],
                      sequence: UInt64 = 1) throws -> EventEnvelope {
        let payload: [String: Any] = [
            "pnr": pnr, "amount": amount, "currency": "XAF", "reason": reason, "paidUnder": paidUnder,
            "dueAt": "2026-11-28T08:00:00Z",
        ]
        // As it comes over MQTT or in booking's feed.
        let envelope: [String: Any] = [
            "sequence": sequence, "id": UUID().uuidString.lowercased(), "service": "booking",
            "name": "BookingRefundDue", "version": 1, "occurredAt": "2026-11-28T08:00:00Z",
            "payload": String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self),
        ]
        return try EventEnvelope.decode(from: [UInt8](try JSONSerialization.data(withJSONObject: envelope)))
    }

    @Test func aRefundDueIsRecordedOnceAndPaidBackToThePayersWallet() async throws {
        try await Self.run { harness in
            let payment = try await harness.paid("K7M2QX", amount: 45_000)
            let event = try Self.event(pnr: "K7M2QX", amount: 40_500, paidUnder: ["K7M2QX"])
            let consumer = harness.consumer(feed: ListFeed(list: [event]))
            #expect(try await consumer.apply(event))
            // Redelivered over MQTT, then read again from booking's feed: no effect.
            #expect(try await consumer.apply(event) == false)
            #expect(try await consumer.catchUp() == 0)
            let refunds = try await harness.parts.store.refunds(paymentID: payment.id)
            #expect(refunds.count == 1)
            #expect(refunds.first?.amount == 40_500 && refunds.first?.reason == "cancellation")
            #expect(refunds.first?.reference == "RFD-K7M2QX-\(payment.publicID)")

            #expect(try await harness.parts.service.sendRecordedRefunds(now: Date()) == 1)
            let payouts = try await harness.payouts()
            #expect(payouts.count == 1)
            #expect(payouts.first?.payee_msisdn == "074123456" && payouts.first?.amount == 40_500)
            #expect(payouts.first?.external_reference == "RFD-K7M2QX-\(payment.publicID)")
            // Sent once: the next pass has nothing to send.
            #expect(try await harness.parts.service.sendRecordedRefunds(now: Date()) == 0)
            #expect(try await harness.payouts().count == 1)
            let sent = try await harness.parts.store.refunds(paymentID: payment.id)
            #expect(sent.first?.providerID != nil && sent.first?.status != "manual")
        }
    }

    @Test func anExchangedBookingIsRefundedFromItsPaymentsNewestFirstAndCardOrCashOnesAreManual() async throws {
        try await Self.run { harness in
            // The old booking was paid in cash at a counter, the new one's difference by card.
            let cash = try await harness.paid("A3B4C5", method: .cash, amount: 30_000)
            let card = try await harness.paid("D6E7F8", method: .card, payer: "+24166123456", amount: 17_000)
            let event = try Self.event(pnr: "D6E7F8", amount: 42_300, reason: "cancellation",
                                   paidUnder: ["D6E7F8", "A3B4C5"])
            #expect(try await harness.consumer().apply(event))
            let fromCard = try await harness.parts.store.refunds(paymentID: card.id)
            let fromCash = try await harness.parts.store.refunds(paymentID: cash.id)
            #expect(fromCard.map(\.amount) == [17_000] && fromCash.map(\.amount) == [25_300])
            #expect((fromCard + fromCash).allSatisfy { $0.status == "manual" })
            #expect(try await harness.parts.service.sendRecordedRefunds(now: Date()) == 0)
            #expect(try await harness.payouts().isEmpty)

            // A later refund from the same payments takes only what is left of them.
            let more = try Self.event(pnr: "G9H2J3", amount: 10_000, paidUnder: ["G9H2J3", "D6E7F8", "A3B4C5"],
                                  sequence: 2)
            #expect(try await harness.consumer().apply(more))
            let left = try await harness.parts.store.refunds(paymentID: cash.id)
            #expect(left.map(\.amount) == [25_300, 4_700])
        }
    }

    struct OutboxRow: Decodable {
        let name: String
        let payload: String
    }

    /// The `RefundPaid` events in payments' outbox, decoded.
    static func refundsPaid(_ harness: Harness) async throws -> [RefundPaid] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try await harness.db.pool.raw("SELECT name, payload FROM event_outbox ORDER BY sequence")
            .all(decoding: OutboxRow.self).map { row in
                #expect(row.name == "RefundPaid")
                return try decoder.decode(RefundPaid.self, from: Data(row.payload.utf8))
            }
    }

    @Test func aCardRefundIsPaidInCashOnceAndEveryPaidRefundIsAnnouncedOnce() async throws {
        try await Self.run { harness in
            let store = harness.parts.store
            let card = try await harness.paid("D6E7F8", method: .card, payer: "+24166123456", amount: 17_000)
            #expect(try await harness.consumer().apply(
                try Self.event(pnr: "D6E7F8", amount: 15_300, paidUnder: ["D6E7F8"])))
            let reference = "RFD-D6E7F8-\(card.publicID)"
            let owed = try await store.refunds(owedBy: "D6E7F8")
            #expect(owed.map(\.reference) == [reference] && owed.map(\.status) == ["manual"])
            #expect(owed.first?.method == .card && owed.first?.owedPNR == "D6E7F8" && owed.first?.paidBy == nil)
            #expect(try await Self.refundsPaid(harness).isEmpty)

            let paidAt = Date()
            guard case .paid(let paid) = try await store.payInCash(reference: reference, agent: "usr_agent",
                                                                   now: paidAt) else {
                Issue.record("the refund was not paid")
                return
            }
            #expect(paid.reference == reference && paid.amount == 15_300)
            // A second agent (or a second click) finds it paid: one payout, one event.
            guard case .notOwedInCash(let again) = try await store.payInCash(reference: reference, agent: "usr_b",
                                                                             now: Date()) else {
                Issue.record("a paid refund was paid again")
                return
            }
            #expect(again.status == "succeeded" && again.paidBy == "usr_agent")
            #expect(try await store.payInCash(reference: "RFD-NOSUCH-x", agent: "usr_agent", now: Date())
                    == .notFound)
            let announced = try await Self.refundsPaid(harness)
            #expect(announced.map(\.pnr) == ["D6E7F8"] && announced.map(\.amount) == [15_300])
            #expect(announced.map(\.via) == ["cash"] && announced.map(\.reference) == [reference])
            // In the agent's till for the day, not in another's.
            let day = paidAt.addingTimeInterval(-60)..<paidAt.addingTimeInterval(60)
            #expect(try await store.refundsPaid(by: "usr_agent", from: day.lowerBound, to: day.upperBound)
                .map(\.reference) == [reference])
            #expect(try await store.refundsPaid(by: "usr_b", from: day.lowerBound, to: day.upperBound).isEmpty)

            // A wallet refund announced when it succeeds, once, however often the aggregator says so.
            let wallet = try await harness.paid("K7M2QX", amount: 45_000)
            #expect(try await harness.consumer().apply(
                try Self.event(pnr: "K7M2QX", amount: 40_500, paidUnder: ["K7M2QX"], sequence: 2)))
            let refund = try #require(try await store.refunds(paymentID: wallet.id).first)
            #expect(refund.owedPNR == "K7M2QX")
            guard case .notOwedInCash = try await store.payInCash(reference: refund.reference, agent: "usr_agent",
                                                                  now: Date()) else {
                Issue.record("a wallet refund was paid in cash")
                return
            }
            try await store.updateRefund(refund.id, status: "pending", providerID: "DSB-1", now: Date())
            #expect(try await Self.refundsPaid(harness).count == 1)
            try await store.updateRefund(refund.id, status: "succeeded", providerID: "DSB-1", now: Date())
            try await store.updateRefund(refund.id, status: "succeeded", providerID: "DSB-1", now: Date())
            let both = try await Self.refundsPaid(harness)
            #expect(both.map(\.pnr) == ["D6E7F8", "K7M2QX"] && both.map(\.via) == ["cash", "wallet"])
            #expect(both.last?.amount == 40_500)
            // A second payment of a paid booking goes back whole, owed by no booking: nothing to announce.
            let duplicate = try await store.refund(paymentID: wallet.id, reference: "RFD-\(wallet.publicID)-duplicate",
                                                   amount: 4_500, reason: "duplicate", owedPNR: nil, now: Date())
            try await store.updateRefund(duplicate.id, status: "succeeded", providerID: "DSB-2", now: Date())
            #expect(try await Self.refundsPaid(harness).count == 2)
        }
    }

    @Test func eventsPaymentsDoesNotUseOrCannotMatchChangeNothing() async throws {
        try await Self.run { harness in
            _ = try await harness.paid("K7M2QX", amount: 45_000)
            var other = try Self.event(pnr: "K7M2QX", amount: 45_000, paidUnder: ["K7M2QX"])
            other.name = "BookingConfirmed"
            var newer = try Self.event(pnr: "K7M2QX", amount: 45_000, paidUnder: ["K7M2QX"], sequence: 2)
            newer.version = 2
            let unpaid = try Self.event(pnr: "ZZZZZZ", amount: 45_000, paidUnder: ["ZZZZZZ"], sequence: 3)
            let consumer = harness.consumer()
            for event in [other, newer, unpaid] { #expect(try await consumer.apply(event)) }
            let count = try await harness.db.pool.raw("SELECT COUNT(*) AS n FROM refunds")
                .first(decoding: CountRow.self)?.n
            #expect(count == 0)
        }
    }

    struct CountRow: Decodable { let n: Int }
}
