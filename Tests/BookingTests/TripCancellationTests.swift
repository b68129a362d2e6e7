import Foundation
import HummingbirdTesting
import Inventory
import Logging
import SQLKit
import SetragEvents
import SetragKernel
import SetragMQTT
import SetragMySQL
import SetragTesting
import Testing
@testable import Booking

/// SETRAG cancels a trip in inventory; booking hears of it (live over MQTT, or from inventory's feed) and, once per
/// event: cancels unpaid bookings and releases their seats, offers confirmed ones a free exchange or a full refund,
/// stops their tickets, and tells every holder.
@Suite(.serialized)
struct TripCancellationTests {
    static let reason = "Voie coupée entre Ndjolé et Booué"

    /// Polls `check` until it holds (or `seconds` pass); whether it held.
    static func until(_ seconds: Double = 20, _ check: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await check()
    }

    static func notices(_ fixture: BookingFixture) async throws -> Int {
        try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM booking_notices")
    }

    static func cursorWritten(_ fixture: BookingFixture) async throws -> Bool {
        try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM event_cursor") > 0
    }

    static func feed(_ fixture: BookingFixture) -> HTTPEventFeed {
        HTTPEventFeed(baseURL: fixture.context.endpoints.url("inventory"), client: .shared)
    }

    /// Inventory's side: the trip cancelled, as operations would (its route is tested in InventoryTests).
    static func cancelInInventory(_ fixture: BookingFixture, trip: Int) async throws {
        let store = InventoryModule.parts(database: fixture.inventoryDB.pool).store
        let done = try await store.cancel(trip: trip, reason: reason, requestID: nil, now: Date())
        #expect(done?.changed == true)
    }

    static func relay(_ fixture: BookingFixture, _ broker: MQTTClient) -> OutboxRelay {
        OutboxRelay(service: "inventory", database: fixture.inventoryDB.pool, broker: broker,
                    logger: TestEnvironment.logger)
    }

    static func mqtt(_ broker: TestBroker, _ id: String) async throws -> MQTTClient {
        let client = MQTTClient(configuration: broker.configuration(clientID: id), logger: TestEnvironment.logger)
        try await client.connect()
        return client
    }

    static func booking(_ client: any TestClientProtocol, _ fixture: BookingFixture, _ pnr: String) async throws
        -> JSONAnswer
    {
        let answer = try await call(client, .get, "/api/v1/bookings/\(pnr)",
                                    token: try fixture.token("usr_a", .customer))
        #expect(answer.status == .ok, "\(answer.text)")
        return answer
    }

    @Test func aCancelledTripReachesBookingOverMQTTAndIsAppliedOnce() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let free = try await freeSeats(fixture: fixture, trip: trip)
            let unpaid = try #require(
                try await BookingLifecycleTests.book(client, fixture, trip: trip)["pnr"] as? String)
            let paid = try await TicketTests.confirmed(client, fixture, trip: trip)
            let qrs = try await TicketTests.qrs(client, fixture, pnr: paid)
            try #require(qrs.count == 2)
            let before = try await TicketTests.verify(client, fixture, qrs[0], trip: trip)
            #expect(before["reason"] as? String == "not-yet-valid")
            let unpaidHold = try #require(try await fixture.parts.store.booking(pnr: unpaid)).holdID
            let paidBooking = try #require(try await fixture.parts.store.booking(pnr: paid))

            let broker = try TestBroker(persistence: false)
            try await broker.start()
            defer { broker.kill() }
            let producer = try await Self.mqtt(broker, "inventory-relay")
            let listener = try await Self.mqtt(broker, "booking-consumer")
            var options = EventConsumer.Options()
            options.catchUpInterval = .seconds(3600)  // the live path only
            let consumer = fixture.parts.tripCancellations.consumer(broker: listener, feed: Self.feed(fixture),
                                                                    options: options)
            let running = Task { try await consumer.run() }
            // Subscribed once the first catch-up (nothing yet) has written its cursor.
            #expect(try await Self.until { try await Self.cursorWritten(fixture) })

            try await Self.cancelInInventory(fixture, trip: trip)
            #expect(try await Self.relay(fixture, producer).relayOnce() == 1)
            #expect(try await Self.until { try await fixture.parts.store.booking(pnr: unpaid)?.status == .cancelled })

            // The unpaid booking: cancelled, nothing owed, told so; its seats are released after the transaction.
            let cancelled = try await Self.booking(client, fixture, unpaid)
            #expect(cancelled["status"] as? String == "cancelled")
            #expect(cancelled["refundAmount"] as? Int == 0)
            let gone = try #require(cancelled["operatorCancellation"] as? [String: Any])
            #expect(gone["reason"] as? String == Self.reason && gone["options"] as? [String] == [])
            let unpaidNotice = try #require(cancelled.objects("notices").first)
            #expect(unpaidNotice["kind"] as? String == "trip-cancelled")
            let unpaidText = try #require(unpaidNotice["message"] as? [String: String])
            #expect(unpaidText["fr"]?.contains(unpaid) == true && unpaidText["fr"]?.contains("annulé") == true)
            #expect(unpaidText["en"]?.contains("you pay nothing") == true)
            #expect(try await fixture.hold(unpaidHold)?.status == "held")
            let sweeper = BookingExpirySweeper(bookings: fixture.parts.bookings, idempotency: fixture.parts.idempotency,
                                               interval: .seconds(1), logger: fixture.context.logger,
                                               tripCancellations: fixture.parts.tripCancellations)
            await sweeper.sweep(now: fixture.clock.now())
            #expect(try await fixture.hold(unpaidHold)?.status == "released")
            #expect(try await fixture.parts.tripCancellations.releaseDueHolds() == 0)

            // The confirmed booking keeps its status and seats, with SETRAG's offer and a notice.
            let offered = try await Self.booking(client, fixture, paid)
            #expect(offered["status"] as? String == "confirmed")
            let offer = try #require(offered["operatorCancellation"] as? [String: Any])
            #expect(offer["reason"] as? String == Self.reason)
            #expect(offer["options"] as? [String] == ["refund", "exchange"])
            #expect((offer["at"] as? String)?.hasSuffix("+01:00") == true)
            let notices = offered.objects("notices")
            #expect(notices.count == 1 && notices.first?["kind"] as? String == "trip-cancelled")
            let text = try #require(notices.first?["message"] as? [String: String])
            #expect(text["fr"]?.contains("remboursement intégral") == true)
            #expect(text["en"]?.contains("free exchange or a full refund") == true)
            #expect(text["en"]?.contains(paid) == true)
            #expect(try await fixture.hold(paidBooking.holdID)?.status == "confirmed")
            // The holder's list says so too, without reading each booking.
            let list = try await call(client, .get, "/api/v1/bookings", token: try fixture.token("usr_a", .customer))
            let listed = list.objects("bookings")
            let paidListed = try #require(listed.first { $0["pnr"] as? String == paid })
            let listedOffer = try #require(paidListed["operatorCancellation"] as? [String: Any])
            #expect(listedOffer["options"] as? [String] == ["refund", "exchange"])
            #expect((listed.first { $0["pnr"] as? String == unpaid }?["operatorCancellation"] as? [String: Any])?["options"]
                        as? [String] == [])

            // The same event again, over MQTT and by hand: no second effect.
            _ = try await fixture.inventoryDB.pool.exec(SQLRaw("UPDATE event_outbox SET published_at = NULL"))
            #expect(try await Self.relay(fixture, producer).relayOnce() == 1)
            let events = try await Outbox.events(after: 0, limit: 10, service: "inventory",
                                                 on: fixture.inventoryDB.pool)
            #expect(try await consumer.apply(try #require(events.first)) == false)
            try await Task.sleep(for: .seconds(1))
            #expect(try await Self.notices(fixture) == 2)

            // Its tickets are no good for travel any more.
            for qr in qrs {
                let scan = try await TicketTests.verify(client, fixture, qr, trip: trip)
                #expect(scan.status == .ok)
                #expect(scan["valid"] as? Bool == false && scan["reason"] as? String == "trip-cancelled")
            }

            // Cancelling it refunds everything, though the train leaves in more than 24 h (a customer pays 10 %).
            let refunded = try await call(client, .post, "/api/v1/bookings/\(paid)/cancel",
                                          token: try fixture.token("usr_a", .customer), key: "cancel-\(paid)")
            #expect(refunded.status == .ok, "\(refunded.text)")
            #expect(refunded["status"] as? String == "refund_pending")
            #expect(refunded["refundAmount"] as? Int == paidBooking.total)
            #expect((refunded["operatorCancellation"] as? [String: Any])?["options"] as? [String] == [])
            #expect(try await fixture.hold(paidBooking.holdID)?.status == "released")
            #expect(try await freeSeats(fixture: fixture, trip: trip) == free)
            let after = try await TicketTests.verify(client, fixture, qrs[0], trip: trip)
            #expect(after["reason"] as? String == "trip-cancelled")

            running.cancel()
            _ = try? await running.value
            await listener.disconnect()
            await producer.disconnect()
        }
    }

    /// Booking was not listening when inventory published: it catches up from inventory's feed when it starts.
    @Test func aConsumerStartedLaterCatchesUpFromInventorysFeed() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let unpaid = try #require(
                try await BookingLifecycleTests.book(client, fixture, trip: trip)["pnr"] as? String)
            let paid = try await TicketTests.confirmed(client, fixture, trip: trip)

            let broker = try TestBroker(persistence: false)
            try await broker.start()
            defer { broker.kill() }
            let producer = try await Self.mqtt(broker, "inventory-relay")
            try await Self.cancelInInventory(fixture, trip: trip)
            // Published to nobody: the broker drops it.
            #expect(try await Self.relay(fixture, producer).relayOnce() == 1)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await fixture.parts.store.booking(pnr: unpaid)?.status == .held)
            #expect(try await Self.notices(fixture) == 0)

            let listener = try await Self.mqtt(broker, "booking-consumer")
            var options = EventConsumer.Options()
            options.cursorLag = 0
            let consumer = fixture.parts.tripCancellations.consumer(broker: listener, feed: Self.feed(fixture),
                                                                    options: options)
            let running = Task { try await consumer.run() }
            #expect(try await Self.until { try await fixture.parts.store.booking(pnr: unpaid)?.status == .cancelled })
            #expect(try await Self.until { try await Self.cursorWritten(fixture) })
            let offered = try #require(try await fixture.parts.store.booking(pnr: paid))
            #expect(offered.status == .confirmed && offered.operatorCancellation?.reason == Self.reason)
            #expect(try await Self.notices(fixture) == 2)
            // Catching up again finds nothing new.
            #expect(try await consumer.catchUp() == 0)
            #expect(try await Self.notices(fixture) == 2)

            running.cancel()
            _ = try? await running.value
            await listener.disconnect()
            await producer.disconnect()
        }
    }

    /// The same event delivered twice at once has one effect; the fee rule reads booking's own record of the
    /// cancellation (inventory still says the trip runs here).
    @Test func theSameEventTwiceAtOnceHasOneEffectAndTheStoredFlagWaivesTheFee() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let paid = try await TicketTests.confirmed(client, fixture, trip: trip)
            let other = try await fixture.tripID(train: 211, date: fixture.next(2, afterDays: 9))
            let untouched = try await TicketTests.confirmed(client, fixture, trip: other)
            let total = try #require(try await fixture.parts.store.booking(pnr: paid)).total

            let event = TripCancelledEvent(tripId: trip, trainNumber: 211, serviceDate: "2026-12-01",
                                           reason: Self.reason, cancelledAt: Date(timeIntervalSince1970: 1_790_000_000))
            let payload = String(decoding: try JSONEncoder.iso8601.encode(event), as: UTF8.self)
            let envelope = try EventEnvelope.decode(from: [UInt8](try JSONSerialization.data(withJSONObject: [
                "sequence": 1, "id": UUID().uuidString.lowercased(), "service": "inventory", "name": "TripCancelled",
                "version": 1, "occurredAt": "2026-11-20T08:00:00Z", "payload": payload,
            ] as [String: Any])))
            let idle = MQTTClient(configuration: MQTTConfiguration(clientID: "unused", port: 1),
                                  logger: TestEnvironment.logger)
            let consumer = fixture.parts.tripCancellations.consumer(broker: idle, feed: Self.feed(fixture))
            let effects = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 { group.addTask { try await consumer.apply(envelope) } }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(effects.filter { $0 }.count == 1)
            #expect(try await Self.notices(fixture) == 1)
            #expect(try await fixture.parts.store.booking(pnr: untouched)?.operatorCancellation == nil)
            // An event of another name or version is claimed and ignored.
            var unknown = envelope
            unknown.id = UUID().uuidString.lowercased()
            unknown.version = 2
            #expect(try await consumer.apply(unknown) == true)
            #expect(try await Self.notices(fixture) == 1)

            let refunded = try await call(client, .post, "/api/v1/bookings/\(paid)/cancel",
                                          token: try fixture.token("usr_a", .customer), key: "cancel-\(paid)")
            #expect(refunded["status"] as? String == "refund_pending")
            #expect(refunded["refundAmount"] as? Int == total)
        }
    }
}

extension JSONEncoder {
    static var iso8601: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
