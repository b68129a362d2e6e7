import Foundation
import Hummingbird
import HummingbirdTesting
import Inventory
import SQLKit
import SetragKernel
import SetragMySQL
import SetragTesting
import Testing
@testable import Booking

/// What happens to a booking after it is made: cancelled, paid (on time or late), expired.
@Suite(.serialized)
struct BookingLifecycleTests {
    static func book(_ client: any TestClientProtocol, _ fixture: BookingFixture, trip: Int, owner: String = "usr_a",
                     key: String = UUID().uuidString, passengers: [[String: Any]]? = nil) async throws -> JSONAnswer {
        let answer = try await call(client, .post, "/api/v1/bookings", token: try fixture.token(owner, .customer),
                                    key: key, json: bookingBody(trip: trip, passengers: passengers))
        #expect(answer.status == .created, "\(answer.text)")
        return answer
    }

    static func paid(_ client: any TestClientProtocol, _ pnr: String) async throws -> JSONAnswer {
        try await call(client, .post, "/internal/bookings/\(pnr)/paid")
    }

    static func sweeper(_ fixture: BookingFixture) -> BookingExpirySweeper {
        BookingExpirySweeper(bookings: fixture.parts.bookings, idempotency: fixture.parts.idempotency,
                             interval: .seconds(1), logger: fixture.context.logger)
    }

    struct LegRow: Decodable {
        let hold_id: Int?
        let hold_expires_at: Date?
    }

    /// A store whose inserts fail (the database went away between the hold and the booking).
    struct FailingInsertStore: BookingStore {
        struct Failure: Error {}
        let base: any BookingStore
        func fareBook() async throws -> FareBook? { try await base.fareBook() }
        func save(_ fares: FareBook) async throws -> Int { try await base.save(fares) }
        func pnrExists(_ pnr: String) async throws -> Bool { try await base.pnrExists(pnr) }
        func insert(_ booking: BookingRecord, idempotencyUse: Data?) async throws { throw Failure() }
        func booking(pnr: String) async throws -> BookingRecord? { try await base.booking(pnr: pnr) }
        func booking(idempotencyUse: Data) async throws -> BookingRecord? {
            try await base.booking(idempotencyUse: idempotencyUse)
        }
        func bookings(owner: String, limit: Int) async throws -> [BookingSummary] {
            try await base.bookings(owner: owner, limit: limit)
        }
        func transition(pnr: String, from: Set<BookingStatus>, _ change: StatusChange, now: Date) async throws
            -> Bool
        {
            try await base.transition(pnr: pnr, from: from, change, now: now)
        }
        func confirm(pnr: String, from: Set<BookingStatus>, _ change: StatusChange, tickets: [IssuedTicket],
                     now: Date) async throws -> Bool {
            try await base.confirm(pnr: pnr, from: from, change, tickets: tickets, now: now)
        }
        func expireUnpaid(now: Date, limit: Int) async throws -> Int {
            try await base.expireUnpaid(now: now, limit: limit)
        }
        func paymentStarted(pnr: String, payment: String, now: Date) async throws -> Bool {
            try await base.paymentStarted(pnr: pnr, payment: payment, now: now)
        }
        func paymentEnded(pnr: String, payment: String, now: Date) async throws -> Bool {
            try await base.paymentEnded(pnr: pnr, payment: payment, now: now)
        }
        func cancelPaid(pnr: String, _ change: StatusChange, refund: BookingRefundDue?, now: Date) async throws
            -> Bool
        {
            try await base.cancelPaid(pnr: pnr, change, refund: refund, now: now)
        }
        func completeExchange(_ booking: BookingRecord, tickets: [IssuedTicket], idempotencyUse: Data?,
                              refund: BookingRefundDue?, now: Date) async throws -> Bool {
            throw Failure()
        }
        func confirmExchange(pnr: String, from: Set<BookingStatus>, _ change: StatusChange,
                             tickets: [IssuedTicket], old: String, now: Date) async throws -> ExchangeConfirmation {
            throw Failure()
        }
        func paidUnder(pnr: String) async throws -> [String] { try await base.paidUnder(pnr: pnr) }
        func releaseDone(pnr: String) async throws { try await base.releaseDone(pnr: pnr) }
    }

    @Test func whenStoringFailsAfterTheHoldTheHoldIsReleased() async throws {
        try await BookingFixture.run { fixture, _ in
            let trip = try await fixture.express()
            let free = try await freeSeats(fixture: fixture, trip: trip)
            let service = BookingService(store: FailingInsertStore(base: fixture.parts.store),
                                         inventory: fixture.parts.inventory, tickets: fixture.parts.tickets.issuer,
                                         logger: fixture.context.logger)
            let request = try JSONDecoder().decode(
                BookingRequest.self, from: JSONSerialization.data(withJSONObject: bookingBody(trip: trip)))
            let caller = Principal(subject: "usr_a", kind: .user, clientID: "web", roles: [.customer], scopes: [],
                                   tokenID: "t")
            await #expect(throws: FailingInsertStore.Failure.self) {
                try await service.create(request, caller: caller, idempotencyUse: nil, now: fixture.clock.now())
            }
            #expect(try await fixture.holdsInInventory() == 1)
            #expect(try await fixture.heldHolds() == 0)
            #expect(try await freeSeats(fixture: fixture, trip: trip) == free)
            #expect(try await fixture.bookingsStored() == 0)
        }
    }

    @Test func cancellingBeforePaymentReleasesTheSeats() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let free = try await freeSeats(fixture: fixture, trip: trip)
            let booking = try await Self.book(client, fixture, trip: trip)
            let pnr = try #require(booking["pnr"] as? String)
            #expect(try await freeSeats(fixture: fixture, trip: trip) != free)

            let token = try fixture.token("usr_a", .customer)
            let cancelled = try await call(client, .post, "/api/v1/bookings/\(pnr)/cancel", token: token, key: "c1")
            #expect(cancelled.status == .ok)
            #expect(cancelled["status"] as? String == "cancelled")
            #expect(cancelled["refundAmount"] as? Int == 0)
            #expect((cancelled["cancelledAt"] as? String)?.hasSuffix("+01:00") == true)
            #expect(cancelled["holdExpiresAt"] == nil)
            // The seat map shows them free again; inventory's hold is released.
            #expect(try await freeSeats(fixture: fixture, trip: trip) == free)
            let holdID = try #require(try await fixture.parts.store.booking(pnr: pnr)).holdID
            #expect(try await fixture.hold(holdID)?.status == "released")
            // The same request again: the same answer. Another cancellation: 409.
            let replay = try await call(client, .post, "/api/v1/bookings/\(pnr)/cancel", token: token, key: "c1")
            #expect(replay.status == .ok && replay.headers[IdempotencyKeys.replayedHeader] == "true")
            let again = try await call(client, .post, "/api/v1/bookings/\(pnr)/cancel", token: token, key: "c2")
            #expect(again.status == .conflict && again.problemType == "booking-state")
            let missingKey = try await call(client, .post, "/api/v1/bookings/\(pnr)/cancel", token: token)
            #expect(missingKey.status == .badRequest)
            // A payment arriving for it now is owed back in full.
            let late = try await Self.paid(client, pnr)
            #expect(late["status"] as? String == "refund_due")
            #expect(late["refundAmount"] as? Int == 45_000)
            #expect(try await fixture.hold(holdID)?.status == "released")
        }
    }

    @Test func aPaymentConfirmsTheBookingAndSellsTheSeatsThenACancellationRefundsWithTheFee() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let free = try await freeSeats(fixture: fixture, trip: trip)
            let booking = try await Self.book(client, fixture, trip: trip)
            let pnr = try #require(booking["pnr"] as? String)
            let holdID = try #require(try await fixture.parts.store.booking(pnr: pnr)).holdID

            let paid = try await Self.paid(client, pnr)
            #expect(paid.status == .ok)
            #expect(paid["status"] as? String == "confirmed")
            #expect(paid["paidAt"] as? String != nil && paid["holdExpiresAt"] == nil)
            #expect(try await fixture.hold(holdID)?.status == "confirmed")
            // Every leg of both seats is sold: held by the hold, with no expiry.
            for seat in seats(paid) {
                let legs = try await fixture.inventoryDB.pool.raw("""
                    SELECT hold_id, hold_expires_at FROM seat_legs WHERE trip_id = \(bind: trip)
                        AND coach_position = \(bind: seat.coach) AND seat_number = \(bind: seat.seat)
                    """).all(decoding: LegRow.self)
                #expect(legs.count == 23 && legs.allSatisfy { $0.hold_id == holdID && $0.hold_expires_at == nil })
            }
            // Told twice: nothing changes.
            let twice = try await Self.paid(client, pnr)
            #expect(twice["status"] as? String == "confirmed")
            #expect(twice["paidAt"] as? String == paid["paidAt"] as? String)
            #expect(try await call(client, .post, "/internal/bookings/ZZZZZZ/paid").status == .notFound)
            // The expiry job leaves it alone, even after the hold's time.
            fixture.clock.advance(seconds: 3600)
            await Self.sweeper(fixture).sweep(now: fixture.clock.now())
            #expect(try await fixture.parts.store.booking(pnr: pnr)?.status == .confirmed)

            // More than 24 h before departure: refund minus 10 %; the seats are on sale again.
            let cancelled = try await call(client, .post, "/api/v1/bookings/\(pnr)/cancel",
                                           token: try fixture.token("usr_a", .customer), key: "cancel")
            #expect(cancelled.status == .ok)
            #expect(cancelled["status"] as? String == "refund_pending")
            #expect(cancelled["refundAmount"] as? Int == 40_500)
            #expect(try await fixture.hold(holdID)?.status == "released")
            #expect(try await freeSeats(fixture: fixture, trip: trip) == free)
        }
    }

    @Test func lateCancellationsCostMoreAndNoneIsPossibleAfterDeparture() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let departure = try #require(try await fixture.parts.inventory.seatMap(tripID: trip, from: "OWE", to: "FCV")
                .from.departure.flatMap { try? Date($0, strategy: .iso8601) })
            let agent = try fixture.token("usr_agent", .agent)
            let first = try #require(try await Self.book(client, fixture, trip: trip)["pnr"] as? String)
            let second = try #require(try await Self.book(client, fixture, trip: trip)["pnr"] as? String)
            let unpaid = try #require(try await Self.book(client, fixture, trip: trip)["pnr"] as? String)
            _ = try await Self.paid(client, first)
            _ = try await Self.paid(client, second)

            // 2 hours before departure: minus 20 %. A counter agent may cancel for the customer.
            fixture.clock.advance(seconds: departure.timeIntervalSince(fixture.clock.now()) - 7200)
            let late = try await call(client, .post, "/api/v1/bookings/\(first)/cancel", token: agent, key: "late")
            #expect(late["status"] as? String == "refund_pending")
            #expect(late["refundAmount"] as? Int == 36_000)

            // After departure: 409, paid or not; nothing changes.
            fixture.clock.advance(seconds: 7200 + 60)
            for pnr in [second, unpaid] {
                let refused = try await call(client, .post, "/api/v1/bookings/\(pnr)/cancel",
                                             token: try fixture.token("usr_a", .customer), key: "after-\(pnr)")
                #expect(refused.status == .conflict && refused.problemType == "trip-departed")
            }
            #expect(try await fixture.parts.store.booking(pnr: second)?.status == .confirmed)
        }
    }

    @Test func whenSETRAGCancelsTheTripEverythingIsRefunded() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let pnr = try #require(try await Self.book(client, fixture, trip: trip)["pnr"] as? String)
            _ = try await Self.paid(client, pnr)
            _ = try await fixture.inventoryDB.pool.exec(SQLQueryString(
                "UPDATE trips SET status = 'cancelled' WHERE id = \(bind: trip)"))
            let departure = try #require(try await fixture.parts.store.booking(pnr: pnr)).journey.departure
            fixture.clock.advance(seconds: departure.timeIntervalSince(fixture.clock.now()) + 3600)
            let cancelled = try await call(client, .post, "/api/v1/bookings/\(pnr)/cancel",
                                           token: try fixture.token("usr_a", .customer), key: "setrag")
            #expect(cancelled.status == .ok)
            #expect(cancelled["status"] as? String == "refund_pending")
            #expect(cancelled["refundAmount"] as? Int == 45_000)
        }
    }

    @Test func aLatePaymentTakesTheSeatsAgainIfFreeElseTheMoneyIsOwedBack() async throws {
        try await BookingFixture.run(holdSeconds: 60) { fixture, client in
            let trip = try await fixture.express()
            let seatA: [String: Any] = ["coach": 8, "seat": 1]
            let seatB: [String: Any] = ["coach": 8, "seat": 2]
            let a = try await Self.book(client, fixture, trip: trip, owner: "usr_a", passengers: [
                ["type": "adult", "name": "Awa", "idNumber": "A1234", "seat": seatA],
            ])
            let b = try await Self.book(client, fixture, trip: trip, owner: "usr_b", passengers: [
                ["type": "adult", "name": "Béa", "idNumber": "B1234", "seat": seatB],
            ])
            let expiry = try Date(try #require(a["holdExpiresAt"] as? String), strategy: .iso8601)
            #expect(expiry.timeIntervalSince(fixture.clock.now()) <= 60)
            let pnrA = try #require(a["pnr"] as? String), pnrB = try #require(b["pnr"] as? String)

            // Both holds run out; someone else takes A's seat.
            fixture.clock.advance(seconds: 61)
            let c = try await Self.book(client, fixture, trip: trip, owner: "usr_c", passengers: [
                ["type": "adult", "name": "Cyr", "idNumber": "C1234", "seat": seatA],
            ])
            #expect(seats(c) == [SeatRef(coach: 8, seat: 1)])

            // A pays too late: the seat is sold, the money is owed back in full.
            let paidA = try await Self.paid(client, pnrA)
            #expect(paidA.status == .ok)
            #expect(paidA["status"] as? String == "refund_due")
            #expect(paidA["refundAmount"] as? Int == 30_000)
            // B pays too late too, but the seat is still free: inventory takes it again and sells it.
            let paidB = try await Self.paid(client, pnrB)
            #expect(paidB["status"] as? String == "confirmed")
            let holdB = try #require(try await fixture.parts.store.booking(pnr: pnrB)).holdID
            #expect(try await fixture.hold(holdB)?.status == "confirmed")
            // A refund_due booking cannot be cancelled again.
            let cancel = try await call(client, .post, "/api/v1/bookings/\(pnrA)/cancel",
                                        token: try fixture.token("usr_a", .customer), key: "x")
            #expect(cancel.status == .conflict && cancel.problemType == "booking-state")
        }
    }

    @Test func theExpiryJobMarksUnpaidBookingsWhoseHoldRanOut() async throws {
        try await BookingFixture.run(holdSeconds: 60) { fixture, client in
            let trip = try await fixture.express()
            let old = try #require(try await Self.book(client, fixture, trip: trip)["pnr"] as? String)
            let paid = try #require(try await Self.book(client, fixture, trip: trip)["pnr"] as? String)
            _ = try await Self.paid(client, paid)
            fixture.clock.advance(seconds: 45)
            let fresh = try #require(try await Self.book(client, fixture, trip: trip)["pnr"] as? String)
            fixture.clock.advance(seconds: 20)

            let sweeper = Self.sweeper(fixture)
            await sweeper.sweep(now: fixture.clock.now())
            let store = fixture.parts.store
            #expect(try await store.booking(pnr: old)?.status == .expired)
            #expect(try await store.booking(pnr: paid)?.status == .confirmed)
            #expect(try await store.booking(pnr: fresh)?.status == .held)
            let shown = try await call(client, .get, "/api/v1/bookings/\(old)",
                                       token: try fixture.token("usr_a", .customer))
            #expect(shown["status"] as? String == "expired" && shown["holdExpiresAt"] as? String != nil)
            // An expired booking cannot be cancelled; its list entry says expired.
            let cancel = try await call(client, .post, "/api/v1/bookings/\(old)/cancel",
                                        token: try fixture.token("usr_a", .customer), key: "x")
            #expect(cancel.status == .conflict)
            let list = try await call(client, .get, "/api/v1/bookings", token: try fixture.token("usr_a", .customer))
            #expect(list.objects("bookings").map { $0["status"] as? String }
                == ["held", "confirmed", "expired"])

            // Idempotency keys are forgotten after 24 h: the same key then makes a new booking.
            let body = bookingBody(trip: trip)
            let token = try fixture.token("usr_a", .customer)
            let first = try await call(client, .post, "/api/v1/bookings", token: token, key: "day-key", json: body)
            fixture.clock.advance(seconds: 86_400 + 1)
            await sweeper.sweep(now: fixture.clock.now())
            #expect(try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM idempotency_keys") == 0)
            let later = try await call(client, .post, "/api/v1/bookings", token: token, key: "day-key", json: body)
            #expect(later.status == .created && later["pnr"] as? String != first["pnr"] as? String)
        }
    }
}
