import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import SetragKernel
import Testing
@testable import Booking

/// Many travellers at once: for the last seats of a train, and with one idempotency key sent many times.
@Suite(.serialized)
struct RaceTests {
    /// Train 211's stops, in order.
    static let stops = ["OWE", "NTO", "NDJ", "LOP", "BOO", "LTV", "MOA", "FCV"]

    struct LiveHold: Decodable {
        let id: Int
        let first_leg: Int
        let last_leg: Int
    }

    struct HoldSeatRow: Decodable {
        let hold_id: Int
        let coach_position: Int
        let seat_number: Int
    }

    struct LegRow: Decodable {
        let coach_position: Int
        let seat_number: Int
        let leg_id: Int
        let hold_id: Int?
    }

    struct BookingHold: Decodable {
        let pnr: String
        let hold_id: Int
    }

    @Test func twoHundredTravellersRaceForTheLastTwentySeatsAndNoSeatLegIsSoldTwice() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let inventory = fixture.inventoryDB.pool
            // Every seat of the train sold but twenty second-class seats of coach 7.
            let now = Date()
            let blocker = try await inventory.exec(SQLQueryString("""
                INSERT INTO holds (trip_id, from_station, to_station, first_leg, last_leg, reference, status, expires_at,
                    created_at, updated_at)
                VALUES (\(bind: trip), 'OWE', 'FCV', 1, 23, 'SOLDOUT', 'confirmed', \(bind: now), \(bind: now),
                    \(bind: now))
                """)).lastInsertID
            _ = try await inventory.exec(SQLQueryString("""
                UPDATE seat_legs SET hold_id = \(bind: blocker), hold_expires_at = NULL
                WHERE trip_id = \(bind: trip) AND NOT (coach_position = 7 AND seat_number <= 20)
                """))
            let stations = Self.stops

            // 200 customers at once on random overlapping journeys: half let the service choose, half want a
            // given seat among the last twenty.
            let answers = try await withThrowingTaskGroup(of: (Int, JSONAnswer).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        var rng = SplitMix(seed: UInt64(index) &+ 7)
                        let first = Int(rng.next() % UInt64(stations.count - 1))
                        let last = first + 1 + Int(rng.next() % UInt64(stations.count - 1 - first))
                        var passenger: [String: Any] = ["type": "adult", "name": "Voyageur \(index)",
                                                        "idNumber": "GA\(100_000 + index)"]
                        if index % 2 == 0 {
                            passenger["seat"] = ["coach": 7, "seat": 1 + Int(rng.next() % 20)]
                        }
                        let body = bookingBody(trip: trip, passengers: [passenger], from: stations[first],
                                               to: stations[last])
                        let answer = try await call(client, .post, "/api/v1/bookings",
                                                    token: try fixture.token("usr_race_\(index)", .customer),
                                                    key: "race-\(index)", json: body)
                        return (index, answer)
                    }
                }
                return try await group.reduce(into: [(Int, JSONAnswer)]()) { $0.append($1) }
            }
            #expect(answers.count == 200)
            let won = answers.filter { $0.1.status == .created }
            let lost = answers.filter { $0.1.status != .created }
            for (index, answer) in lost {
                #expect(answer.status == .conflict && answer.isProblem, "\(index): \(answer.status) \(answer.text)")
            }
            #expect(won.count >= 20, "every one of the twenty seats is free on every leg: \(won.count) sold")

            // Every success holds its seat on every leg of its journey, in inventory; nothing else is held.
            let bookings = try await fixture.bookingDB.pool.raw("SELECT pnr, hold_id FROM bookings")
                .all(decoding: BookingHold.self)
            #expect(Set(bookings.map(\.pnr)) == Set(won.compactMap { $0.1["pnr"] as? String }))
            let holds = try await inventory.raw("""
                SELECT id, first_leg, last_leg FROM holds
                WHERE trip_id = \(bind: trip) AND status IN ('held', 'confirmed') AND id <> \(bind: blocker)
                """).all(decoding: LiveHold.self)
            #expect(Set(holds.map(\.id)) == Set(bookings.map(\.hold_id)))
            let holdSeats = try await inventory.raw("""
                SELECT hold_id, coach_position, seat_number FROM hold_seats WHERE hold_id <> \(bind: blocker)
                """).all(decoding: HoldSeatRow.self)
            let legs = try await inventory.raw("""
                SELECT coach_position, seat_number, leg_id, hold_id FROM seat_legs
                WHERE trip_id = \(bind: trip) AND coach_position = 7 AND seat_number <= 20
                """).all(decoding: LegRow.self)
            let owner = Dictionary(uniqueKeysWithValues: legs.map {
                ("\($0.coach_position)/\($0.seat_number)/\($0.leg_id)", $0.hold_id)
            })
            var claimed: [String: Int] = [:]
            for hold in holds {
                let seats = holdSeats.filter { $0.hold_id == hold.id }
                #expect(seats.count == 1)
                for seat in seats {
                    for leg in hold.first_leg...hold.last_leg {
                        let key = "\(seat.coach_position)/\(seat.seat_number)/\(leg)"
                        // No seat-leg claimed by two live holds, and each is marked as its hold's in seat_legs.
                        #expect(claimed[key] == nil, "seat-leg \(key) sold to holds \(claimed[key]!) and \(hold.id)")
                        claimed[key] = hold.id
                        #expect(owner[key] == hold.id, "seat-leg \(key) of hold \(hold.id) is \(String(describing: owner[key]))")
                    }
                }
            }
            // And the other way round: every held seat-leg of the twenty seats belongs to a live booking's hold.
            #expect(legs.filter { $0.hold_id != nil }.count == claimed.count)
        }
    }

    /// The provider's callback and payments' reconciler can report one payment at the same moment: the booking is
    /// confirmed once and its seats stay sold (a second report must never put them back on sale).
    @Test func onePaymentReportedManyTimesAtOnceKeepsItsSeatsSold() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let made = try await call(client, .post, "/api/v1/bookings", token: try fixture.token("usr_twice", .customer),
                                      key: "paid-twice", json: bookingBody(trip: trip))
            #expect(made.status == .created)
            let pnr = try #require(made["pnr"] as? String)
            let answers = try await withThrowingTaskGroup(of: JSONAnswer.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await call(client, .post, "/internal/bookings/\(pnr)/paid") }
                }
                return try await group.reduce(into: [JSONAnswer]()) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == .ok && $0["status"] as? String == "confirmed" },
                    "\(answers.map { "\($0.status) \($0.text)" })")
            let hold = try #require(try await fixture.bookingDB.pool.raw("SELECT pnr, hold_id FROM bookings WHERE pnr = \(bind: pnr)")
                .first(decoding: BookingHold.self))
            #expect(try await fixture.hold(hold.hold_id)?.status == "confirmed")
            let sold = try await fixture.count(fixture.inventoryDB, """
                SELECT COUNT(*) AS n FROM seat_legs WHERE hold_id = \(hold.hold_id) AND hold_expires_at IS NULL
                """)
            #expect(sold == 2 * 23, "two travellers' seats on all 23 legs stay sold to the booking")
            #expect(try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM tickets") == 2)
        }
    }

    @Test func fiftyIdenticalCreatesWithOneKeyMakeOneBooking() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let token = try fixture.token("usr_impatient", .customer)
            let body = String(decoding: try JSONSerialization.data(withJSONObject: bookingBody(trip: trip)), as: UTF8.self)
            let answers = try await withThrowingTaskGroup(of: JSONAnswer.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        try await call(client, .post, "/api/v1/bookings", token: token, key: "one-tap-50", raw: body)
                    }
                }
                return try await group.reduce(into: [JSONAnswer]()) { $0.append($1) }
            }
            // Each is the booking (made, or replayed) or "still running, try again": never a second booking.
            for answer in answers {
                #expect(answer.status == .created || (answer.status == .conflict && answer.isProblem),
                        "\(answer.status) \(answer.text)")
            }
            let created = answers.filter { $0.status == .created }
            #expect(!created.isEmpty)
            #expect(Set(created.compactMap { $0["pnr"] as? String }).count == 1)
            #expect(try await fixture.bookingsStored() == 1)
            #expect(try await fixture.holdsInInventory() == 1)
            // Once it has finished, the key answers with the same booking.
            let again = try await call(client, .post, "/api/v1/bookings", token: token, key: "one-tap-50", raw: body)
            #expect(again.status == .created && again["pnr"] as? String == created[0]["pnr"] as? String)
        }
    }
}

/// A small deterministic generator, so a failing race can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
