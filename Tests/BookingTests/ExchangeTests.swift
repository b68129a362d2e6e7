import Foundation
import HummingbirdTesting
import Inventory
import SQLKit
import SetragKernel
import SetragTesting
import Synchronization
import Testing
@testable import Booking

/// Exchanging a confirmed booking for another trip or class of the same journey, against the real MariaDB and a real
/// inventory: the new seats are held before the old ones are released, a failure leaves everything as it was, the
/// fee follows the rules, and the Idempotency-Key gives one exchange.
@Suite(.serialized)
struct ExchangeTests {
    /// Express 513 (Owendo → Franceville, Fridays 18:00), the first one after `fixture.express()`'s Tuesday.
    static func friday(_ fixture: BookingFixture) async throws -> Int {
        try await fixture.tripID(train: 513, date: fixture.next(2, afterDays: 2).adding(days: 3))
    }

    static func exchange(_ client: any TestClientProtocol, _ fixture: BookingFixture, _ pnr: String, trip: Int,
                         travelClass: String? = nil, seats: [SeatRef]? = nil, owner: String = "usr_a",
                         key: String = UUID().uuidString) async throws -> JSONAnswer {
        var body: [String: Any] = ["tripId": trip]
        if let travelClass { body["class"] = travelClass }
        if let seats { body["seats"] = seats.map { ["coach": $0.coach, "seat": $0.seat] } }
        return try await call(client, .post, "/api/v1/bookings/\(pnr)/exchange",
                              token: try fixture.token(owner, .customer), key: key, json: body)
    }

    static func booking(_ fixture: BookingFixture, _ pnr: String) async throws -> BookingRecord {
        try #require(try await fixture.parts.store.booking(pnr: pnr))
    }

    struct OutboxRow: Decodable {
        let name: String
        let payload: String
    }

    static func refundsDue(_ fixture: BookingFixture) async throws -> [BookingRefundDue] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try await fixture.bookingDB.pool.raw("SELECT name, payload FROM event_outbox ORDER BY sequence")
            .all(decoding: OutboxRow.self).filter { $0.name == BookingRefundDue.name }
            .map { try decoder.decode(BookingRefundDue.self, from: Data($0.payload.utf8)) }
    }

    static func verifyReason(_ client: any TestClientProtocol, _ fixture: BookingFixture, pnr: String,
                             qrs: [String]) async throws -> [String] {
        var reasons: [String] = []
        for qr in qrs {
            let answer = try await TicketTests.verify(client, fixture, qr)
            reasons.append(answer["valid"] as? Bool == true ? "valid" : answer["reason"] as? String ?? "?")
        }
        return reasons
    }

    // MARK: the two ways an exchange ends

    @Test func aDearerExchangeWaitsForTheDifferenceAndTheOldBookingStaysGoodUntilItIsPaid() async throws {
        try await BookingFixture.run { fixture, client in
            let tuesday = try await fixture.express()
            let friday = try await Self.friday(fixture)
            let old = try await TicketTests.confirmed(client, fixture, trip: tuesday)  // adult + child, second class
            let oldQRs = try await TicketTests.qrs(client, fixture, pnr: old)
            let oldBooking = try await Self.booking(fixture, old)
            let fridayFree = try await freeSeats(fixture: fixture, trip: friday)

            // What it would cost, first (nothing held).
            let quote = try await call(client, .get, "/api/v1/bookings/\(old)/exchange?tripId=\(friday)&class=first",
                                       token: try fixture.token("usr_a", .customer))
            #expect(quote.status == .ok, "\(quote.text)")
            let fares = try await fixture.parts.bookings.fares()
            let newTotal = try #require(fares.fare("first", passengerType: "adult", metres: oldBooking.distanceMetres))
                + (try #require(fares.fare("first", passengerType: "child", metres: oldBooking.distanceMetres)))
            #expect(quote["total"] as? Int == newTotal)
            #expect(quote["credit"] as? Int == oldBooking.total)
            #expect(quote["fee"] as? Int == 0, "more than 24 hours before departure: free")
            #expect(quote["amountDue"] as? Int == newTotal - oldBooking.total)
            #expect(try await freeSeats(fixture: fixture, trip: friday) == fridayFree)

            let made = try await Self.exchange(client, fixture, old, trip: friday, travelClass: "first")
            #expect(made.status == .created, "\(made.text)")
            let new = try #require(made["pnr"] as? String)
            #expect(new != old)
            #expect(made["status"] as? String == "held")
            #expect(made["amountDue"] as? Int == newTotal - oldBooking.total)
            #expect(made["total"] as? Int == newTotal)
            #expect((made["exchange"] as? [String: Any])?["of"] as? String == old)
            // The new seats are held; the old booking is still confirmed, its seats still sold, its tickets good.
            #expect(try await freeSeats(fixture: fixture, trip: friday).count == fridayFree.count - 2)
            #expect(try await Self.booking(fixture, old).status == .confirmed)
            #expect(try await fixture.hold(oldBooking.holdID)?.status == "confirmed")
            #expect(try await Self.verifyReason(client, fixture, pnr: old, qrs: oldQRs) == ["not-yet-valid",
                                                                                             "not-yet-valid"])

            // The difference is paid: the new booking is confirmed with its tickets, the old one exchanged.
            let paid = try await BookingLifecycleTests.paid(client, new)
            #expect(paid["status"] as? String == "confirmed", "\(paid.text)")
            let retired = try await Self.booking(fixture, old)
            #expect(retired.status == .exchanged && retired.exchangedTo == new)
            #expect(try await fixture.hold(oldBooking.holdID)?.status == "released")
            #expect(try await Self.verifyReason(client, fixture, pnr: old, qrs: oldQRs) == ["exchanged", "exchanged"])
            let newQRs = try await TicketTests.qrs(client, fixture, pnr: new)
            #expect(newQRs.count == 2)
            #expect(try await Self.verifyReason(client, fixture, pnr: new, qrs: newQRs) == ["not-yet-valid",
                                                                                             "not-yet-valid"])
            let shown = try await call(client, .get, "/api/v1/bookings/\(old)",
                                       token: try fixture.token("usr_a", .customer))
            #expect(shown["status"] as? String == "exchanged" && shown["exchangedTo"] as? String == new)
            // Nothing was owed back.
            #expect(try await Self.refundsDue(fixture).isEmpty)
            // An exchanged booking can be neither exchanged nor cancelled again.
            let again = try await Self.exchange(client, fixture, old, trip: friday, travelClass: "vip")
            #expect(again.status == .conflict && again.isProblem, "\(again.text)")
            let cancel = try await call(client, .post, "/api/v1/bookings/\(old)/cancel",
                                        token: try fixture.token("usr_a", .customer), key: UUID().uuidString)
            #expect(cancel.status == .conflict, "\(cancel.text)")
        }
    }

    @Test func aCheaperExchangeCompletesAtOnceAndOwesTheRestBackThroughTheOutbox() async throws {
        try await BookingFixture.run { fixture, client in
            let tuesday = try await fixture.express()
            let friday = try await Self.friday(fixture)
            let old = try await TicketTests.confirmed(client, fixture, trip: tuesday, travelClass: "first")
            let oldBooking = try await Self.booking(fixture, old)
            let oldQRs = try await TicketTests.qrs(client, fixture, pnr: old)

            let made = try await Self.exchange(client, fixture, old, trip: friday, travelClass: "second")
            #expect(made.status == .created, "\(made.text)")
            let new = try #require(made["pnr"] as? String)
            #expect(made["status"] as? String == "confirmed")
            let newTotal = try #require(made["total"] as? Int)
            let terms = try #require(made["exchange"] as? [String: Any])
            #expect(terms["amountDue"] as? Int == 0 && terms["refund"] as? Int == oldBooking.total - newTotal)

            #expect(try await Self.booking(fixture, old).status == .exchanged)
            #expect(try await fixture.hold(oldBooking.holdID)?.status == "released")
            #expect(try await Self.verifyReason(client, fixture, pnr: old, qrs: oldQRs) == ["exchanged", "exchanged"])
            #expect(try await TicketTests.qrs(client, fixture, pnr: new).count == 2)
            let refunds = try await Self.refundsDue(fixture)
            #expect(refunds.count == 1)
            #expect(refunds.first?.pnr == old && refunds.first?.amount == oldBooking.total - newTotal)
            #expect(refunds.first?.reason == "exchange" && refunds.first?.paidUnder == [old])
            // Booking's catch-up feed serves it to payments.
            let feed = try await call(client, .get, "/internal/events?after=0")
            #expect(feed.objects("events").compactMap { $0["name"] as? String } == [BookingRefundDue.name])

            // Cancelling the new booking later refunds from what was paid under the old one.
            let cancelled = try await call(client, .post, "/api/v1/bookings/\(new)/cancel",
                                           token: try fixture.token("usr_a", .customer), key: UUID().uuidString)
            #expect(cancelled["status"] as? String == "refund_pending", "\(cancelled.text)")
            let second = try await Self.refundsDue(fixture)
            #expect(second.count == 2)
            #expect(second.last?.pnr == new && second.last?.paidUnder == [old])
            #expect(second.last?.amount == cancelled["refundAmount"] as? Int)
            #expect(second.last?.reason == "cancellation")
        }
    }

    // MARK: fees

    @Test func within24HoursTheCustomerPays10PercentAndNothingWhenSETRAGCancelledTheTrip() async throws {
        try await BookingFixture.run { fixture, client in
            let tuesday = try await fixture.express()
            let friday = try await Self.friday(fixture)
            let first = try await TicketTests.confirmed(client, fixture, trip: tuesday)
            let second = try await TicketTests.confirmed(client, fixture, trip: tuesday)
            let total = try await Self.booking(fixture, first).total
            let departure = try await Self.booking(fixture, first).journey.departure
            // Twelve hours before the Tuesday train.
            fixture.clock.advance(seconds: departure.timeIntervalSince(fixture.clock.now()) - 12 * 3600)
            let quote = try await call(client, .get, "/api/v1/bookings/\(first)/exchange?tripId=\(friday)",
                                       token: try fixture.token("usr_a", .customer))
            #expect(quote.status == .ok, "\(quote.text)")
            #expect(quote["feePercent"] as? Int == 10 && quote["fee"] as? Int == total / 10)
            #expect(quote["amountDue"] as? Int == total / 10, "same class, same fare: the fee is what is due")
            let made = try await Self.exchange(client, fixture, first, trip: friday)
            #expect(made["status"] as? String == "held" && made["amountDue"] as? Int == total / 10)

            // SETRAG cancels the Tuesday train: the other booking's exchange is free, and completes at once.
            let store = InventoryModule.parts(database: fixture.inventoryDB.pool).store
            _ = try await store.cancel(trip: tuesday, reason: "Voie coupée", requestID: nil, now: Date())
            let free = try await Self.exchange(client, fixture, second, trip: friday)
            #expect(free.status == .created, "\(free.text)")
            #expect(free["status"] as? String == "confirmed")
            let terms = try #require(free["exchange"] as? [String: Any])
            #expect(terms["fee"] as? Int == 0 && terms["amountDue"] as? Int == 0 && terms["refund"] as? Int == 0)
            #expect(try await Self.booking(fixture, second).status == .exchanged)

            // After the departure a customer may no longer exchange a trip that ran.
            let third = try await TicketTests.confirmed(client, fixture, trip: friday)
            let fridayDeparture = try await Self.booking(fixture, third).journey.departure
            fixture.clock.advance(seconds: fridayDeparture.timeIntervalSince(fixture.clock.now()) + 60)
            let late = try await Self.exchange(client, fixture, third, trip: tuesday)
            #expect(late.status == .conflict && late.problemType == "trip-departed", "\(late.text)")
        }
    }

    @Test func aRefundChosenAfterSETRAGCancelledTheTripIsOwedInFullThroughTheOutbox() async throws {
        try await BookingFixture.run { fixture, client in
            let tuesday = try await fixture.express()
            let paid = try await TicketTests.confirmed(client, fixture, trip: tuesday)
            let total = try await Self.booking(fixture, paid).total
            let store = InventoryModule.parts(database: fixture.inventoryDB.pool).store
            _ = try await store.cancel(trip: tuesday, reason: "Voie coupée", requestID: nil, now: Date())
            let cancelled = try await call(client, .post, "/api/v1/bookings/\(paid)/cancel",
                                           token: try fixture.token("usr_a", .customer), key: UUID().uuidString)
            #expect(cancelled["status"] as? String == "refund_pending" && cancelled["refundAmount"] as? Int == total)
            let refunds = try await Self.refundsDue(fixture)
            #expect(refunds.map(\.reason) == ["trip-cancelled"] && refunds.first?.amount == total)
            #expect(refunds.first?.pnr == paid && refunds.first?.paidUnder == [paid])
        }
    }

    // MARK: bad input, nothing written

    @Test func badExchangesAreRefusedWithProblemsAndChangeNothing() async throws {
        try await BookingFixture.run { fixture, client in
            let tuesday = try await fixture.express()
            let friday = try await Self.friday(fixture)
            let paid = try await TicketTests.confirmed(client, fixture, trip: tuesday)
            let unpaid = try #require(try await BookingLifecycleTests.book(client, fixture, trip: tuesday)["pnr"]
                as? String)
            let cancelled = try #require(try await BookingLifecycleTests.book(client, fixture, trip: tuesday)["pnr"]
                as? String)
            _ = try await call(client, .post, "/api/v1/bookings/\(cancelled)/cancel",
                               token: try fixture.token("usr_a", .customer), key: UUID().uuidString)
            // Two seats of the Friday train someone else holds.
            let fridayFree = try await freeSeats(fixture: fixture, trip: friday)
            let map = try await fixture.parts.inventory.seatMap(tripID: friday, from: "OWE", to: "FCV")
            let secondCoach = try #require(map.coaches.first { $0.travelClass == "second" })
            let taken = secondCoach.seats.filter(\.free).prefix(2)
                .map { SeatRef(coach: secondCoach.number, seat: $0.number) }
            let other = try await call(client, .post, "/api/v1/bookings", token: try fixture.token("usr_b", .customer),
                                       key: UUID().uuidString, json: bookingBody(trip: friday, passengers: [
                                           ["type": "adult", "name": "Paul Mba", "idNumber": "GA-7777777",
                                            "seat": ["coach": taken[0].coach, "seat": taken[0].seat]],
                                           ["type": "adult", "name": "Rose Mba", "idNumber": "GA-7777778",
                                            "seat": ["coach": taken[1].coach, "seat": taken[1].seat]],
                                       ]))
            #expect(other.status == .created, "\(other.text)")
            let bookings = try await fixture.bookingsStored()
            let held = try await fixture.heldHolds()
            let paidRecord = try await Self.booking(fixture, paid)

            let cases: [(String, JSONAnswer, HTTPResponse.Status)] = [
                ("same trip, same class", try await Self.exchange(client, fixture, paid, trip: tuesday),
                 .unprocessableContent),
                ("unknown trip", try await Self.exchange(client, fixture, paid, trip: 9_999_999), .notFound),
                ("unknown class", try await Self.exchange(client, fixture, paid, trip: friday, travelClass: "luxe"),
                 .unprocessableContent),
                ("seats taken", try await Self.exchange(client, fixture, paid, trip: friday, seats: taken), .conflict),
                ("wrong number of seats", try await Self.exchange(client, fixture, paid, trip: friday,
                                                                  seats: [taken[0]]), .unprocessableContent),
                ("unpaid booking", try await Self.exchange(client, fixture, unpaid, trip: friday), .conflict),
                ("cancelled booking", try await Self.exchange(client, fixture, cancelled, trip: friday), .conflict),
                ("someone else's booking", try await Self.exchange(client, fixture, paid, trip: friday, owner: "usr_b"),
                 .notFound),
                ("no such PNR", try await Self.exchange(client, fixture, "ZZZZZZ", trip: friday), .notFound),
                ("a train the other way", try await Self.exchange(
                    client, fixture, paid, trip: try await fixture.tripID(train: 412, date: fixture.next(4))),
                 .unprocessableContent),
            ]
            for (name, answer, status) in cases {
                #expect(answer.status == status, "\(name): \(answer.text)")
                #expect(answer.isProblem, "\(name): \(answer.contentType ?? "")")
            }
            let unknownField = try await call(client, .post, "/api/v1/bookings/\(paid)/exchange",
                                              token: try fixture.token("usr_a", .customer), key: UUID().uuidString,
                                              json: ["tripId": friday, "price": 0])
            #expect(unknownField.status == .unprocessableContent && unknownField.isProblem)
            let noKey = try await call(client, .post, "/api/v1/bookings/\(paid)/exchange",
                                       token: try fixture.token("usr_a", .customer), json: ["tripId": friday])
            #expect(noKey.status.code / 100 == 4 && noKey.isProblem, "\(noKey.text)")
            let anonymous = try await call(client, .post, "/api/v1/bookings/\(paid)/exchange", key: UUID().uuidString,
                                           json: ["tripId": friday])
            #expect(anonymous.status == .unauthorized)

            #expect(try await fixture.bookingsStored() == bookings)
            #expect(try await fixture.heldHolds() == held)
            #expect(try await Self.booking(fixture, paid) == paidRecord)
            #expect(try await freeSeats(fixture: fixture, trip: friday) == fridayFree.subtracting(taken))
        }
    }

    @Test func theSameKeyGivesOneExchangeAndAnotherBodyIsRefused() async throws {
        try await BookingFixture.run { fixture, client in
            let tuesday = try await fixture.express()
            let friday = try await Self.friday(fixture)
            let paid = try await TicketTests.confirmed(client, fixture, trip: tuesday)
            let key = UUID().uuidString
            let first = try await Self.exchange(client, fixture, paid, trip: friday, travelClass: "first", key: key)
            let again = try await Self.exchange(client, fixture, paid, trip: friday, travelClass: "first", key: key)
            #expect(first.status == .created && again.status == .created, "\(first.text) \(again.text)")
            #expect(first["pnr"] as? String == again["pnr"] as? String)
            let other = try await Self.exchange(client, fixture, paid, trip: friday, travelClass: "vip", key: key)
            #expect(other.status == .unprocessableContent && other.isProblem, "\(other.text)")
            #expect(try await fixture.count(fixture.bookingDB,
                                            "SELECT COUNT(*) AS n FROM bookings WHERE exchange_of IS NOT NULL") == 1)
        }
    }

    // MARK: atomicity

    /// Inventory as booking sees it, with a log of the holds taken and released.
    final class RecordingInventory: InventoryClient {
        let base: any InventoryClient
        let calls = Mutex<[String]>([])
        init(_ base: any InventoryClient) { self.base = base }
        func stations() async throws -> [InventoryStation] { try await base.stations() }
        func searchTrips(from: String, to: String, date: String, passengers: Int) async throws
            -> InventoryTripSearch
        {
            try await base.searchTrips(from: from, to: to, date: date, passengers: passengers)
        }
        func seatMap(tripID: Int, from: String, to: String) async throws -> InventorySeatMap {
            try await base.seatMap(tripID: tripID, from: from, to: to)
        }
        func hold(_ request: InventoryHoldRequest) async throws -> InventoryHold {
            let hold = try await base.hold(request)
            calls.withLock { $0.append("hold \(hold.id)") }
            return hold
        }
        func confirm(hold id: Int) async throws -> InventoryHold {
            let hold = try await base.confirm(hold: id)
            calls.withLock { $0.append("confirm \(id)") }
            return hold
        }
        func release(hold id: Int) async throws -> InventoryHold {
            calls.withLock { $0.append("release \(id)") }
            return try await base.release(hold: id)
        }
    }

    static func service(_ fixture: BookingFixture, store: any BookingStore, inventory: any InventoryClient)
        -> BookingService
    {
        BookingService(store: store, inventory: inventory, tickets: fixture.parts.tickets.issuer,
                       logger: fixture.context.logger)
    }

    static let customer = Principal(subject: "usr_a", kind: .user, clientID: "web", roles: [.customer], scopes: [],
                                    tokenID: "t")

    @Test func theNewSeatsAreTakenBeforeTheOldOnesAreReleased() async throws {
        try await BookingFixture.run { fixture, client in
            let tuesday = try await fixture.express()
            let friday = try await Self.friday(fixture)
            let old = try await TicketTests.confirmed(client, fixture, trip: tuesday, travelClass: "first")
            let oldHold = try await Self.booking(fixture, old).holdID
            let inventory = RecordingInventory(fixture.parts.inventory)
            let service = Self.service(fixture, store: fixture.parts.store, inventory: inventory)
            let new = try await service.exchange(old, ExchangeRequest(tripId: friday, travelClass: "second"),
                                                 caller: Self.customer, idempotencyUse: nil, now: fixture.clock.now())
            #expect(new.status == .confirmed)
            #expect(inventory.calls.withLock { $0 } == ["hold \(new.holdID)", "confirm \(new.holdID)",
                                                        "release \(oldHold)"])
        }
    }

    @Test func whenStoringTheExchangeFailsEverythingStaysAsItWas() async throws {
        try await BookingFixture.run { fixture, client in
            let tuesday = try await fixture.express()
            let friday = try await Self.friday(fixture)
            let old = try await TicketTests.confirmed(client, fixture, trip: tuesday, travelClass: "first")
            let before = try await Self.booking(fixture, old)
            let qrs = try await TicketTests.qrs(client, fixture, pnr: old)
            let fridayFree = try await freeSeats(fixture: fixture, trip: friday)
            let tuesdayFree = try await freeSeats(fixture: fixture, trip: tuesday)
            let bookings = try await fixture.bookingsStored()
            let inventory = RecordingInventory(fixture.parts.inventory)
            let failing = BookingLifecycleTests.FailingInsertStore(base: fixture.parts.store)
            let service = Self.service(fixture, store: failing, inventory: inventory)

            // Completing at once (cheaper): the store fails after inventory sold the new seats.
            await #expect(throws: BookingLifecycleTests.FailingInsertStore.Failure.self) {
                try await service.exchange(old, ExchangeRequest(tripId: friday, travelClass: "second"),
                                           caller: Self.customer, idempotencyUse: nil, now: fixture.clock.now())
            }
            // Waiting for a payment (dearer): the store fails to insert the new booking.
            await #expect(throws: BookingLifecycleTests.FailingInsertStore.Failure.self) {
                try await service.exchange(old, ExchangeRequest(tripId: friday, travelClass: "vip"),
                                           caller: Self.customer, idempotencyUse: nil, now: fixture.clock.now())
            }
            let calls = inventory.calls.withLock { $0 }
            #expect(calls.filter { $0.hasPrefix("hold") }.count == 2)
            #expect(calls.filter { $0.hasPrefix("release") }.count == 2, "both new holds released: \(calls)")
            #expect(!calls.contains("release \(before.holdID)"))
            #expect(try await freeSeats(fixture: fixture, trip: friday) == fridayFree)
            #expect(try await freeSeats(fixture: fixture, trip: tuesday) == tuesdayFree)
            #expect(try await fixture.bookingsStored() == bookings)
            #expect(try await Self.booking(fixture, old) == before)
            #expect(try await Self.refundsDue(fixture).isEmpty)
            #expect(try await Self.verifyReason(client, fixture, pnr: old, qrs: qrs) == ["not-yet-valid",
                                                                                         "not-yet-valid"])
        }
    }

    @Test func aDifferencePaidAfterTheOldBookingWasCancelledIsOwedBackAndChangesNothingElse() async throws {
        try await BookingFixture.run { fixture, client in
            let tuesday = try await fixture.express()
            let friday = try await Self.friday(fixture)
            let old = try await TicketTests.confirmed(client, fixture, trip: tuesday)
            let made = try await Self.exchange(client, fixture, old, trip: friday, travelClass: "first")
            let new = try #require(made["pnr"] as? String)
            let due = try #require(made["amountDue"] as? Int)
            let fridayFree = try await freeSeats(fixture: fixture, trip: friday)
            let cancelled = try await call(client, .post, "/api/v1/bookings/\(old)/cancel",
                                           token: try fixture.token("usr_a", .customer), key: UUID().uuidString)
            #expect(cancelled["status"] as? String == "refund_pending")
            let paid = try await BookingLifecycleTests.paid(client, new)
            #expect(paid["status"] as? String == "refund_due" && paid["refundAmount"] as? Int == due, "\(paid.text)")
            #expect(try await Self.booking(fixture, old).status == .refundPending)
            #expect(try await freeSeats(fixture: fixture, trip: friday).count == fridayFree.count + 2)
        }
    }
}
