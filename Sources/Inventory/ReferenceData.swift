import Foundation

/// A commercial station of the line. `seq` is its place along the line (1 = Owendo); the leg `n` joins the
/// stations `n` and `n + 1`.
public struct Station: Sendable, Equatable {
    public var seq: Int
    public var code: String
    public var name: String
    /// Kilometre point (PK) from Owendo.
    public var km: Double
    public var lat: Double
    public var lon: Double
    /// `terminus`, `principale` or `gare`.
    public var type: String
    /// How good the coordinates are: `station`, `placed`, `town` or `interpolated`.
    public var coordQuality: String
}

/// A point of the rough polyline that draws the line on a map.
public struct LinePoint: Sendable, Equatable {
    public var seq: Int
    public var lat: Double
    public var lon: Double
    public var note: String
}

public struct TravelClass: Sendable, Equatable {
    public var code: String
    public var name: String
}

public enum CoachKind: String, Sendable, Codable {
    /// A passenger coach with a seat map.
    case seats
    /// The baggage van: checked luggage and express parcels, no seats.
    case baggage
    /// The bar car: no seats of its own.
    case bar
}

public enum SeatPosition: String, Sendable, Codable {
    case window, aisle, middle
}

public struct Seat: Sendable, Equatable {
    public var number: Int
    public var row: Int
    /// Place across the row, from 1 on the left, gangway not counted.
    public var column: Int
    public var position: SeatPosition
}

/// A kind of coach and, for passenger coaches, its seat map.
public struct CoachType: Sendable, Equatable {
    public var code: String
    public var name: String
    public var kind: CoachKind
    public var travelClass: String?
    public var airConditioned: Bool
    /// One row of seats, left to right: `W` window, `A` aisle, `M` middle, `_` the gangway (`WA_AMW` is 2+3).
    public var layout: String?
    public var seats: [Seat]

    /// "2+3" for `WA_AMW`.
    public var abreast: String? {
        layout.map { $0.split(separator: "_", omittingEmptySubsequences: false).map { String($0.count) }
            .joined(separator: "+") }
    }

    /// The seats of `rows` rows laid out as `layout`, numbered row by row from 1.
    static func seats(rows: Int, layout: String) -> [Seat]? {
        var positions: [SeatPosition] = []
        for letter in layout {
            switch letter {
            case "W": positions.append(.window)
            case "A": positions.append(.aisle)
            case "M": positions.append(.middle)
            case "_": continue
            default: return nil
            }
        }
        guard !positions.isEmpty, rows > 0 else { return nil }
        var seats: [Seat] = []
        for row in 1...rows {
            for (index, position) in positions.enumerated() {
                seats.append(Seat(number: seats.count + 1, row: row, column: index + 1, position: position))
            }
        }
        return seats
    }
}

/// A passenger service (Express, Omnibus) and the coaches its trains run with, in order from the locomotive.
public struct ServiceDefinition: Sendable, Equatable {
    public var code: String
    public var name: String
    public var consist: [String]
}

/// A time of the weekly timetable: minutes after midnight on the `day`-th day after the train's departure day.
public struct StopTime: Sendable, Equatable {
    public var minuteOfDay: Int
    public var day: Int

    /// Minutes after midnight of the departure day.
    public var offset: Int { day * 1440 + minuteOfDay }

    /// `HH:MM`.
    public var clock: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(minuteOfDay / 60)):\(two(minuteOfDay % 60))"
    }

    public init(minuteOfDay: Int, day: Int) {
        self.minuteOfDay = minuteOfDay
        self.day = day
    }

    /// Parses `HH:MM` or `HH:MM:SS` (seconds must be zero).
    public init?(clock text: some StringProtocol, day: Int) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute),
              parts.count == 2 || parts[2] == "00", (0...6).contains(day)
        else { return nil }
        self.init(minuteOfDay: hour * 60 + minute, day: day)
    }
}

public struct TimetableStop: Sendable, Equatable {
    public var seq: Int
    public var station: String
    public var arrival: StopTime?
    public var departure: StopTime?
}

/// A train of the weekly timetable: it leaves its first station every week on `weekday` (ISO, 1 = Monday).
public struct TimetableTrain: Sendable, Equatable {
    public var number: Int
    public var service: String
    public var direction: String
    public var weekday: Int
    public var stops: [TimetableStop]
}

/// Everything `setrag seed` loads into inventory: read from files, checked as a whole, never from Swift literals.
public struct ReferenceData: Sendable, Equatable {
    public var stations: [Station]
    public var line: [LinePoint]
    public var classes: [TravelClass]
    public var coachTypes: [CoachType]
    public var services: [ServiceDefinition]
    public var timetable: [TimetableTrain]

    /// `<directory>/domain/{stations,line,timetable}.csv` and `<directory>/rolling-stock.json`.
    public static func load(directory: URL) throws -> ReferenceData {
        func read(_ path: String) throws -> String {
            let url = directory.appendingPathComponent(path)
            do {
                return try String(contentsOf: url, encoding: .utf8)
            } catch {
                throw ReferenceDataError(
                    file: url.path, line: nil,
                    message: "cannot be read (\(error.localizedDescription)); set inventory.data_dir "
                        + "(SETRAG_INVENTORY_DATA_DIR) to the repository's data directory")
            }
        }
        return try parse(stations: read("domain/stations.csv"), line: read("domain/line.csv"),
                         timetable: read("domain/timetable.csv"), rollingStock: read("rolling-stock.json"))
    }

    public static func parse(stations: String, line: String, timetable: String, rollingStock: String) throws
        -> ReferenceData
    {
        let parsedStations = try parseStations(stations)
        let stock = try parseRollingStock(rollingStock)
        let parsedTimetable = try parseTimetable(timetable, stations: parsedStations,
                                                 services: Set(stock.services.map(\.code)))
        return ReferenceData(stations: parsedStations, line: try parseLine(line), classes: stock.classes,
                             coachTypes: stock.coachTypes, services: stock.services, timetable: parsedTimetable)
    }

    static func parseStations(_ text: String) throws -> [Station] {
        let file = "stations.csv"
        let table = try CSVTable(file: file, text: text,
                                 required: ["code", "name", "km", "lat", "lon", "type", "coord_quality"])
        var stations: [Station] = []
        for row in table.rows {
            let code = row["code"]
            guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw row.error("code must be 3 capital letters, not \"\(code)\"")
            }
            guard !stations.contains(where: { $0.code == code }) else { throw row.error("code \(code) is repeated") }
            let name = row["name"]
            guard (1...80).contains(name.count) else { throw row.error("name must have 1 to 80 characters") }
            guard !stations.contains(where: { StationDirectory.key($0.name) == StationDirectory.key(name) }) else {
                throw row.error("name \(name) is repeated")
            }
            let km = try row.double("km", in: 0...10_000)
            if let previous = stations.last, km <= previous.km {
                throw row.error("km must grow along the line (\(km) after \(previous.km))")
            }
            let type = row["type"]
            guard ["terminus", "principale", "gare"].contains(type) else { throw row.error("unknown type \(type)") }
            stations.append(Station(
                seq: stations.count + 1, code: code, name: name, km: km, lat: try row.double("lat", in: -90...90),
                lon: try row.double("lon", in: -180...180), type: type, coordQuality: row["coord_quality"]))
        }
        guard stations.count >= 2 else {
            throw ReferenceDataError(file: file, line: nil, message: "needs two stations")
        }
        return stations
    }

    static func parseLine(_ text: String) throws -> [LinePoint] {
        let table = try CSVTable(file: "line.csv", text: text, required: ["seq", "lat", "lon"])
        var points: [LinePoint] = []
        for row in table.rows {
            let seq = try row.int("seq", in: 1...10_000)
            guard seq == points.count + 1 else { throw row.error("seq must count 1, 2, 3… (found \(seq))") }
            points.append(LinePoint(seq: seq, lat: try row.double("lat", in: -90...90),
                                    lon: try row.double("lon", in: -180...180), note: row.optional("note") ?? ""))
        }
        return points
    }

    static let weekdays = ["Mon": 1, "Tue": 2, "Wed": 3, "Thu": 4, "Fri": 5, "Sat": 6, "Sun": 7]

    static func parseTimetable(_ text: String, stations: [Station], services: Set<String>) throws -> [TimetableTrain] {
        let table = try CSVTable(file: "timetable.csv", text: text, required: [
            "train", "service", "direction", "weekday", "seq", "station", "arrival", "arrival_day", "departure",
            "departure_day",
        ])
        let seqOf = Dictionary(uniqueKeysWithValues: stations.map { ($0.code, $0.seq) })
        var trains: [TimetableTrain] = []
        var lastRowOfTrain: [Int: CSVTable.Row] = [:]
        for row in table.rows {
            let number = try row.int("train", in: 1...65_535)
            let service = row["service"]
            guard services.contains(service) else {
                throw row.error("service \(service) has no consist in rolling-stock.json")
            }
            guard let weekday = weekdays[row["weekday"]] else { throw row.error("weekday must be Mon … Sun") }
            let direction = row["direction"]
            if trains.last?.number != number {
                guard !trains.contains(where: { $0.number == number }) else {
                    throw row.error("the rows of train \(number) must follow each other")
                }
                trains.append(TimetableTrain(number: number, service: service, direction: direction, weekday: weekday,
                                             stops: []))
            }
            var train = trains.removeLast()
            guard train.service == service, train.direction == direction, train.weekday == weekday else {
                throw row.error("train \(number) changes its service, direction or weekday")
            }
            let seq = try row.int("seq", in: 1...255)
            guard seq == train.stops.count + 1 else { throw row.error("seq must count 1, 2, 3… (found \(seq))") }
            let station = row["station"]
            guard seqOf[station] != nil else { throw row.error("unknown station \(station)") }
            func time(_ column: String) throws -> StopTime? {
                let clock = row[column]
                let dayText = row[column + "_day"]
                if clock.isEmpty && dayText.isEmpty { return nil }
                guard let day = Int(dayText), let time = StopTime(clock: clock, day: day) else {
                    throw row.error("\(column) must be HH:MM with a day offset 0…6")
                }
                return time
            }
            train.stops.append(TimetableStop(seq: seq, station: station, arrival: try time("arrival"),
                                             departure: try time("departure")))
            lastRowOfTrain[number] = row
            trains.append(train)
        }
        guard !trains.isEmpty else {
            throw ReferenceDataError(file: "timetable.csv", line: nil, message: "has no train")
        }
        for train in trains {
            try check(train, seqOf: seqOf, lastRow: lastRowOfTrain[train.number]!)
        }
        return trains
    }

    /// A train runs one way along the line, leaves its first stop, reaches its last, and never goes back in time.
    static func check(_ train: TimetableTrain, seqOf: [String: Int], lastRow: CSVTable.Row) throws {
        let stops = train.stops
        guard stops.count >= 2 else { throw lastRow.error("train \(train.number) needs two stops") }
        let places = stops.map { seqOf[$0.station]! }
        let forward = places[1] > places[0]
        for (a, b) in zip(places, places.dropFirst()) where forward ? b <= a : b >= a {
            throw lastRow.error("train \(train.number) must run one way along the line")
        }
        for (index, stop) in stops.enumerated() {
            let first = index == 0
            let last = index == stops.count - 1
            guard (stop.arrival == nil) == first, (stop.departure == nil) == last else {
                throw lastRow.error("train \(train.number), stop \(stop.seq): only the first stop lacks an arrival and "
                                    + "only the last a departure")
            }
        }
        let times = stops.flatMap { [$0.arrival, $0.departure].compactMap { $0?.offset } }
        guard zip(times, times.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw lastRow.error("train \(train.number): times must not go backwards")
        }
        guard stops[0].departure?.day == 0 else {
            throw lastRow.error("train \(train.number) must leave its first stop on day 0")
        }
    }

    struct RollingStockFile: Decodable {
        struct CoachTypeEntry: Decodable {
            let code: String
            let name: String
            let kind: CoachKind
            let `class`: String?
            let airConditioned: Bool
            let rows: Int?
            let layout: String?
        }
        struct ServiceEntry: Decodable {
            let code: String
            let name: String
            let consist: [String]
        }
        struct ClassEntry: Decodable {
            let code: String
            let name: String
        }
        let classes: [ClassEntry]
        let coachTypes: [CoachTypeEntry]
        let services: [ServiceEntry]
    }

    static func parseRollingStock(_ text: String) throws
        -> (classes: [TravelClass], coachTypes: [CoachType], services: [ServiceDefinition])
    {
        let file = "rolling-stock.json"
        func fail(_ message: String) -> ReferenceDataError {
            ReferenceDataError(file: file, line: nil, message: message)
        }
        let stock: RollingStockFile
        do {
            stock = try JSONDecoder().decode(RollingStockFile.self, from: Data(text.utf8))
        } catch {
            throw fail("cannot be read: \(error)")
        }
        func validCode(_ code: String, max: Int) -> Bool {
            (1...max).contains(code.count)
                && code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        }
        var classes: [TravelClass] = []
        for entry in stock.classes {
            guard validCode(entry.code, max: 8), !classes.contains(where: { $0.code == entry.code }) else {
                throw fail("class code \(entry.code) is invalid or repeated")
            }
            classes.append(TravelClass(code: entry.code, name: entry.name))
        }
        var coachTypes: [CoachType] = []
        for entry in stock.coachTypes {
            guard validCode(entry.code, max: 12), !coachTypes.contains(where: { $0.code == entry.code }) else {
                throw fail("coach type code \(entry.code) is invalid or repeated")
            }
            var type = CoachType(code: entry.code, name: entry.name, kind: entry.kind, travelClass: nil,
                                 airConditioned: entry.airConditioned, layout: nil, seats: [])
            if entry.kind == .seats {
                guard let travelClass = entry.class, classes.contains(where: { $0.code == travelClass }) else {
                    throw fail("coach type \(entry.code) needs one of the classes")
                }
                guard let rows = entry.rows, let layout = entry.layout, layout.count <= 16,
                      let seats = CoachType.seats(rows: rows, layout: layout), seats.count <= 255 else {
                    throw fail("coach type \(entry.code) needs rows and a layout of W, A, M and _ (255 seats at most)")
                }
                type.travelClass = travelClass
                type.layout = layout
                type.seats = seats
            } else if entry.class != nil || entry.rows != nil || entry.layout != nil {
                throw fail("coach type \(entry.code) carries no seats: no class, rows or layout")
            }
            coachTypes.append(type)
        }
        var services: [ServiceDefinition] = []
        for entry in stock.services {
            guard validCode(entry.code, max: 16), !services.contains(where: { $0.code == entry.code }) else {
                throw fail("service code \(entry.code) is invalid or repeated")
            }
            guard (1...255).contains(entry.consist.count) else { throw fail("service \(entry.code) needs a consist") }
            for code in entry.consist where !coachTypes.contains(where: { $0.code == code }) {
                throw fail("service \(entry.code) names the unknown coach type \(code)")
            }
            services.append(ServiceDefinition(code: entry.code, name: entry.name, consist: entry.consist))
        }
        guard !classes.isEmpty, !services.isEmpty else { throw fail("needs classes and services") }
        return (classes, coachTypes, services)
    }
}

/// A problem in a reference data file, with the file and line to fix.
public struct ReferenceDataError: Error, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
