import Foundation
import SQLKit
import SetragKernel
import SetragMySQL
import SetragTesting
import Testing
@testable import Inventory

@Suite(.serialized) struct SeedTests {
    static let tables = [
        "stations", "legs", "line_points", "travel_classes", "coach_types", "coach_type_seats", "services",
        "consist_coaches", "timetable_trains", "timetable_stops", "trips", "trip_stops", "trip_coaches", "seat_legs",
    ]

    struct ChecksumRow: Decodable {
        let Table: String
        let Checksum: UInt64?
    }

    /// Every inventory table's content checksum.
    static func snapshot(_ db: MySQLPool) async throws -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for table in tables {
            let row = try await db.raw("CHECKSUM TABLE \(ident: table)").first(decoding: ChecksumRow.self)
            result[table] = row?.Checksum ?? 0
        }
        return result
    }

    struct CountRow: Decodable { let n: Int }

    static func count(_ db: MySQLPool, _ sql: SQLQueryString) async throws -> Int {
        try await db.raw(sql).first(decoding: CountRow.self)?.n ?? -1
    }

    @Test func seedingTwiceChangesNothing() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { _ in
            let db = fixture.db.pool
            let before = try await Self.snapshot(db)
            #expect(before.values.allSatisfy { $0 > 0 })
            let lines = try await InventoryFixture.seed(fixture.context)
            #expect(lines.contains { $0.contains("(0 rows changed)") })
            #expect(lines.contains { $0.contains(": 0 new, 8 already there") })
            #expect(try await Self.snapshot(db) == before)
            let report = try await InventoryModule.seed(store: fixture.parts.store, data: fixture.data,
                                                        today: fixture.today, weeks: 1, now: Date())
            #expect(report == SeedReport(referenceRowsChanged: 0, tripsCreated: 0, tripsExisting: 8))
        }
    }

    @Test func aSeatMapUsedByTripsCannotChangeAndNothingIsHalfSaved() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { _ in
            let db = fixture.db.pool
            let before = try await Self.snapshot(db)
            var data = fixture.data
            let index = try #require(data.coachTypes.firstIndex { $0.code == "B80" })
            data.coachTypes[index].seats.removeLast()
            data.stations[0].name = "Owendo Port"
            await #expect(throws: InventoryStoreError.self) {
                _ = try await InventoryModule.seed(store: fixture.parts.store, data: data, today: fixture.today,
                                                   weeks: 1, now: Date())
            }
            #expect(try await Self.snapshot(db) == before)
            // A change that leaves trips' seat maps alone goes through, and only it.
            data = fixture.data
            data.stations[0].name = "Owendo Port"
            let report = try await InventoryModule.seed(store: fixture.parts.store, data: data, today: fixture.today,
                                                        weeks: 1, now: Date())
            #expect(report.referenceRowsChanged == 2)
            #expect(try await Self.count(db, "SELECT COUNT(*) AS n FROM stations WHERE name = 'Owendo Port'") == 1)
        }
    }

    @Test func theNetworkHas24StationsAnd23LegsInLineOrder() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { client in
            let answer = try await get(client, "/api/v1/stations")
            #expect(answer.status == .ok)
            let stations = answer.objects("stations")
            #expect(stations.count == 24)
            #expect(stations.map { $0["code"] as? String } == fixture.data.stations.map(\.code))
            #expect(stations.first?["name"] as? String == "Owendo")
            #expect(stations.last?["code"] as? String == "FCV")
            #expect(stations.last?["km"] as? Double == 669)
            let kms = stations.compactMap { $0["km"] as? Double }
            #expect(kms.count == 24 && zip(kms, kms.dropFirst()).allSatisfy { $0 < $1 })
            let ndjole = try #require(stations.first { $0["code"] as? String == "NDJ" })
            #expect(ndjole["name"] as? String == "Ndjolé")
            #expect(ndjole["type"] as? String == "principale")
            #expect(ndjole["lat"] as? Double == -0.1811)
            #expect(ndjole["lon"] as? Double == 10.7682)
            #expect(answer.objects("line").count == fixture.data.line.count)

            struct LegRow: Decodable {
                let id: Int
                let from_seq: Int
                let to_seq: Int
                let km: Double
            }
            let legs = try await fixture.db.pool.raw("""
                SELECT l.id, a.seq AS from_seq, b.seq AS to_seq, l.km FROM legs l
                JOIN stations a ON a.id = l.from_station_id JOIN stations b ON b.id = l.to_station_id ORDER BY l.id
                """).all(decoding: LegRow.self)
            #expect(legs.count == 23)
            #expect(legs.allSatisfy { $0.from_seq == $0.id && $0.to_seq == $0.id + 1 && $0.km > 0 })
            #expect(legs.reduce(0) { $0 + $1.km } == 669)
        }
    }

    struct TripRow: Decodable {
        let train_number: Int
        let service_date: String
        let departs_utc: String
        let departs_at: Date
        let arrives_at: Date
        let seat_legs: Int
    }

    @Test func theHorizonMovesWithTheDaysWithoutTouchingExistingTrips() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { _ in
            struct Row: Decodable { let n: Int }
            func trips(_ sql: String) async throws -> Int {
                try await fixture.db.pool.raw(SQLQueryString(sql)).first(decoding: Row.self)?.n ?? -1
            }
            let perWeek = fixture.data.timetable.count
            #expect(try await trips("SELECT COUNT(*) AS n FROM trips") == perWeek)
            // An operator cancelled one of this week's trips.
            _ = try await fixture.db.pool.exec(SQLRaw("UPDATE trips SET status = 'cancelled' ORDER BY id LIMIT 1"))

            // A week later, the same horizon reaches one week further: only the new week's trips are made.
            let later = try await InventoryModule.makeTrips(store: fixture.parts.store,
                                                            today: fixture.today.adding(days: 7), weeks: 1, now: Date())
            #expect(later.created == perWeek && later.existing == 0)
            // From today over two weeks: everything is there already; again, nothing changes.
            let again = try await InventoryModule.makeTrips(store: fixture.parts.store, today: fixture.today, weeks: 2,
                                                            now: Date())
            #expect(again.created == 0 && again.existing == perWeek * 2)
            #expect(try await trips("SELECT COUNT(*) AS n FROM trips") == perWeek * 2)
            #expect(try await trips("SELECT COUNT(*) AS n FROM trips WHERE status = 'cancelled'") == 1)
            let last = fixture.today.adding(days: 13)
            #expect(try await trips("SELECT COUNT(*) AS n FROM trips WHERE service_date = '\(last)'")
                        == fixture.data.timetable.filter { $0.weekday == last.isoWeekday }.count)
        }
    }

    @Test func everyTimetableTrainRunsOnItsWeekdayOverTheHorizon() async throws {
        let fixture = try await InventoryFixture.make(weeks: 2)
        try await fixture.run { _ in
            let trips = try await fixture.db.pool.raw("""
                SELECT t.train_number, t.service_date, DATE_FORMAT(t.departs_at, '%H:%i') AS departs_utc, t.departs_at,
                    t.arrives_at, (SELECT COUNT(*) FROM seat_legs s WHERE s.trip_id = t.id) AS seat_legs
                FROM trips t ORDER BY t.service_date, t.train_number
                """).all(decoding: TripRow.self)
            #expect(trips.count == fixture.data.timetable.count * 2)
            let last = fixture.today.adding(days: 13)
            for train in fixture.data.timetable {
                let runs = trips.filter { $0.train_number == train.number }
                let dates = runs.compactMap { LocalDate(iso: $0.service_date.prefix(10)) }
                #expect(dates.count == 2, "train \(train.number)")
                #expect(dates.allSatisfy { $0.isoWeekday == train.weekday && $0 >= fixture.today && $0 <= last })
                #expect(Set(dates).count == 2)
                // Stored in UTC; local time is UTC+1.
                let departure = train.stops[0].departure!
                for run in runs {
                    let date = LocalDate(iso: run.service_date.prefix(10))!
                    #expect(RailwayTime.iso8601(run.departs_at) == "\(date)T\(departure.clock):00+01:00")
                    let utc = StopTime(minuteOfDay: (departure.minuteOfDay + 1440 - 60) % 1440, day: 0).clock
                    #expect(run.departs_utc == utc)
                    let arrival = train.stops.last!.arrival!
                    #expect(RailwayTime.iso8601(run.arrives_at)
                            == "\(date.adding(days: arrival.day))T\(arrival.clock):00+01:00")
                    let seats = fixture.seatsPerClass(service: train.service).values.reduce(0, +)
                    #expect(run.seat_legs == seats * 23, "a trip over the whole line has a row per seat and leg")
                }
            }
        }
    }
}
