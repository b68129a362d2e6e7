import Foundation
import HummingbirdTesting
import SetragEvents
import SetragKernel
import SetragMQTT
import SetragTesting
import Testing
@testable import Booking

/// The states a traveller sees on either side of paying: held (seats held, no payment started), awaiting_payment
/// (a payment under way, told by payments), held again when it fails, and refunded once payments has paid back what
/// a cancelled booking owed (its `RefundPaid` events, each counted once).
@Suite(.serialized)
struct BookingStateTests {
    struct ListFeed: EventFeed {
        let list: [EventEnvelope]
        func events(after sequence: UInt64, limit: Int) async throws -> [EventEnvelope] {
            Array(list.filter { $0.sequence > sequence }.prefix(limit))
        }
    }

    /// Payments' `RefundPaid`, as it comes over MQTT or in payments' feed.
    static func refundPaid(pnr: String, amount: Int, via: String = "wallet", sequence: UInt64) throws
        -> EventEnvelope
    {
        let payload: [String: Any] = [
            "reference": "RFD-\(pnr)-pay_\(sequence)", "pnr": pnr, "amount": amount, "currency": "XAF", "via": via,
            "paidAt": "2026-11-28T08:00:00Z",
        ]
        let envelope: [String: Any] = [
            "sequence": sequence, "id": UUID().uuidString.lowercased(), "service": "payments", "name": "RefundPaid",
            "version": 1, "occurredAt": "2026-11-28T08:00:00Z",
            "payload": String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self),
        ]
        return try EventEnvelope.decode(from: [UInt8](try JSONSerialization.data(withJSONObject: envelope)))
    }

    static func consumer(_ fixture: BookingFixture, feed: [EventEnvelope] = []) -> EventConsumer {
        // Never connected: the tests apply events and catch up directly.
        let broker = MQTTClient(configuration: MQTTConfiguration(clientID: "booking-test-\(UUID())"),
                                logger: TestEnvironment.logger)
        return fixture.parts.refundsPaid.consumer(broker: broker, feed: ListFeed(list: feed))
    }

    static func step(_ client: any TestClientProtocol, _ pnr: String, _ step: String, payment: String) async throws
        -> JSONAnswer
    {
        try await call(client, .post, "/internal/bookings/\(pnr)/\(step)", json: ["payment": payment])
    }

    @Test func aBookingIsHeldUntilAPaymentStartsAndHeldAgainWhenThatPaymentFails() async throws {
        try await BookingFixture.run(holdSeconds: 600) { fixture, client in
            let trip = try await fixture.express()
            let created = try await BookingLifecycleTests.book(client, fixture, trip: trip)
            let pnr = try #require(created["pnr"] as? String)
            #expect(created["status"] as? String == "held" && created["holdExpiresAt"] as? String != nil)
            #expect(created["amountDue"] as? Int == created["total"] as? Int)

            let paying = try await Self.step(client, pnr, "paying", payment: "pay_one")
            #expect(paying.status == .ok && paying["status"] as? String == "awaiting_payment")
            #expect(paying["holdExpiresAt"] as? String == created["holdExpiresAt"] as? String)
            // The end of another payment changes nothing; the end of this one holds the seats again.
            #expect(try await Self.step(client, pnr, "unpaid", payment: "pay_two")["status"] as? String
                    == "awaiting_payment")
            #expect(try await Self.step(client, pnr, "unpaid", payment: "pay_one")["status"] as? String == "held")
            #expect(try await Self.step(client, pnr, "unpaid", payment: "pay_one")["status"] as? String == "held")
            let list = try await call(client, .get, "/api/v1/bookings", token: try fixture.token("usr_a", .customer))
            #expect(list.objects("bookings").first?["status"] as? String == "held")
            #expect(list.objects("bookings").first?["holdExpiresAt"] as? String != nil)

            // Bad input, and a PNR that does not exist.
            #expect(try await Self.step(client, pnr, "paying", payment: "").status == .unprocessableContent)
            let noBody = try await call(client, .post, "/internal/bookings/\(pnr)/paying", raw: "{")
            #expect(noBody.status.code / 100 == 4)
            #expect(try await Self.step(client, "ZZZZZZ", "paying", payment: "pay_x").status == .notFound)

            // Paid (cash at a counter needs no "paying"): confirmed; a late "paying" changes nothing.
            #expect(try await BookingLifecycleTests.paid(client, pnr)["status"] as? String == "confirmed")
            #expect(try await Self.step(client, pnr, "paying", payment: "pay_three")["status"] as? String
                    == "confirmed")
            #expect(try await Self.step(client, pnr, "unpaid", payment: "pay_three")["status"] as? String
                    == "confirmed")
        }
    }

    @Test func aPaymentStartingAfterTheHoldRanOutFindsTheBookingExpired() async throws {
        try await BookingFixture.run(holdSeconds: 60) { fixture, client in
            let trip = try await fixture.express()
            let pnr = try #require(try await BookingLifecycleTests.book(client, fixture, trip: trip)["pnr"] as? String)
            fixture.clock.advance(seconds: 61)
            // Before the sweeper has passed: payments is told it is expired, and no payment starts.
            let paying = try await Self.step(client, pnr, "paying", payment: "pay_late")
            #expect(paying.status == .ok && paying["status"] as? String == "expired")
            #expect(try await fixture.parts.store.booking(pnr: pnr)?.status == .expired)
        }
    }

    @Test func aCancelledBookingIsRefundedOnceWhatItOwedIsPaidBackAndItsHolderIsTold() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let pnr = try #require(try await BookingLifecycleTests.book(client, fixture, trip: trip)["pnr"] as? String)
            #expect(try await BookingLifecycleTests.paid(client, pnr)["status"] as? String == "confirmed")
            let token = try fixture.token("usr_a", .customer)
            let cancelled = try await call(client, .post, "/api/v1/bookings/\(pnr)/cancel", token: token, key: "c1")
            #expect(cancelled["status"] as? String == "refund_pending")
            let owed = try #require(cancelled["refundAmount"] as? Int)
            #expect(owed > 1_000 && cancelled["refundedAmount"] as? Int == 0)

            // Two payments had paid it: two refunds. The first is not all of it; redelivered, it counts once.
            let first = try Self.refundPaid(pnr: pnr, amount: owed - 1_000, sequence: 1)
            let second = try Self.refundPaid(pnr: pnr, amount: 1_000, via: "cash", sequence: 2)
            let consumer = Self.consumer(fixture, feed: [first, second])
            #expect(try await consumer.apply(first))
            #expect(try await consumer.apply(first) == false)
            let part = try await call(client, .get, "/api/v1/bookings/\(pnr)", token: token)
            #expect(part["status"] as? String == "refund_pending" && part["refundedAmount"] as? Int == owed - 1_000)
            // The rest, from payments' feed (the MQTT message was lost): refunded.
            #expect(try await consumer.catchUp() == 1)
            #expect(try await consumer.catchUp() == 0)
            let done = try await call(client, .get, "/api/v1/bookings/\(pnr)", token: token)
            #expect(done["status"] as? String == "refunded")
            #expect(done["refundAmount"] as? Int == owed && done["refundedAmount"] as? Int == owed)
            let told = done.objects("notices").filter { $0["kind"] as? String == "refund-paid" }
            #expect(told.count == 2)
            let french = told.compactMap { ($0["message"] as? [String: Any])?["fr"] as? String }
            #expect(french.contains { $0.contains("1 000 FCFA") && $0.contains("en espèces") && $0.contains(pnr) })
            let list = try await call(client, .get, "/api/v1/bookings", token: token)
            #expect(list.objects("bookings").first?["status"] as? String == "refunded")
            // A refunded booking is over: it cannot be cancelled again, and a late payment report changes nothing.
            let again = try await call(client, .post, "/api/v1/bookings/\(pnr)/cancel", token: token, key: "c2")
            #expect(again.status == .conflict)
            #expect(try await BookingLifecycleTests.paid(client, pnr)["status"] as? String == "refunded")
        }
    }

    @Test func refundsForUnknownBookingsAndOtherEventsChangeNothing() async throws {
        try await BookingFixture.run { fixture, client in
            var other = try Self.refundPaid(pnr: "K7M2QX", amount: 5_000, sequence: 1)
            other.name = "PaymentSucceeded"
            var newer = try Self.refundPaid(pnr: "K7M2QX", amount: 5_000, sequence: 2)
            newer.version = 2
            let unknown = try Self.refundPaid(pnr: "K7M2QX", amount: 5_000, sequence: 3)
            let consumer = Self.consumer(fixture)
            for event in [other, newer, unknown] { #expect(try await consumer.apply(event)) }
            #expect(try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM booking_notices") == 0)
        }
    }
}
