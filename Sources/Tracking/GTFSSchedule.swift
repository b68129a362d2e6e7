import Crypto
import Foundation
import Logging

/// A train of inventory's weekly timetable, as `GET /internal/timetable` gives it: times are minutes after midnight
/// (Libreville time) of the day it leaves its first stop, 1440 and more past midnight.
public struct WeeklyTrain: Decodable, Sendable, Equatable {
    public struct Stop: Decodable, Sendable, Equatable {
        public var seq: Int
        public var station: String
        public var arrivalMinutes: Int?
        public var departureMinutes: Int?

        public init(seq: Int, station: String, arrivalMinutes: Int?, departureMinutes: Int?) {
            self.seq = seq
            self.station = station
            self.arrivalMinutes = arrivalMinutes
            self.departureMinutes = departureMinutes
        }
    }

    public var number: Int
    public var service: String
    public var direction: String
    /// ISO weekday it leaves its first stop (1 = Monday).
    public var weekday: Int
    public var stops: [Stop]

    public init(number: Int, service: String, direction: String, weekday: Int, stops: [Stop]) {
        self.number = number
        self.service = service
        self.direction = direction
        self.weekday = weekday
        self.stops = stops
    }
}

extension HTTPInventoryLink {
    struct TimetableJSON: Decodable { let trains: [WeeklyTrain] }

    public func timetable() async throws -> [WeeklyTrain] {
        guard let timetable = try await get("/internal/timetable", as: TimetableJSON.self) else {
            throw TrackingError.inventoryUnavailable
        }
        return timetable.trains
    }
}

/// A day of the railway's calendar (Africa/Libreville), as GTFS writes dates: `20261201`.
public struct GTFSDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let timeZone = TimeZone(secondsFromGMT: 3600)!
    static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The railway's day at that instant.
    public init(_ instant: Date) {
        let parts = Self.calendar.dateComponents([.year, .month, .day], from: instant)
        self.init(year: parts.year!, month: parts.month!, day: parts.day!)
    }

    /// `2026-12-01` (a run's service date) or nil.
    public init?(iso text: String) {
        let parts = text.prefix(10).split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else {
            return nil
        }
        self.init(year: year, month: month, day: day)
    }

    /// Midnight of the day, railway time.
    public var start: Date {
        Self.calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    public func adding(years: Int = 0, days: Int = 0) -> GTFSDay {
        GTFSDay(Self.calendar.date(byAdding: DateComponents(year: years, day: days), to: start)!)
    }

    /// `YYYYMMDD`.
    public var description: String { String(format: "%04d%02d%02d", year, month, day) }

    public static func < (lhs: GTFSDay, rhs: GTFSDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

/// Who publishes the feed (agency.txt, feed_info.txt).
public struct GTFSPublisher: Sendable {
    public var agencyID = "SETRAG"
    public var name = "SETRAG"
    public var url = "https://setrag.ga"
    public var timeZone = "Africa/Libreville"
    public var language = "fr"

    public init() {}
}

/// The static GTFS feed, built from inventory's stations and weekly timetable.
///
/// - stops: one per station, `stop_id` its code.
/// - routes: one per service (Express, Omnibus), `route_id` the service's code, `route_type` 2 (rail).
/// - trips: one per timetable train, `trip_id` its number (the real-time feeds name a run by it and its
///   `start_date`); `direction_id` 0 towards Franceville (PKs growing), 1 towards Owendo.
/// - stop_times: the train's stops and times, counted from midnight of the day it leaves its first stop, so a train
///   that runs past midnight has times of 24:00:00 and more; the first stop's arrival is its departure and the last
///   stop's departure its arrival, as GTFS wants both at either end.
/// - calendar: one service per weekday the timetable uses (`TUE`: the trains leaving on Tuesdays), valid from
///   `from` to `until`.
public struct GTFSSchedule: Sendable {
    /// What a real-time feed needs of a static trip.
    public struct Trip: Sendable, Equatable {
        public var routeID: String
        public var directionID: UInt32
    }

    public static let serviceIDs = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
    static let dayColumns = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    public let files: [ZipArchive.File]
    public let zip: [UInt8]
    /// A strong validator of `zip`: its SHA-256, quoted.
    public let etag: String
    /// When a feed with these bytes was first built (kept while they do not change).
    public var lastModified: Date
    public let validFrom: GTFSDay
    public let validUntil: GTFSDay
    /// The timetable's version (feed_version): changes only when the stations or the trains do.
    public let version: String
    /// The static trips by train number.
    public let trips: [Int: Trip]
    public let stationNames: [String: String]
    /// Trains left out (a stop at an unknown station, or no time at either end): their numbers.
    public let skipped: [Int]

    public init(stations: [LineStation], trains: [WeeklyTrain], from: GTFSDay, until: GTFSDay, builtAt: Date,
                publisher: GTFSPublisher = GTFSPublisher()) throws {
        let line = stations.sorted { $0.km < $1.km }
        let byCode = Dictionary(line.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        var skipped: [Int] = []
        var usable: [WeeklyTrain] = []
        for train in trains.sorted(by: { $0.number < $1.number }) {
            let stops = train.stops.sorted { $0.seq < $1.seq }
            guard stops.count >= 2, stops.allSatisfy({ byCode[$0.station] != nil }),
                  (1...7).contains(train.weekday),
                  stops.first.flatMap({ $0.departureMinutes ?? $0.arrivalMinutes }) != nil,
                  stops.last.flatMap({ $0.arrivalMinutes ?? $0.departureMinutes }) != nil else {
                skipped.append(train.number)
                continue
            }
            usable.append(WeeklyTrain(number: train.number, service: train.service, direction: train.direction,
                                      weekday: train.weekday, stops: stops))
        }

        func number(_ value: Double) -> String { String(format: "%.6f", value) }
        let stopRows = line.map { [$0.code, $0.code, $0.name, number($0.lat), number($0.lon)] }
        let ends = (line.first?.name ?? "", line.last?.name ?? "")
        let services = Array(Set(usable.map(\.service))).sorted()
        let routeRows = services.map { service in
            [service, publisher.agencyID, service.prefix(1).uppercased() + service.dropFirst(),
             "\(ends.0) – \(ends.1)", "2"]
        }
        var tripRows: [[String]] = []
        var stopTimeRows: [[String]] = []
        var trips: [Int: Trip] = [:]
        for train in usable {
            let first = byCode[train.stops.first!.station]!, last = byCode[train.stops.last!.station]!
            let direction: UInt32 = last.km >= first.km ? 0 : 1
            trips[train.number] = Trip(routeID: train.service, directionID: direction)
            tripRows.append([train.service, Self.serviceIDs[train.weekday - 1], String(train.number), last.name,
                             String(train.number), String(direction)])
            for (index, stop) in train.stops.enumerated() {
                var arrival = stop.arrivalMinutes, departure = stop.departureMinutes
                if index == 0 || index == train.stops.count - 1 {
                    arrival = arrival ?? departure
                    departure = departure ?? arrival
                }
                stopTimeRows.append([String(train.number), arrival.map(Self.time) ?? "",
                                     departure.map(Self.time) ?? "", stop.station, String(stop.seq)])
            }
        }
        let weekdays = Set(usable.map(\.weekday)).sorted()
        let calendarRows = weekdays.map { weekday in
            [Self.serviceIDs[weekday - 1]] + (1...7).map { $0 == weekday ? "1" : "0" }
                + [from.description, until.description]
        }

        let timetable: [ZipArchive.File] = [
            Self.file("agency.txt", ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
                      [[publisher.agencyID, publisher.name, publisher.url, publisher.timeZone, publisher.language]]),
            Self.file("stops.txt", ["stop_id", "stop_code", "stop_name", "stop_lat", "stop_lon"], stopRows),
            Self.file("routes.txt", ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
                      routeRows),
            Self.file("trips.txt", ["route_id", "service_id", "trip_id", "trip_headsign", "trip_short_name",
                                    "direction_id"], tripRows),
            Self.file("stop_times.txt", ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
                      stopTimeRows),
        ]
        var digest = SHA256()
        for file in timetable { digest.update(data: Array(file.name.utf8) + [0] + file.bytes) }
        let version = String(digest.finalize().hex.prefix(16))
        let files = timetable + [
            Self.file("calendar.txt", ["service_id"] + Self.dayColumns + ["start_date", "end_date"], calendarRows),
            Self.file("feed_info.txt", ["feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date",
                                        "feed_end_date", "feed_version"],
                      [[publisher.name, publisher.url, publisher.language, from.description, until.description,
                        version]]),
        ]
        // Stamped with the first day of validity: the same timetable on the same day gives the same bytes.
        let zip = try ZipArchive.archive(files, modified: from.start, timeZone: GTFSDay.timeZone)
        self.files = files
        self.zip = zip
        self.etag = "\"\(String(SHA256.hash(data: zip).hex.prefix(32)))\""
        // HTTP dates have whole seconds.
        self.lastModified = Date(timeIntervalSince1970: builtAt.timeIntervalSince1970.rounded(.down))
        self.validFrom = from
        self.validUntil = until
        self.version = version
        self.trips = trips
        self.stationNames = Dictionary(line.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
        self.skipped = skipped
    }

    /// `HH:MM:SS` from minutes after midnight; hours go past 23 for the next day.
    public static func time(_ minutes: Int) -> String {
        String(format: "%02d:%02d:00", minutes / 60, minutes % 60)
    }

    /// A CSV file (RFC 4180: CRLF, fields quoted when they hold a comma, a quote or a line break).
    static func file(_ name: String, _ header: [String], _ rows: [[String]]) -> ZipArchive.File {
        func field(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let text = ([header] + rows).map { $0.map(field).joined(separator: ",") + "\r\n" }.joined()
        return ZipArchive.File(name: name, bytes: Array(text.utf8))
    }
}

extension Sequence<UInt8> {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

/// The static feed, built from inventory's data when first asked and kept `refresh` (it changes only when the
/// timetable or the stations do, or the day does: its validity starts today). Callers at the same moment share one
/// build. While inventory cannot be read the last feed is served (and asked again after a minute); before the first
/// build that is `TrackingError.inventoryUnavailable`, answered at once for `retryAfter` after a failure (the
/// real-time feeds ask on every request, and must not wait for inventory's timeout each time).
public actor GTFSScheduleSource {
    let inventory: any InventoryLink
    let refresh: TimeInterval
    let validity: Int
    let logger: Logger
    var current: GTFSSchedule?
    var checkedAt: Date?
    var pending: Task<GTFSSchedule, any Error>?
    var failedAt: Date?
    let retryAfter: TimeInterval = 30

    public init(inventory: any InventoryLink, refresh: TimeInterval = 600, validityYears: Int = 1, logger: Logger) {
        self.inventory = inventory
        self.refresh = refresh
        self.validity = validityYears
        self.logger = logger
    }

    public func schedule(now: Date) async throws -> GTFSSchedule {
        let today = GTFSDay(now)
        if let current, current.validFrom == today, let checkedAt, now >= checkedAt,
           now.timeIntervalSince(checkedAt) < refresh {
            return current
        }
        if let pending { return try await pending.value }
        if current == nil, let failedAt, now >= failedAt, now.timeIntervalSince(failedAt) < retryAfter {
            throw TrackingError.inventoryUnavailable
        }
        let task = Task { try await self.rebuild(today: today, now: now) }
        pending = task
        defer { pending = nil }
        return try await task.value
    }

    func rebuild(today: GTFSDay, now: Date) async throws -> GTFSSchedule {
        do {
            async let network = inventory.network()
            async let trains = inventory.timetable()
            var built = try GTFSSchedule(stations: try await network.stations, trains: try await trains, from: today,
                                         until: today.adding(years: validity), builtAt: now)
            if let current, current.etag == built.etag { built.lastModified = current.lastModified }
            if !built.skipped.isEmpty {
                logger.warning("trains left out of the GTFS feed", metadata: ["trains": "\(built.skipped)"])
            }
            current = built
            checkedAt = now
            failedAt = nil
            return built
        } catch {
            guard let current else {
                failedAt = now
                throw error
            }
            logger.warning("GTFS feed not rebuilt; the last one is served", metadata: ["error": "\(error)"])
            checkedAt = now.addingTimeInterval(60 - refresh)
            return current
        }
    }
}
