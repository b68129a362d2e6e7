import Foundation
import Logging
import Synchronization
import Testing
@testable import Tracking

/// The ZIP writer the static GTFS feed is packed with: CRC-32, the archive's structure read back independently,
/// and by `unzip -t` where the tool is installed.
struct ZipArchiveTests {
    @Test func crc32MatchesTheStandardCheckValues() {
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func anArchiveReadsBackWithItsFilesTheirChecksumsAndTheirTime() throws {
        let files = [
            ZipArchive.File(name: "agency.txt", bytes: Array("agency_id,agency_name\r\nSETRAG,SETRAG\r\n".utf8)),
            ZipArchive.File(name: "empty.txt", bytes: []),
            ZipArchive.File(name: "stops.txt", bytes: Array("stop_id,stop_name\r\nNDJ,Ndjolé\r\n".utf8)),
            ZipArchive.File(name: "binary.bin", bytes: (0..<70_000).map { UInt8(truncatingIfNeeded: $0 * 7) }),
        ]
        // 2026-12-01 14:30:08 in Libreville (UTC+1).
        let modified = Date(timeIntervalSince1970: 1_796_131_808)
        let zip = try ZipArchive.archive(files, modified: modified, timeZone: GTFSDay.timeZone)
        let entries = try ZipReader.entries(zip)
        #expect(entries.map(\.name) == files.map(\.name))
        #expect(entries.map(\.bytes) == files.map(\.bytes))
        #expect(entries.map(\.crc) == files.map { CRC32.checksum($0.bytes) })
        #expect(entries.allSatisfy { $0.dosDate == UInt16((2026 - 1980) << 9 | 12 << 5 | 1) })
        #expect(entries.allSatisfy { $0.dosTime == UInt16(14 << 11 | 30 << 5 | 4) })
        // The same files at the same time give the same bytes (the feed's ETag rests on it).
        #expect(try ZipArchive.archive(files, modified: modified, timeZone: GTFSDay.timeZone) == zip)

        if let tested = try ZipReader.unzipTest(zip) {
            #expect(tested.status == 0, "\(tested.output)")
            #expect(tested.output.contains("No errors detected"), "\(tested.output)")
        }
        // A damaged byte in a file is caught by its CRC.
        var damaged = zip
        damaged[30 + "agency.txt".utf8.count + 3] ^= 0xFF
        if let tested = try ZipReader.unzipTest(damaged) { #expect(tested.status != 0) }
    }

    @Test func namesThatAreNotRelativePathsAreRefused() {
        for name in ["", "/etc/passwd", "a\\b.txt"] {
            #expect(throws: ZipArchive.Failure.invalidName(name)) {
                try ZipArchive.archive([ZipArchive.File(name: name, bytes: [1])], modified: Date())
            }
        }
    }
}

/// The static feed built from stations and a weekly timetable (no inventory needed).
struct GTFSScheduleTests {
    static let stations = [
        LineStation(code: "AAA", name: "Alpha", km: 0, lat: 0.35, lon: 9.5),
        LineStation(code: "BBB", name: "Booué, gare", km: 50, lat: -0.1, lon: 11.9),
        LineStation(code: "CCC", name: "Charlie", km: 100, lat: -1.6, lon: 13.5),
    ]

    static func stop(_ seq: Int, _ station: String, _ arrival: Int?, _ departure: Int?) -> WeeklyTrain.Stop {
        WeeklyTrain.Stop(seq: seq, station: station, arrivalMinutes: arrival, departureMinutes: departure)
    }

    static let trains = [
        // Tuesday 22:00 from AAA, past midnight at CCC (01:10 on Wednesday).
        WeeklyTrain(number: 201, service: "express", direction: "AAA-CCC", weekday: 2,
                    stops: [stop(1, "AAA", nil, 22 * 60), stop(2, "BBB", 23 * 60 + 30, 23 * 60 + 40),
                            stop(3, "CCC", 24 * 60 + 70, nil)]),
        WeeklyTrain(number: 302, service: "omnibus", direction: "CCC-AAA", weekday: 3,
                    stops: [stop(1, "CCC", nil, 8 * 60), stop(2, "AAA", 12 * 60, nil)]),
        // A stop the network does not know: left out.
        WeeklyTrain(number: 999, service: "omnibus", direction: "AAA-ZZZ", weekday: 5,
                    stops: [stop(1, "AAA", nil, 8 * 60), stop(2, "ZZZ", 9 * 60, nil)]),
    ]

    static func rows(_ feed: GTFSSchedule, _ name: String) throws -> [[String: String]] {
        CSVRows.parse(try #require(feed.files.first { $0.name == name }).bytes)
    }

    @Test func trainsBecomeTripsWithTimesPastMidnightAndAServicePerWeekday() throws {
        let from = GTFSDay(year: 2026, month: 11, day: 22)
        let feed = try GTFSSchedule(stations: Self.stations, trains: Self.trains, from: from,
                                    until: from.adding(years: 1), builtAt: Date())
        #expect(feed.files.map(\.name) == ["agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt",
                                           "calendar.txt", "feed_info.txt"])
        #expect(feed.skipped == [999])
        let agency = try Self.rows(feed, "agency.txt")
        #expect(agency.first?["agency_timezone"] == "Africa/Libreville")
        let stops = try Self.rows(feed, "stops.txt")
        #expect(stops.map { $0["stop_id"] } == ["AAA", "BBB", "CCC"])
        #expect(stops[1]["stop_name"] == "Booué, gare" && stops[1]["stop_lat"] == "-0.100000")
        let routes = try Self.rows(feed, "routes.txt")
        #expect(routes.map { $0["route_id"] } == ["express", "omnibus"])
        #expect(routes.allSatisfy { $0["route_type"] == "2" && $0["route_long_name"] == "Alpha – Charlie" })
        let trips = try Self.rows(feed, "trips.txt")
        #expect(trips.map { $0["trip_id"] } == ["201", "302"])
        #expect(trips.map { $0["service_id"] } == ["TUE", "WED"])
        #expect(trips.map { $0["direction_id"] } == ["0", "1"])
        #expect(trips.first?["trip_headsign"] == "Charlie")
        #expect(feed.trips[201] == GTFSSchedule.Trip(routeID: "express", directionID: 0))

        let times = try Self.rows(feed, "stop_times.txt").filter { $0["trip_id"] == "201" }
        #expect(times.map { $0["stop_sequence"] } == ["1", "2", "3"])
        // Both times at either end; the arrival after midnight counted from the departure day.
        #expect(times.map { $0["arrival_time"] } == ["22:00:00", "23:30:00", "25:10:00"])
        #expect(times.map { $0["departure_time"] } == ["22:00:00", "23:40:00", "25:10:00"])

        let calendar = try Self.rows(feed, "calendar.txt")
        #expect(calendar.map { $0["service_id"] } == ["TUE", "WED"])
        #expect(calendar.first.map { [$0["monday"], $0["tuesday"], $0["wednesday"]] } == ["0", "1", "0"])
        #expect(calendar.allSatisfy { $0["start_date"] == "20261122" && $0["end_date"] == "20271122" })
        let info = try Self.rows(feed, "feed_info.txt")
        #expect(info.first?["feed_version"] == feed.version && info.first?["feed_end_date"] == "20271122")

        // The same data on the same day: the same bytes. Another day: other dates, the same timetable version.
        let again = try GTFSSchedule(stations: Self.stations, trains: Self.trains.reversed(), from: from,
                                     until: from.adding(years: 1), builtAt: Date())
        #expect(again.zip == feed.zip && again.etag == feed.etag)
        let tomorrow = try GTFSSchedule(stations: Self.stations, trains: Self.trains, from: from.adding(days: 1),
                                        until: from.adding(years: 1, days: 1), builtAt: Date())
        #expect(tomorrow.etag != feed.etag && tomorrow.version == feed.version)
    }

    @Test func gtfsTimesAndDaysAreWrittenAsTheSpecificationSays() {
        #expect(GTFSSchedule.time(0) == "00:00:00")
        #expect(GTFSSchedule.time(12 * 60 + 30) == "12:30:00")
        #expect(GTFSSchedule.time(24 * 60 + 109) == "25:49:00")
        // 2026-11-22 23:30 UTC is already the 23rd in Libreville.
        #expect(GTFSDay(Date(timeIntervalSince1970: 1_795_390_200)).description == "20261123")
        #expect(GTFSDay(iso: "2026-12-01")?.description == "20261201")
        #expect(GTFSDay(year: 2028, month: 2, day: 29).adding(years: 1).description == "20290228")
    }
}

/// The static feed's cache: built once for callers at the same moment, kept 10 minutes, the last one served while
/// inventory cannot be read, and no wait on inventory again and again before the first build.
struct GTFSScheduleSourceTests {
    final class Inventory: InventoryLink {
        let state = Mutex<(reads: Int, down: Bool, trains: [WeeklyTrain])>((0, false, GTFSScheduleTests.trains))

        func network() async throws -> (stations: [LineStation], line: [(lat: Double, lon: Double)]) {
            (GTFSScheduleTests.stations, GTFSScheduleTests.stations.map { ($0.lat, $0.lon) })
        }

        func timetable() async throws -> [WeeklyTrain] {
            try await Task.sleep(for: .milliseconds(20))
            let (down, trains) = state.withLock { state in
                state.reads += 1
                return (state.down, state.trains)
            }
            if down { throw TrackingError.inventoryUnavailable }
            return trains
        }

        func trip(id: Int) async throws -> InventoryTrip? { Issue.record("not expected"); return nil }
        func trips(from: Date, to: Date) async throws -> [InventoryTrip] { Issue.record("not expected"); return [] }

        var reads: Int { state.withLock { $0.reads } }
        func set(down: Bool) { state.withLock { $0.down = down } }
    }

    @Test func theFeedIsBuiltOnceKeptAndServedStaleWhileInventoryIsDown() async throws {
        let inventory = Inventory()
        let source = GTFSScheduleSource(inventory: inventory, logger: Logger(label: "test"))
        let start = Date(timeIntervalSince1970: 1_796_131_808)  // 2026-12-01 14:30 in Libreville

        // Inventory down before the first build: 503, and no second wait on it within 30 seconds.
        inventory.set(down: true)
        await #expect(throws: TrackingError.self) { try await source.schedule(now: start) }
        await #expect(throws: TrackingError.self) { try await source.schedule(now: start.addingTimeInterval(10)) }
        #expect(inventory.reads == 1)

        // Callers at the same moment share one build.
        inventory.set(down: false)
        let now = start.addingTimeInterval(31)
        async let first = source.schedule(now: now)
        async let second = source.schedule(now: now)
        let (a, b) = try await (first, second)
        #expect(a.etag == b.etag && inventory.reads == 2)
        #expect(a.lastModified == Date(timeIntervalSince1970: 1_796_131_839))

        // Kept 10 minutes; then built again, keeping its Last-Modified while the bytes are the same.
        _ = try await source.schedule(now: now.addingTimeInterval(599))
        #expect(inventory.reads == 2)
        let rebuilt = try await source.schedule(now: now.addingTimeInterval(601))
        #expect(inventory.reads == 3 && rebuilt.etag == a.etag && rebuilt.lastModified == a.lastModified)

        // Inventory down: the last feed, asked again after a minute, not on every request.
        inventory.set(down: true)
        let stale = try await source.schedule(now: now.addingTimeInterval(1300))
        #expect(stale.etag == a.etag && inventory.reads == 4)
        _ = try await source.schedule(now: now.addingTimeInterval(1330))
        #expect(inventory.reads == 4)
        _ = try await source.schedule(now: now.addingTimeInterval(1361))
        #expect(inventory.reads == 5)

        // A new timetable: new bytes, new Last-Modified.
        inventory.set(down: false)
        inventory.state.withLock { $0.trains.removeLast(2) }
        let changed = try await source.schedule(now: now.addingTimeInterval(2000))
        #expect(changed.etag != a.etag && changed.lastModified > a.lastModified)
        #expect(changed.trips.keys.sorted() == [201])
    }
}
