import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import SetragKernel
import SetragMySQL
import Testing
@testable import Inventory

/// Seat holds through inventory's internal routes and its hold rules, against the real MariaDB.
@Suite(.serialized)
struct HoldTests {
    /// Train 211 (Express Owendo → Franceville, Tuesdays 12:30) on a Tuesday after today, so that it has not left.
    static func express(_ fixture: InventoryFixture) async throws -> Int {
        try await fixture.tripID(train: 211, date: fixture.next(2, after: fixture.today.adding(days: 1)))
    }

    static func post(_ client: any TestClientProtocol, _ uri: String, _ body: [String: Any]? = nil) async throws
        -> JSONAnswer
    {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        let response = try await client.execute(
            uri: uri, method: .post, headers: body == nil ? [:] : [.contentType: "application/json"],
            body: ByteBuffer(bytes: data))
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any]
        return JSONAnswer(status: response.status, contentType: response.headers[.contentType], body: object ?? [:])
    }

    static func seats(_ answer: JSONAnswer) -> [SeatKey] {
        answer.objects("seats").map { SeatKey(coach: $0["coach"] as! Int, seat: $0["seat"] as! Int) }
    }

    struct LegRow: Decodable {
        let hold_id: Int?
        let hold_expires_at: Date?
    }

    /// The seat-legs of one seat of the trip, in leg order.
    static func legs(_ fixture: InventoryFixture, trip: Int, coach: Int, seat: Int) async throws -> [LegRow] {
        try await fixture.db.pool.raw("""
            SELECT hold_id, hold_expires_at FROM seat_legs
            WHERE trip_id = \(bind: trip) AND coach_position = \(bind: coach) AND seat_number = \(bind: seat)
            ORDER BY leg_id
            """).all(decoding: LegRow.self)
    }

    @Test func aHoldTakesEveryLegOfItsJourneyAllOrNothingThenSellsAndReleases() async throws {
        let fixture = try await InventoryFixture.make(weeks: 2)
        try await fixture.run { client in
            let trip = try await Self.express(fixture)
            let vip1 = ["coach": 2, "seat": 1]
            // Owendo → Ndjolé: legs 1 to 7 of seat 1 in the VIP coach.
            let first = try await Self.post(client, "/internal/holds", [
                "tripId": trip, "from": "OWE", "to": "Ndjolé", "seats": [vip1], "reference": "PNR-A",
            ])
            #expect(first.status == .created)
            #expect(first["status"] as? String == "held")
            #expect(first["from"] as? String == "OWE" && first["to"] as? String == "NDJ")
            #expect(Self.seats(first) == [SeatKey(coach: 2, seat: 1)])
            let holdA = try #require(first["id"] as? Int)
            let legs = try await Self.legs(fixture, trip: trip, coach: 2, seat: 1)
            #expect(legs.prefix(7).allSatisfy { $0.hold_id == holdA && $0.hold_expires_at != nil })
            #expect(legs.dropFirst(7).allSatisfy { $0.hold_id == nil })

            // The same seat is still for sale Ndjolé → Franceville.
            let second = try await Self.post(client, "/internal/holds", [
                "tripId": trip, "from": "NDJ", "to": "FCV", "seats": [vip1], "reference": "PNR-B",
            ])
            #expect(second.status == .created)

            // Owendo → Franceville with seats 1 and 2: seat 1 is taken, so neither is taken.
            let third = try await Self.post(client, "/internal/holds", [
                "tripId": trip, "from": "OWE", "to": "FCV", "seats": [vip1, ["coach": 2, "seat": 2]],
                "reference": "PNR-C",
            ])
            #expect(third.status == .conflict)
            #expect(third.contentType == "application/problem+json")
            #expect((third["type"] as? String)?.hasSuffix("/seats-taken") == true)
            #expect((third["errors"] as? [[String: Any]])?.map { $0["message"] as? String } == ["coach 2 seat 1"])
            #expect(try await Self.legs(fixture, trip: trip, coach: 2, seat: 2).allSatisfy { $0.hold_id == nil })

            // Selling: the legs lose their expiry; confirming twice is harmless.
            let sold = try await Self.post(client, "/internal/holds/\(holdA)/confirm")
            #expect(sold.status == .ok && sold["status"] as? String == "confirmed")
            #expect(try await Self.post(client, "/internal/holds/\(holdA)/confirm")["status"] as? String
                == "confirmed")
            #expect(try await Self.legs(fixture, trip: trip, coach: 2, seat: 1).prefix(7)
                .allSatisfy { $0.hold_id == holdA && $0.hold_expires_at == nil })

            // Releasing (a cancelled booking) frees the seat for the whole line again, once B is released too.
            let released = try await Self.post(client, "/internal/holds/\(holdA)/release")
            #expect(released["status"] as? String == "released")
            let holdB = try #require(second["id"] as? Int)
            _ = try await Self.post(client, "/internal/holds/\(holdB)/release")
            #expect(try await Self.legs(fixture, trip: trip, coach: 2, seat: 1).allSatisfy { $0.hold_id == nil })
            let again = try await Self.post(client, "/internal/holds", [
                "tripId": trip, "from": "OWE", "to": "FCV", "seats": [vip1], "reference": "PNR-D",
            ])
            #expect(again.status == .created)
            // A released hold cannot be sold any more.
            #expect(try await Self.post(client, "/internal/holds/\(holdA)/confirm").status == .conflict)

            let read = try await get(client, "/internal/holds/\(holdA)")
            #expect(read.status == .ok && read["reference"] as? String == "PNR-A")
        }
    }

    /// Both ways of taking seats (the conditional write, and the benchmark's baseline that locks the train's row).
    @Test(arguments: [HoldLocking.seatLegs, .trainRow])
    func twentyTravellersRaceForOneSeatAndExactlyOneGetsIt(locking: HoldLocking) async throws {
        let fixture = try await InventoryFixture.make(weeks: 2, locking: locking)
        try await fixture.run { _ in
            let trip = try await Self.express(fixture)
            let holds = fixture.parts.holds
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let request = HoldRequest(tripId: trip, from: "OWE", to: "FCV",
                                                  seats: [.init(coach: 3, seat: 10)], reference: "race-\(index)")
                        do {
                            _ = try await holds.hold(request, now: Date())
                            return true
                        } catch InventoryError.seatsTaken {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            let legs = try await Self.legs(fixture, trip: trip, coach: 3, seat: 10)
            #expect(legs.count == 23)
            #expect(Set(legs.map(\.hold_id)).count == 1 && legs[0].hold_id != nil)
        }
    }

    @Test func anExpiredHoldFreesItsSeatsAndALateSaleTakesThemAgainOnlyIfStillFree() async throws {
        let fixture = try await InventoryFixture.make(weeks: 2)
        try await fixture.run { _ in
            let trip = try await Self.express(fixture)
            let holds = fixture.parts.holds, store = fixture.parts.store
            let t0 = Date()
            func request(_ seat: Int, _ reference: String) -> HoldRequest {
                HoldRequest(tripId: trip, from: "OWE", to: "LOP", seats: [.init(coach: 4, seat: seat)],
                            reference: reference, ttlSeconds: 60)
            }
            // A: held for 60 s; at t0 + 61 s its seat is free for B, and A can no longer be sold.
            let a = try await holds.hold(request(1, "A"), now: t0)
            #expect(a.expiresAt.timeIntervalSince(t0) > 59 && a.expiresAt.timeIntervalSince(t0) <= 60)
            await #expect(throws: InventoryError.self) { try await holds.hold(request(1, "B"), now: t0.addingTimeInterval(30)) }
            let b = try await holds.hold(request(1, "B"), now: t0.addingTimeInterval(61))
            await #expect(throws: InventoryError.self) { try await holds.confirm(id: a.id, now: t0.addingTimeInterval(62)) }
            #expect(try await store.hold(id: a.id)?.status == .held)

            // C expires and nobody takes its seat: the sweeper marks it expired and frees the legs; a payment that
            // arrives afterwards still sells the same seat.
            let c = try await holds.hold(request(2, "C"), now: t0)
            let expired = try await store.expireHolds(now: t0.addingTimeInterval(61), limit: 100)
            #expect(expired == 2)  // A and C (B is valid until t0 + 121 s)
            #expect(try await store.hold(id: c.id)?.status == .expired)
            #expect(try await Self.legs(fixture, trip: trip, coach: 4, seat: 2).allSatisfy { $0.hold_id == nil })
            #expect(try await store.hold(id: b.id)?.status == .held)
            #expect(try await Self.legs(fixture, trip: trip, coach: 4, seat: 1).prefix(4)
                .allSatisfy { $0.hold_id == b.id })
            let late = try await holds.confirm(id: c.id, now: t0.addingTimeInterval(90))
            #expect(late.status == .confirmed)
            #expect(try await Self.legs(fixture, trip: trip, coach: 4, seat: 2).prefix(4)
                .allSatisfy { $0.hold_id == c.id && $0.hold_expires_at == nil })
            // A sold hold never expires.
            #expect(try await store.expireHolds(now: t0.addingTimeInterval(3600), limit: 100) == 1)  // B
            #expect(try await store.hold(id: c.id)?.status == .confirmed)
        }
    }

    @Test func theServiceSeatsAGroupTogetherAndASingleTravellerByTheWindow() async throws {
        let fixture = try await InventoryFixture.make(weeks: 2)
        try await fixture.run { client in
            let trip = try await Self.express(fixture)
            let record = try #require(try await fixture.parts.store.trip(id: trip))
            func placed(_ seats: [SeatKey]) -> [Seat] {
                seats.map { key in
                    record.coaches.first { $0.position == key.coach }!.type.seats.first { $0.number == key.seat }!
                }
            }
            let group = try await Self.post(client, "/internal/holds", [
                "tripId": trip, "from": "OWE", "to": "FCV", "class": "second", "count": 4, "reference": "GROUP",
            ])
            #expect(group.status == .created)
            let groupSeats = Self.seats(group)
            #expect(groupSeats.count == 4 && Set(groupSeats.map(\.coach)).count == 1)
            #expect(record.coaches.first { $0.position == groupSeats[0].coach }?.type.travelClass == "second")
            #expect(Set(placed(groupSeats).map(\.row)).count == 1)
            #expect(placed(groupSeats).filter { $0.position == .window }.count == 2)

            let single = try await Self.post(client, "/internal/holds", [
                "tripId": trip, "from": "NTO", "to": "NDJ", "class": "vip", "count": 1, "reference": "SOLO",
            ])
            #expect(single.status == .created)
            #expect(placed(Self.seats(single)).first?.position == .window)

            let nine = try await Self.post(client, "/internal/holds", [
                "tripId": trip, "from": "OWE", "to": "FCV", "class": "first", "count": 9, "reference": "NINE",
            ])
            let nineSeats = Self.seats(nine)
            #expect(nineSeats.count == 9 && Set(nineSeats.map(\.coach)).count == 1)
            let rows = placed(nineSeats).map(\.row)
            #expect(rows.max()! - rows.min()! <= 2)  // 2+2 abreast: 9 seats need 3 rows
        }
    }

    @Test func chooserSpreadsAGroupOverCoachesOnlyWhenNoCoachHasRoom() {
        func coach(_ position: Int) -> TripRecord.Coach {
            let seats = (0..<4).flatMap { row in
                [Seat(number: row * 3 + 1, row: row + 1, column: 1, position: .window),
                 Seat(number: row * 3 + 2, row: row + 1, column: 2, position: .aisle),
                 Seat(number: row * 3 + 3, row: row + 1, column: 4, position: .window)]
            }
            return TripRecord.Coach(position: position, type: CoachType(
                code: "T", name: "T", kind: .seats, travelClass: "vip", airConditioned: true, layout: "WA_W",
                seats: seats))
        }
        let coaches = [coach(1), coach(2)]
        // Coach 1 has 3 seats left, coach 2 has 12: a group of 5 goes to coach 2, in two rows.
        let free = Set([1, 5, 12].map { SeatKey(coach: 1, seat: $0) } + (1...12).map { SeatKey(coach: 2, seat: $0) })
        let five = SeatChooser.choose(count: 5, travelClass: "vip", coaches: coaches, free: free)
        #expect(five?.allSatisfy { $0.coach == 2 } == true)
        #expect(five?.map(\.seat) == [1, 2, 3, 4, 6])
        // Alone: the first window seat.
        #expect(SeatChooser.choose(count: 1, travelClass: "vip", coaches: coaches, free: free) == [SeatKey(coach: 1, seat: 1)])
        // 14 seats fit in no coach: spread in train order.
        let fourteen = SeatChooser.choose(count: 14, travelClass: "vip", coaches: coaches, free: free)
        #expect(fourteen?.count == 14 && fourteen?.filter { $0.coach == 1 }.count == 3)
        #expect(SeatChooser.choose(count: 16, travelClass: "vip", coaches: coaches, free: free) == nil)
        #expect(SeatChooser.choose(count: 1, travelClass: "first", coaches: coaches, free: free) == nil)
    }

    @Test func badHoldRequestsAreProblemsAndTakeNothing() async throws {
        let fixture = try await InventoryFixture.make(weeks: 2)
        try await fixture.run { client in
            let trip = try await Self.express(fixture)
            let base: [String: Any] = ["tripId": trip, "from": "OWE", "to": "FCV", "reference": "X",
                                       "seats": [["coach": 2, "seat": 1]]]
            func with(_ changes: [String: Any?]) -> [String: Any] {
                var body = base
                for (key, value) in changes { body[key] = value }
                return body
            }
            let cases: [([String: Any], HTTPResponse.Status, String)] = [
                (with(["tripId": 999_999]), .notFound, "not-found"),
                (with(["tripId": -1]), .notFound, "not-found"),
                (with(["seats": nil]), .unprocessableContent, "validation"),
                (with(["class": "vip", "count": 2]), .unprocessableContent, "validation"),
                (with(["seats": nil, "class": "vip", "count": 0]), .unprocessableContent, "validation"),
                (with(["seats": nil, "class": "vip", "count": 10]), .unprocessableContent, "validation"),
                (with(["seats": nil, "class": "sleeper", "count": 1]), .unprocessableContent, "validation"),
                (with(["seats": [["coach": 1, "seat": 1]]]), .unprocessableContent, "validation"),  // baggage van
                (with(["seats": [["coach": 2, "seat": 99]]]), .unprocessableContent, "validation"),
                (with(["seats": [["coach": 2, "seat": 1], ["coach": 2, "seat": 1]]]), .unprocessableContent,
                 "validation"),
                (with(["seats": []]), .unprocessableContent, "validation"),
                (with(["from": "FCV", "to": "OWE"]), .unprocessableContent, "validation"),
                (with(["from": "XXX"]), .unprocessableContent, "validation"),
                (with(["reference": ""]), .unprocessableContent, "validation"),
                (with(["reference": String(repeating: "r", count: 65)]), .unprocessableContent, "validation"),
                (with(["ttlSeconds": 5]), .unprocessableContent, "validation"),
                (with(["ttlSeconds": 1 << 40]), .unprocessableContent, "validation"),
                (with(["tripId": "12"]), .unprocessableContent, "validation"),
                (with(["colour": "red"]), .unprocessableContent, "validation"),
            ]
            for (body, status, type) in cases {
                let answer = try await Self.post(client, "/internal/holds", body)
                #expect(answer.status == status, "\(body)")
                #expect((answer["type"] as? String)?.hasSuffix("/" + type) == true, "\(body): \(answer.body)")
                #expect(answer.contentType == "application/problem+json")
            }
            let malformed = try await client.execute(uri: "/internal/holds", method: .post,
                                                     headers: [.contentType: "application/json"],
                                                     body: ByteBuffer(string: "{\"tripId\": "))
            #expect(malformed.status == .badRequest)
            for path in ["/internal/holds/0", "/internal/holds/abc", "/internal/holds/123456789"] {
                #expect(try await get(client, path).status == .notFound)
                #expect(try await Self.post(client, path + "/confirm").status == .notFound)
                #expect(try await Self.post(client, path + "/release").status == .notFound)
            }
            // Nothing was taken by any of them.
            #expect(try await Self.legs(fixture, trip: trip, coach: 2, seat: 1).allSatisfy { $0.hold_id == nil })

            // A cancelled trip sells nothing.
            _ = try await fixture.db.pool.exec(SQLQueryString(
                "UPDATE trips SET status = 'cancelled' WHERE id = \(bind: trip)"))
            let cancelled = try await Self.post(client, "/internal/holds", base)
            #expect(cancelled.status == .conflict)
            #expect((cancelled["type"] as? String)?.hasSuffix("/trip-not-on-sale") == true)
        }
    }
}
