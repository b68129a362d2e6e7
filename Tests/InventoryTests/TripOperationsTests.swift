import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import SetragKernel
import SetragMySQL
import SetragTesting
import Testing
@testable import Inventory

/// Operators add an extra train and change a trip's consist; seats already sold or held are never lost.
@Suite(.serialized)
struct TripOperationsTests {
    static func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String?,
                     body: String?) async throws -> JSONAnswer
    {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: uri, method: method, headers: headers,
                                                body: body.map { ByteBuffer(string: $0) })
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any]
        return JSONAnswer(status: response.status, contentType: response.headers[.contentType], body: object ?? [:])
    }

    static func consist(_ fixture: InventoryFixture, trip: Int) async throws -> [String] {
        struct Row: Decodable { let coach_type: String }
        return try await fixture.db.pool.raw("""
            SELECT coach_type FROM trip_coaches WHERE trip_id = \(bind: trip) ORDER BY coach_position
            """).all(decoding: Row.self).map(\.coach_type)
    }

    static func seatLegs(_ fixture: InventoryFixture, trip: Int) async throws -> Int {
        try await SeedTests.count(fixture.db.pool, "SELECT COUNT(*) AS n FROM seat_legs WHERE trip_id = \(bind: trip)")
    }

    static let express = ["FG", "VIP36", "A60", "A60", "A60", "BAR", "B80", "B80", "B80", "B80", "B80", "B80"]

    static func body(_ coaches: [String]) -> String {
        #"{"coaches": [\#(coaches.map { "\"\($0)\"" }.joined(separator: ", "))]}"#
    }

    @Test func anExtraTrainRunsTheStopsOfItsPatternAtItsOwnTimeAndIsForSale() async throws {
        let tokens = TokenMaker()
        let fixture = try await InventoryFixture.make(weeks: 2, jwks: tokens.jwks)
        try await fixture.run { client in
            let token = try tokens.token("usr_ops", .operator)
            // A Wednesday: no timetable train leaves Owendo that day.
            let date = fixture.next(3, after: fixture.today.adding(days: 1))
            let search = "/api/v1/trips?from=OWE&to=FCV&date=\(date)&passengers=2"
            #expect(try await get(client, search).objects("trips").isEmpty)

            let body = #"{"pattern": 211, "date": "\#(date)", "trainNumber": 9211, "departure": "07:45"}"#
            let created = try await Self.send(client, .post, "/api/v1/trips", token: token, body: body)
            #expect(created.status == .created)
            let id = try #require(created["tripId"] as? Int)
            #expect(created["trainNumber"] as? Int == 9211 && created["extra"] as? Bool == true)
            #expect(created["serviceDate"] as? String == date.description)
            let from = try #require(created["from"] as? [String: Any])
            #expect(from["code"] as? String == "OWE" && from["time"] as? String == "\(date)T07:45:00+01:00")

            // Found by search, with the pattern's running time and the Express consist's seats.
            let trips = try await get(client, search).objects("trips")
            try #require(trips.count == 1)
            #expect(trips[0]["id"] as? Int == id && trips[0]["trainNumber"] as? Int == 9211)
            #expect(trips[0]["departure"] as? String == "\(date)T07:45:00+01:00")
            let pattern = try await fixture.tripID(train: 211, date: fixture.next(2, after: fixture.today.adding(days: 1)))
            let patternTrip = try #require(try await fixture.parts.store.trip(id: pattern))
            let extraTrip = try #require(try await fixture.parts.store.trip(id: id))
            #expect(extraTrip.stops.map(\.station) == patternTrip.stops.map(\.station))
            let patternMinutes = patternTrip.stops.last!.arrival!.timeIntervalSince(patternTrip.stops.first!.departure!)
            let extraMinutes = extraTrip.stops.last!.arrival!.timeIntervalSince(extraTrip.stops.first!.departure!)
            #expect(patternMinutes == extraMinutes)
            #expect(seatsFree(trips[0]) == ["vip": 36, "first": 180, "second": 480])
            let hold = try await HoldTests.post(client, "/internal/holds", [
                "tripId": id, "from": "NDJ", "to": "FCV", "class": "first", "count": 2, "reference": "XTRA01",
            ])
            #expect(hold.status == .created)

            // The same train that day again: a conflict, nothing added.
            let again = try await Self.send(client, .post, "/api/v1/trips", token: token, body: body)
            #expect(again.status == .conflict && again.contentType == "application/problem+json")
            #expect(try await get(client, search).objects("trips").count == 1)
        }
    }

    @Test func extraTrainsNeedOperationsAndGoodInput() async throws {
        let tokens = TokenMaker()
        let fixture = try await InventoryFixture.make(weeks: 1, jwks: tokens.jwks)
        try await fixture.run { client in
            let token = try tokens.token("usr_ops", .operator)
            let date = fixture.today.adding(days: 3)
            let ok = #"{"pattern": 211, "date": "\#(date)", "trainNumber": 9001}"#
            #expect(try await Self.send(client, .post, "/api/v1/trips", token: nil, body: ok).status == .unauthorized)
            for role in [Role.customer, .agent, .conductor] {
                let answer = try await Self.send(client, .post, "/api/v1/trips", token: try tokens.token("u", role),
                                                 body: ok)
                #expect(answer.status == .forbidden, "\(role)")
            }
            let past = fixture.today.adding(days: -1)
            let far = fixture.today.adding(days: 400)
            let bad: [(String, String)] = [
                (#"{"pattern": 211, "date": "\#(date)", "trainNumber": 211}"#, "trainNumber"),
                (#"{"pattern": 999, "date": "\#(date)", "trainNumber": 9001}"#, "pattern"),
                (#"{"pattern": 211, "date": "\#(past)", "trainNumber": 9001}"#, "date"),
                (#"{"pattern": 211, "date": "\#(far)", "trainNumber": 9001}"#, "date"),
                (#"{"pattern": 211, "date": "2026-02-30", "trainNumber": 9001}"#, "date"),
                (#"{"pattern": 211, "date": "\#(date)", "trainNumber": 70000}"#, "trainNumber"),
                (#"{"pattern": 211, "date": "\#(date)", "trainNumber": 0}"#, "trainNumber"),
                (#"{"pattern": 211, "date": "\#(date)", "trainNumber": 9001, "departure": "24:00"}"#, "departure"),
                (#"{"pattern": 211, "date": "\#(date)", "trainNumber": 9001, "departure": "7h45"}"#, "departure"),
                (#"{"pattern": 211, "date": "\#(date)", "trainNumber": 9001, "extra": true}"#, "extra"),
                (#"{"pattern": "211", "date": "\#(date)", "trainNumber": 9001}"#, "pattern"),
                (#"{"date": "\#(date)", "trainNumber": 9001}"#, "pattern"),
            ]
            for (body, field) in bad {
                let answer = try await Self.send(client, .post, "/api/v1/trips", token: token, body: body)
                #expect(answer.status == .unprocessableContent, "\(body)")
                #expect(answer.contentType == "application/problem+json")
                let fields = answer.objects("errors").compactMap { $0["field"] as? String }
                #expect(fields.contains(field), "\(body): \(fields)")
            }
            #expect(try await Self.send(client, .post, "/api/v1/trips", token: token, body: "{nope").status
                        == .badRequest)
            #expect(try await SeedTests.count(fixture.db.pool, "SELECT COUNT(*) AS n FROM trips WHERE train_number = 9001")
                        == 0)
        }
    }

    @Test func aConsistChangeKeepsEverySoldSeatOrIsRefusedWithTheConflicts() async throws {
        let tokens = TokenMaker()
        let fixture = try await InventoryFixture.make(weeks: 2, jwks: tokens.jwks)
        try await fixture.run { client in
            let token = try tokens.token("usr_ops", .operator)
            let trip = try await HoldTests.express(fixture)
            let uri = "/api/v1/trips/\(trip)/consist"
            #expect(try await Self.consist(fixture, trip: trip) == Self.express)
            // Sold: VIP coach 2 seat 3 Owendo → Ndjolé; held: second class coach 7 seat 5 Ndjolé → Franceville.
            let sold = try await HoldTests.post(client, "/internal/holds", [
                "tripId": trip, "from": "OWE", "to": "NDJ", "seats": [["coach": 2, "seat": 3]], "reference": "SOLD01",
            ])
            #expect(sold.status == .created)
            let soldID = try #require(sold["id"] as? Int)
            #expect(try await HoldTests.post(client, "/internal/holds/\(soldID)/confirm").status == .ok)
            let held = try await HoldTests.post(client, "/internal/holds", [
                "tripId": trip, "from": "NDJ", "to": "FCV", "seats": [["coach": 7, "seat": 5]], "reference": "HELD01",
            ])
            #expect(held.status == .created)
            let legsBefore = try await Self.seatLegs(fixture, trip: trip)

            // Refused, with every conflict named, and nothing changed: the VIP coach replaced by a first-class one,
            // and coach 7 gone from a shorter train.
            var refused = Self.express
            refused[1] = "A60"
            refused = Array(refused.prefix(6))
            let conflict = try await Self.send(client, .put, uri, token: token, body: Self.body(refused))
            #expect(conflict.status == .conflict && conflict.contentType == "application/problem+json")
            let errors = conflict.objects("errors").map { "\($0["code"] ?? ""): \($0["message"] ?? "")" }
            #expect(errors == ["class-changed: coach 2 seat 3 (vip)", "coach-removed: coach 7 seat 5 (second)"])
            #expect(try await Self.consist(fixture, trip: trip) == Self.express)
            #expect(try await Self.seatLegs(fixture, trip: trip) == legsBefore)

            // Accepted: coach 8 without air conditioning (same seats), coach 12 removed, two baggage vans in front.
            // The sold and held seats keep their coach and number; their seat-legs are the same rows.
            let accepted = ["FG", "VIP36", "A60", "A60", "A60", "BAR", "B80", "B80N", "B80", "B80", "B80"]
            let done = try await Self.send(client, .put, uri, token: token, body: Self.body(accepted))
            #expect(done.status == .ok)
            #expect(done.objects("coaches").map { $0["type"] as? String } == accepted)
            #expect(try await Self.consist(fixture, trip: trip) == accepted)
            let legs = 23
            #expect(try await Self.seatLegs(fixture, trip: trip) == legsBefore - 80 * legs)
            let date = fixture.next(2, after: fixture.today.adding(days: 1))
            let search = try await get(client, "/api/v1/trips?from=OWE&to=FCV&date=\(date)&passengers=1")
            let found = try #require(search.objects("trips").first { $0["id"] as? Int == trip })
            #expect(seatsFree(found) == ["vip": 35, "first": 180, "second": 399])
            let map = try await get(client, "/api/v1/trips/\(trip)/seats?from=NDJ&to=FCV")
            let coach8 = try #require(map.objects("coaches").first { $0["number"] as? Int == 8 })
            #expect(coach8["type"] as? String == "B80N" && coach8["airConditioned"] as? Bool == false)
            #expect(try await HoldTests.post(client, "/internal/holds", [
                "tripId": trip, "from": "NDJ", "to": "FCV", "seats": [["coach": 7, "seat": 5]], "reference": "LATE01",
            ]).status == .conflict)

            // A longer train: the new coach's seats are for sale on every leg of the trip.
            let longer = accepted + ["B80"]
            #expect(try await Self.send(client, .put, uri, token: token, body: Self.body(longer)).status == .ok)
            let coach12 = try await HoldTests.post(client, "/internal/holds", [
                "tripId": trip, "from": "OWE", "to": "FCV", "seats": [["coach": 12, "seat": 80]], "reference": "NEW012",
            ])
            #expect(coach12.status == .created)
            #expect(try await Self.seatLegs(fixture, trip: trip) == legsBefore)
        }
    }

    @Test func consistChangesNeedOperationsAndGoodInputAndAScheduledTrip() async throws {
        let tokens = TokenMaker()
        let fixture = try await InventoryFixture.make(weeks: 2, jwks: tokens.jwks)
        try await fixture.run { client in
            let token = try tokens.token("usr_ops", .operator)
            let trip = try await HoldTests.express(fixture)
            let uri = "/api/v1/trips/\(trip)/consist"
            let ok = Self.body(["FG", "VIP36", "A60"])
            #expect(try await Self.send(client, .put, uri, token: nil, body: ok).status == .unauthorized)
            #expect(try await Self.send(client, .put, uri, token: try tokens.token("u", .agent), body: ok).status
                        == .forbidden)
            let bad = [
                #"{"coaches": []}"#, #"{"coaches": ["FG", "XX99"]}"#, #"{"coaches": "FG"}"#, #"{}"#,
                #"{"coaches": ["FG"], "more": 1}"#, #"{"coaches": [""]}"#,
                Self.body(Array(repeating: "B80", count: 31)),
            ]
            for body in bad {
                let answer = try await Self.send(client, .put, uri, token: token, body: body)
                #expect(answer.status == .unprocessableContent, "\(body)")
                #expect(answer.contentType == "application/problem+json")
            }
            for unknown in ["999999", "0", "abc"] {
                #expect(try await Self.send(client, .put, "/api/v1/trips/\(unknown)/consist", token: token, body: ok)
                            .status == .notFound)
            }
            #expect(try await Self.consist(fixture, trip: trip) == Self.express)
            _ = try await fixture.parts.store.cancel(trip: trip, reason: "Grève", requestID: nil, now: Date())
            let cancelled = try await Self.send(client, .put, uri, token: token, body: ok)
            #expect(cancelled.status == .conflict)
            #expect(try await Self.consist(fixture, trip: trip) == Self.express)
        }
    }

    @Test func operatorsPlanATripsLocomotiveWhichOtherServicesReadAndItIsAudited() async throws {
        let tokens = TokenMaker()
        let fixture = try await InventoryFixture.make(weeks: 2, jwks: tokens.jwks)
        try await fixture.run { client in
            let token = try tokens.token("usr_ops", .operator)
            let trip = try await HoldTests.express(fixture)
            let uri = "/api/v1/trips/\(trip)/locomotive"
            #expect(try await get(client, "/internal/trips/\(trip)")["locomotive"] == nil)

            // Written loosely, kept in capitals with single spaces: what tracking compares with its devices'.
            let planned = try await Self.send(client, .put, uri, token: token, body: #"{"locomotive": " cc  2201 "}"#)
            #expect(planned.status == .ok)
            #expect(planned["tripId"] as? Int == trip && planned["locomotive"] as? String == "CC 2201")
            #expect(planned["trainNumber"] as? Int == 211 && planned["status"] as? String == "scheduled")
            #expect(try await get(client, "/internal/trips/\(trip)")["locomotive"] as? String == "CC 2201")
            let stored = try #require(try await fixture.parts.store.trip(id: trip))
            let departure = try #require(stored.stops.first?.departure)
            let window = "from=\(Self.utc(departure))&to=\(Self.utc(departure + 60))"
            let during = try await get(client, "/internal/trips?\(window)")
            #expect(during.objects("trips").first { $0["id"] as? Int == trip }?["locomotive"] as? String == "CC 2201")
            let map = try await get(client, "/api/v1/trips/\(trip)/seats")
            #expect(map["locomotive"] as? String == "CC 2201")

            // Audited: who, which trip, which locomotive, under the request's id.
            let audit = fixture.logs.entries("trip locomotive planned")
            #expect(audit.count == 1)
            #expect(audit.first?.level == .notice && audit.first?.metadata["audit"] == "trip.locomotive")
            #expect(audit.first?.metadata["subject"] == "usr_ops" && audit.first?.metadata["trip_id"] == "\(trip)")
            #expect(audit.first?.metadata["locomotive"] == "CC 2201" && audit.first?.metadata["request_id"] != nil)

            // Another, then none.
            let replaced = try await Self.send(client, .put, uri, token: token, body: #"{"locomotive": "BB-1104"}"#)
            #expect(replaced.status == .ok && replaced["locomotive"] as? String == "BB-1104")
            let cleared = try await Self.send(client, .put, uri, token: token, body: #"{"locomotive": null}"#)
            #expect(cleared.status == .ok && cleared["locomotive"] is NSNull)
            #expect(try await get(client, "/internal/trips/\(trip)")["locomotive"] == nil)
            #expect(try await get(client, "/api/v1/trips/\(trip)/seats")["locomotive"] == nil)
            #expect(fixture.logs.entries("trip locomotive planned").last?.metadata["locomotive"] == "none")
        }
    }

    @Test func aPlannedLocomotiveNeedsOperationsAGoodNumberAndATripStillToRun() async throws {
        let tokens = TokenMaker()
        let fixture = try await InventoryFixture.make(weeks: 2, jwks: tokens.jwks)
        try await fixture.run { client in
            let token = try tokens.token("usr_ops", .operator)
            let trip = try await HoldTests.express(fixture)
            let uri = "/api/v1/trips/\(trip)/locomotive"
            let ok = #"{"locomotive": "CC 2201"}"#
            #expect(try await Self.send(client, .put, uri, token: nil, body: ok).status == .unauthorized)
            for role in [Role.customer, .agent, .conductor] {
                let answer = try await Self.send(client, .put, uri, token: try tokens.token("u", role), body: ok)
                #expect(answer.status == .forbidden, "\(role)")
            }
            let bad = [
                #"{"locomotive": ""}"#, #"{"locomotive": "   "}"#, #"{"locomotive": "CC_2201"}"#,
                #"{"locomotive": "-2201"}"#, #"{"locomotive": "CC 2201 ABCDEFGHI"}"#, #"{"locomotive": "CC 22é1"}"#,
                #"{"locomotive": 2201}"#, #"{}"#, #"{"locomotive": "CC 2201", "coaches": []}"#,
            ]
            for body in bad {
                let answer = try await Self.send(client, .put, uri, token: token, body: body)
                #expect(answer.status == .unprocessableContent, "\(body)")
                #expect(answer.contentType == "application/problem+json")
            }
            #expect(try await Self.send(client, .put, uri, token: token, body: #"{"locomotive": "X23456789012345Z"}"#)
                        .status == .ok)
            for unknown in ["999999", "0", "abc"] {
                #expect(try await Self.send(client, .put, "/api/v1/trips/\(unknown)/locomotive", token: token, body: ok)
                            .status == .notFound)
            }
            // A train that has arrived keeps its plan (the store's clock moved past its arrival).
            let arrival = try #require(try await fixture.parts.store.trip(id: trip)?.stops.last?.arrival)
            await #expect(throws: InventoryError.self) {
                _ = try await fixture.parts.store.planLocomotive(trip: trip, locomotive: "CC 2202",
                                                                 now: arrival.addingTimeInterval(60))
            }
            _ = try await fixture.parts.store.cancel(trip: trip, reason: "Grève", requestID: nil, now: Date())
            let cancelled = try await Self.send(client, .put, uri, token: token, body: ok)
            #expect(cancelled.status == .conflict && cancelled.contentType == "application/problem+json")
            #expect((cancelled["type"] as? String)?.hasSuffix("trip-closed") == true)
            #expect(try await fixture.parts.store.trip(id: trip)?.locomotive == "X23456789012345Z")
            #expect(fixture.logs.entries("trip locomotive planned").count == 1)
        }
    }

    static func utc(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }
}
