import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import SetragKernel
import SetragMySQL
import SetragTesting
import Testing
@testable import Inventory

@Suite(.serialized) struct TripRouteTests {
    @Test func searchFindsTripsByCodeOrByNameWhateverTheCaseAndAccents() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { client in
            let tuesday = fixture.next(2)
            let byCode = try await get(client, "/api/v1/trips?from=OWE&to=FCV&date=\(tuesday)&passengers=2")
            #expect(byCode.status == .ok)
            #expect((byCode["from"] as? [String: Any])?["name"] as? String == "Owendo")
            #expect(byCode["passengers"] as? Int == 2)
            let trips = byCode.objects("trips")
            #expect(trips.map { $0["trainNumber"] as? Int } == [211])
            let trip = try #require(trips.first)
            #expect(trip["service"] as? String == "express")
            #expect(trip["serviceDate"] as? String == tuesday.description)
            #expect(trip["departure"] as? String == "\(tuesday)T12:30:00+01:00")
            #expect(trip["arrival"] as? String == "\(tuesday.adding(days: 1))T01:49:00+01:00")
            #expect(trip["durationMinutes"] as? Int == 13 * 60 + 19)
            #expect((trip["classes"] as? [[String: Any]])?.map { $0["class"] as? String } == ["vip", "first", "second"])
            #expect((trip["classes"] as? [[String: Any]])?.allSatisfy { $0["available"] as? Bool == true } == true)
            #expect((byCode["nextDates"] as? [String]) == [])

            let byName = try await get(client, "/api/v1/trips?from=owendo&to=FRANCEVILLE&date=\(tuesday)")
            #expect(byName.objects("trips").map { $0["id"] as? Int } == trips.map { $0["id"] as? Int })
            let spellings = ["NDJ", "ndjole", "NDJOLE", "Ndjol%C3%A9", "Ndjole%CC%81", "%20ndjol%C3%A9%20"]
            for spelling in spellings {
                let answer = try await get(client, "/api/v1/trips?from=\(spelling)&to=franceville&date=\(tuesday)")
                #expect(answer.status == .ok, "\(spelling)")
                #expect((answer["from"] as? [String: Any])?["code"] as? String == "NDJ", "\(spelling)")
                let found = answer.objects("trips")
                #expect(found.map { $0["id"] as? Int } == trips.map { $0["id"] as? Int }, "\(spelling)")
                #expect(found.first?["departure"] as? String == "\(tuesday)T16:08:00+01:00")
            }
            // An Express does not stop at M'Bel; the Omnibus of Thursday does.
            let thursday = fixture.next(4)
            let omnibus = try await get(client, "/api/v1/trips?from=m%27bel&to=La%20Lope&date=\(thursday)")
            #expect(omnibus.objects("trips").map { $0["trainNumber"] as? Int } == [433])
            #expect(seatsFree(omnibus.objects("trips")[0]).keys.sorted() == ["first", "second"])
        }
    }

    @Test func trainsRunBothWaysAndTheDateIsTheDayOfBoarding() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { client in
            let thursday = fixture.next(4)
            let back = try await get(client, "/api/v1/trips?from=FCV&to=OWE&date=\(thursday)")
            #expect(back.objects("trips").map { $0["trainNumber"] as? Int } == [412])
            #expect(back.objects("trips").first?["arrival"] as? String == "\(thursday.adding(days: 1))T01:19:00+01:00")
            // Train 733 leaves Owendo on Sunday at 20:00 and Ndjolé on Monday at 00:57.
            let sunday = fixture.next(7)
            let monday = try await get(client, "/api/v1/trips?from=NDJ&to=FCV&date=\(sunday.adding(days: 1))")
            let trip = try #require(monday.objects("trips").first)
            #expect(trip["trainNumber"] as? Int == 733)
            #expect(trip["serviceDate"] as? String == sunday.description)
            #expect(trip["departure"] as? String == "\(sunday.adding(days: 1))T00:57:00+01:00")
            let sameSunday = try await get(client, "/api/v1/trips?from=NDJ&to=FCV&date=\(sunday)")
            #expect(sameSunday.objects("trips").allSatisfy { $0["trainNumber"] as? Int != 733 })
        }
    }

    @Test func aDateWithoutTrainGivesTheNextDatesWithOne() async throws {
        let fixture = try await InventoryFixture.make(weeks: 2)
        try await fixture.run { client in
            // Nothing leaves Owendo on a Monday; then Tuesday (211), Thursday (433), Friday (513).
            let monday = fixture.next(1)
            let answer = try await get(client, "/api/v1/trips?from=OWE&to=FCV&date=\(monday)")
            #expect(answer.status == .ok)
            #expect(answer.objects("trips").isEmpty)
            #expect(answer["nextDates"] as? [String]
                    == [monday.adding(days: 1), monday.adding(days: 3), monday.adding(days: 4)].map(\.description))
            // Beyond the trips made so far: nothing to offer, and no error.
            let far = fixture.today.adding(days: 400)
            let beyond = try await get(client, "/api/v1/trips?from=OWE&to=FCV&date=\(far)")
            #expect(beyond.status == .ok)
            #expect(beyond.objects("trips").isEmpty && (beyond["nextDates"] as? [String]) == [])
        }
    }

    @Test func theCalendarMarksTheDatesWithATrainForTheJourney() async throws {
        let fixture = try await InventoryFixture.make(weeks: 2)
        try await fixture.run { client in
            // Owendo -> Franceville: 211 on Tuesdays, 433 on Thursdays, 513 on Fridays, 733 on Sundays.
            let tomorrow = fixture.today.adding(days: 1)
            let week = (0..<7).map { tomorrow.adding(days: $0) }
            let expected = week.filter { [2, 4, 5, 7].contains($0.isoWeekday) }.map(\.description)
            let answer = try await get(client, "/api/v1/trips/dates?from=owendo&to=FCV&start=\(tomorrow)&days=7")
            #expect(answer.status == .ok)
            #expect(answer["from"] as? String == "OWE" && answer["to"] as? String == "FCV")
            #expect(answer["start"] as? String == tomorrow.description && answer["days"] as? Int == 7)
            #expect(answer["dates"] as? [String] == expected)
            // The other way: 232 on Tuesdays, 412 on Thursdays, 632 on Saturdays, 714 on Sundays.
            let back = try await get(client, "/api/v1/trips/dates?from=FCV&to=OWE&start=\(tomorrow)&days=7")
            #expect(back["dates"] as? [String]
                    == week.filter { [2, 4, 6, 7].contains($0.isoWeekday) }.map(\.description))
            // A past start counts from today; the default is 42 days from today.
            let past = try await get(client, "/api/v1/trips/dates?from=OWE&to=FCV&start=\(fixture.today.adding(days: -10))")
            #expect(past.status == .ok && past["start"] as? String == fixture.today.description)
            #expect(past["days"] as? Int == 42)
            // A cancelled trip is not offered.
            let tuesday = fixture.next(2, after: tomorrow)
            let id = try await fixture.tripID(train: 211, date: tuesday)
            _ = try await fixture.parts.store.cancel(trip: id, reason: "test", requestID: "t", now: Date())
            let after = try await get(client, "/api/v1/trips/dates?from=OWE&to=FCV&start=\(tomorrow)&days=7")
            #expect(after["dates"] as? [String] == expected.filter { $0 != tuesday.description })
            // Bad input: a clear 422 naming the field.
            for (query, field) in [("from=XXX&to=FCV", "from"), ("from=OWE&to=owendo", "to"), ("to=FCV", "from"),
                                   ("from=OWE&to=FCV&days=0", "days"), ("from=OWE&to=FCV&days=63", "days"),
                                   ("from=OWE&to=FCV&days=abc", "days"), ("from=OWE&to=FCV&start=2026-02-30", "start")] {
                let bad = try await get(client, "/api/v1/trips/dates?\(query)")
                #expect(bad.status == .unprocessableContent, "\(query)")
                #expect((bad["errors"] as? [[String: Any]])?.contains { $0["field"] as? String == field } == true,
                        "\(query)")
            }
        }
    }

    @Test func aTrainThatHasLeftIsNoLongerOfferedAndTheNextDatesAre() async throws {
        let fixture = try await InventoryFixture.make(weeks: 2)
        try await fixture.run { _ in
            // Tuesday's 211 leaves Owendo at 12:30 (11:30 UTC): offered until then, not a minute after.
            let tuesday = fixture.next(2, after: fixture.today.adding(days: 1))
            let stations = try await fixture.parts.search.stations()
            let query = try TripQuery.parse(from: "OWE", to: "FCV", date: tuesday.description, passengers: "1",
                                            stations: stations, today: fixture.today)
            let leaves = RailwayTime.day(tuesday).lowerBound.addingTimeInterval(12.5 * 3600)  // local midnight + 12:30
            let before = try await fixture.parts.search.search(query, now: leaves.addingTimeInterval(-60))
            #expect(before.offers.map(\.departure.trainNumber) == [211] && before.nextDates.isEmpty)
            let after = try await fixture.parts.search.search(query, now: leaves.addingTimeInterval(60))
            #expect(after.offers.isEmpty)
            // Then Thursday (433), Friday (513), Sunday (733).
            #expect(after.nextDates == [tuesday.adding(days: 2), tuesday.adding(days: 3), tuesday.adding(days: 5)])
        }
    }

    @Test func seatCountsPerClassMatchTheConsist() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { client in
            for (weekday, train, service) in [(2, 211, "express"), (4, 433, "omnibus")] {
                let date = fixture.next(weekday)
                let answer = try await get(client, "/api/v1/trips?from=Owendo&to=Franceville&date=\(date)&passengers=9")
                let trip = try #require(answer.objects("trips").first { $0["trainNumber"] as? Int == train })
                #expect(seatsFree(trip) == fixture.seatsPerClass(service: service), "\(service)")
            }
            #expect(fixture.seatsPerClass(service: "express") == ["vip": 36, "first": 180, "second": 480])
            #expect(fixture.seatsPerClass(service: "omnibus") == ["first": 120, "second": 640])
        }
    }

    @Test func theSeatMapListsCoachesInTrainOrderAndSeatsByNumber() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { client in
            for (weekday, train, service) in [(2, 211, "express"), (4, 433, "omnibus")] {
                let id = try await fixture.tripID(train: train, date: fixture.next(weekday))
                let map = try await get(client, "/api/v1/trips/\(id)/seats?from=OWE&to=FCV")
                #expect(map.status == .ok)
                #expect(map["tripId"] as? Int == id)
                #expect((map["from"] as? [String: Any])?["departure"] as? String != nil)
                let coaches = map.objects("coaches")
                let consist = fixture.data.services.first { $0.code == service }!.consist
                #expect(coaches.map { $0["type"] as? String } == consist)
                #expect(coaches.map { $0["number"] as? Int } == Array(1...consist.count))
                for coach in coaches {
                    let type = fixture.data.coachTypes.first { $0.code == coach["type"] as? String }!
                    let seats = coach["seats"] as? [[String: Any]] ?? []
                    #expect(seats.map { $0["number"] as? Int } == type.seats.map(\.number))
                    #expect(seats.allSatisfy { $0["free"] as? Bool == true })
                    #expect(coach["airConditioned"] as? Bool == type.airConditioned)
                    #expect(coach["class"] as? String == type.travelClass)
                    #expect(coach["kind"] as? String == type.kind.rawValue)
                }
                let second = try #require(coaches.first { $0["type"] as? String == "B80" })
                #expect(second["layout"] as? String == "2+3")
                let firstRow = (second["seats"] as? [[String: Any]] ?? []).filter { $0["row"] as? Int == 1 }
                #expect(firstRow.map { $0["position"] as? String } == ["window", "aisle", "aisle", "middle", "window"])
                #expect(firstRow.map { $0["column"] as? Int } == [1, 2, 3, 4, 5])
                #expect(coaches.first?["kind"] as? String == "baggage")
                #expect((coaches.first?["seats"] as? [Any])?.isEmpty == true)
            }
            let omnibus = try await fixture.tripID(train: 433, date: fixture.next(4))
            let map = try await get(client, "/api/v1/trips/\(omnibus)/seats")
            let airConditioning = map.objects("coaches").filter { $0["class"] as? String == "second" }
                .map { $0["airConditioned"] as? Bool }
            #expect(airConditioning.contains(true) && airConditioning.contains(false))
            #expect((map["to"] as? [String: Any])?["code"] as? String == "FCV")
        }
    }

    @Test func badInputIsAProblemNeverAServerError() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { client in
            let date = fixture.next(2)
            let express = try await fixture.tripID(train: 211, date: date)
            let cases: [(String, HTTPResponse.Status, [String])] = [
                ("/api/v1/trips", .unprocessableContent, ["from:required", "to:required", "date:required"]),
                ("/api/v1/trips?from=XYZ&to=FCV&date=\(date)", .unprocessableContent, ["from:unknown-station"]),
                ("/api/v1/trips?from=OWE&to=owendo&date=\(date)", .unprocessableContent, ["to:same-station"]),
                ("/api/v1/trips?from=OWE&to=FCV&date=2026-02-30", .unprocessableContent, ["date:invalid-date"]),
                ("/api/v1/trips?from=OWE&to=FCV&date=tomorrow", .unprocessableContent, ["date:invalid-date"]),
                ("/api/v1/trips?from=OWE&to=FCV&date=2026-1-5", .unprocessableContent, ["date:invalid-date"]),
                ("/api/v1/trips?from=OWE&to=FCV&date=\(fixture.today.adding(days: -1))", .unprocessableContent,
                 ["date:past-date"]),
                ("/api/v1/trips?from=OWE&to=FCV&date=\(date)&passengers=0", .unprocessableContent,
                 ["passengers:out-of-range"]),
                ("/api/v1/trips?from=OWE&to=FCV&date=\(date)&passengers=10", .unprocessableContent,
                 ["passengers:out-of-range"]),
                ("/api/v1/trips?from=OWE&to=FCV&date=\(date)&passengers=two", .unprocessableContent,
                 ["passengers:out-of-range"]),
                ("/api/v1/trips?from=OWE&to=FCV&date=\(date)&passengers=99999999999999999999999", .unprocessableContent,
                 ["passengers:out-of-range"]),
                ("/api/v1/trips?from=\(String(repeating: "a", count: 5000))&to=%00&date=\(date)",
                 .unprocessableContent, ["from:unknown-station", "to:unknown-station"]),
                ("/api/v1/trips/abc/seats", .notFound, []),
                ("/api/v1/trips/0/seats", .notFound, []),
                ("/api/v1/trips/-3/seats", .notFound, []),
                ("/api/v1/trips/99999999999999999999/seats", .notFound, []),
                ("/api/v1/trips/4000000/seats", .notFound, []),
                ("/api/v1/trips/\(express)/seats?from=ESS", .unprocessableContent, ["from:not-a-stop"]),
                ("/api/v1/trips/\(express)/seats?from=FCV&to=OWE", .unprocessableContent, ["to:wrong-order"]),
                ("/api/v1/trips/\(express)/seats?from=NDJ&to=NDJ", .unprocessableContent, ["to:wrong-order"]),
                ("/api/v1/trips/\(express)/seats?from=Nowhere", .unprocessableContent, ["from:unknown-station"]),
                ("/api/v1/trips/\(express)/seats?to=", .unprocessableContent, ["to:required"]),
            ]
            for (uri, status, errors) in cases {
                let answer = try await get(client, uri)
                #expect(answer.status == status, "\(uri.prefix(80))")
                #expect(answer.contentType == "application/problem+json", "\(uri.prefix(80))")
                #expect((answer["type"] as? String)?.hasPrefix(ProblemType.base) == true)
                let found = answer.objects("errors").map { "\($0["field"]!):\($0["code"]!)" }
                #expect(Set(found) == Set(errors), "\(uri.prefix(80))")
            }
        }
    }

    @Test func aSeatTakenOwendoNdjoleIsStillForSaleNdjoleFranceville() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { client in
            let tuesday = fixture.next(2)
            let trip = try await fixture.tripID(train: 211, date: tuesday)
            let db = fixture.db.pool
            // VIP coach (number 2), seat 1, legs Owendo (1) -> Ndjolé (8): legs 1 to 7, booked (no expiry).
            let taken = try await db.exec(SQLQueryString("""
                UPDATE seat_legs SET hold_id = 42, hold_expires_at = NULL
                WHERE trip_id = \(bind: trip) AND coach_position = 2 AND seat_number = 1 AND leg_id BETWEEN 1 AND 7
                """))
            #expect(taken.affectedRows == 7)

            func isFree(_ from: String, _ to: String) async throws -> Bool? {
                let map = try await get(client, "/api/v1/trips/\(trip)/seats?from=\(from)&to=\(to)")
                return seat(map, coach: 2, number: 1)?["free"] as? Bool
            }
            #expect(try await isFree("NDJ", "FCV") == true)
            #expect(try await isFree("LOP", "FCV") == true)
            #expect(try await isFree("OWE", "FCV") == false)
            #expect(try await isFree("OWE", "NDJ") == false)
            #expect(try await isFree("NTO", "NDJ") == false)
            #expect(try await isFree("OWE", "NTO") == false)

            func vipFree(_ from: String, _ to: String) async throws -> Int? {
                let answer = try await get(client, "/api/v1/trips?from=\(from)&to=\(to)&date=\(tuesday)")
                return answer.objects("trips").first.map(seatsFree)?["vip"]
            }
            #expect(try await vipFree("OWE", "FCV") == 35)
            #expect(try await vipFree("OWE", "NDJ") == 35)
            #expect(try await vipFree("NDJ", "FCV") == 36)

            // Taking a seat is one conditional UPDATE: fewer rows than seats x legs means a leg was not free.
            struct Conflict: Error {}
            await #expect(throws: Conflict.self) {
                try await db.withTransaction { tx in
                    let result = try await tx.exec(SQLQueryString("""
                        UPDATE seat_legs SET hold_id = 43, hold_expires_at = \(bind: Date().addingTimeInterval(600))
                        WHERE trip_id = \(bind: trip) AND coach_position = 2 AND seat_number = 1
                          AND leg_id BETWEEN 1 AND 23
                          AND (hold_id IS NULL OR hold_expires_at <= \(bind: Date()))
                        """))
                    #expect(result.affectedRows == 16)
                    throw Conflict()
                }
            }
            #expect(try await isFree("NDJ", "FCV") == true)

            // An expired hold no longer takes the seat.
            _ = try await db.exec(SQLQueryString("""
                UPDATE seat_legs SET hold_expires_at = \(bind: Date().addingTimeInterval(-60))
                WHERE trip_id = \(bind: trip) AND hold_id = 42
                """))
            #expect(try await isFree("OWE", "FCV") == true)
            #expect(try await vipFree("OWE", "FCV") == 36)
        }
    }

    @Test func theOpenAPIDocumentDescribesThePublicOperations() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { client in
            let document = try await get(client, "/openapi.json")
            #expect(document.status == .ok)
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = (document["paths"] as? [String: Any])?.keys.sorted()
            #expect(paths == ["/api/v1/stations", "/api/v1/trips", "/api/v1/trips/dates", "/api/v1/trips/{tripId}/cancel",
                              "/api/v1/trips/{tripId}/consist", "/api/v1/trips/{tripId}/locomotive",
                              "/api/v1/trips/{tripId}/seats"])
            let trips = (document["paths"] as? [String: Any])?["/api/v1/trips"] as? [String: Any]
            #expect(trips?.keys.sorted() == ["get", "post"])
        }
    }
}
