import Foundation
import SQLKit
import SetragKernel
import SetragMySQL

/// Inventory's tables in MySQL (see `InventoryMigrations` for the schema).
public struct MySQLInventoryStore: InventoryStore {
    let db: any MySQLDatabase
    let locking: HoldLocking

    public init(database: any MySQLDatabase, locking: HoldLocking = .seatLegs) {
        self.db = database
        self.locking = locking
    }


    // MARK: network and rolling stock

    struct StationRow: Decodable {
        let seq: Int
        let code: String
        let name: String
        let km: Double
        let lat: Double
        let lon: Double
        let type: String
        let coord_quality: String
    }

    public func stations() async throws -> [Station] {
        try await db.raw("SELECT seq, code, name, km, lat, lon, type, coord_quality FROM stations ORDER BY seq")
            .all(decoding: StationRow.self)
            .map { Station(seq: $0.seq, code: $0.code, name: $0.name, km: $0.km, lat: $0.lat, lon: $0.lon,
                           type: $0.type, coordQuality: $0.coord_quality) }
    }

    struct LinePointRow: Decodable {
        let seq: Int
        let lat: Double
        let lon: Double
        let note: String
    }

    public func linePoints() async throws -> [LinePoint] {
        try await db.raw("SELECT seq, lat, lon, note FROM line_points ORDER BY seq").all(decoding: LinePointRow.self)
            .map { LinePoint(seq: $0.seq, lat: $0.lat, lon: $0.lon, note: $0.note) }
    }

    struct ClassRow: Decodable {
        let code: String
        let name: String
    }

    public func travelClasses() async throws -> [TravelClass] {
        try await db.raw("SELECT code, name FROM travel_classes ORDER BY sort_order, code").all(decoding: ClassRow.self)
            .map { TravelClass(code: $0.code, name: $0.name) }
    }

    struct TimetableRow: Decodable {
        let train_number: Int
        let service: String
        let direction: String
        let weekday: Int
        let seq: Int
        let station: String
        let arrival: String?
        let arrival_day: Int?
        let departure: String?
        let departure_day: Int?
    }

    public func timetable() async throws -> [TimetableTrain] {
        let rows = try await db.raw("""
            SELECT t.train_number, t.service, t.direction, t.weekday, s.seq, st.code AS station,
                s.arrival, s.arrival_day, s.departure, s.departure_day
            FROM timetable_trains t
            JOIN timetable_stops s ON s.train_number = t.train_number
            JOIN stations st ON st.id = s.station_id
            ORDER BY t.train_number, s.seq
            """).all(decoding: TimetableRow.self)
        var trains: [TimetableTrain] = []
        for row in rows {
            if trains.last?.number != row.train_number {
                trains.append(TimetableTrain(number: row.train_number, service: row.service, direction: row.direction,
                                             weekday: row.weekday, stops: []))
            }
            func time(_ clock: String?, _ day: Int?) -> StopTime? {
                guard let clock, let day else { return nil }
                return StopTime(clock: clock, day: day)
            }
            trains[trains.count - 1].stops.append(TimetableStop(
                seq: row.seq, station: row.station, arrival: time(row.arrival, row.arrival_day),
                departure: time(row.departure, row.departure_day)))
        }
        return trains
    }

    // MARK: trips

    struct DepartureRow: Decodable {
        let id: Int
        let train_number: Int
        let service: String
        let service_date: String
        let departure_at: Date
        let arrival_at: Date
    }

    /// Trips leaving `from` and stopping at `to` later on, scheduled, with `condition` on the departure from `from`.
    func departureQuery(from: String, to: String, condition: SQLQueryString, limit: Int) -> SQLQueryString {
        """
        SELECT t.id, t.train_number, t.service, t.service_date, a.departure_at, b.arrival_at
        FROM trip_stops a
        JOIN trip_stops b ON b.trip_id = a.trip_id AND b.seq > a.seq
        JOIN trips t ON t.id = a.trip_id
        WHERE a.station_id = (SELECT id FROM stations WHERE code = \(bind: from))
          AND b.station_id = (SELECT id FROM stations WHERE code = \(bind: to))
          AND \(condition) AND b.arrival_at IS NOT NULL AND t.status = 'scheduled'
        ORDER BY a.departure_at, t.train_number
        LIMIT \(literal: limit)
        """
    }

    public func departures(from: String, to: String, within window: Range<Date>) async throws -> [TripDeparture] {
        let condition: SQLQueryString =
            "a.departure_at >= \(bind: window.lowerBound) AND a.departure_at < \(bind: window.upperBound)"
        return try await db.raw(departureQuery(from: from, to: to, condition: condition, limit: 100))
            .all(decoding: DepartureRow.self)
            .compactMap { row in
                guard let date = LocalDate(iso: row.service_date.prefix(10)) else { return nil }
                return TripDeparture(tripID: row.id, trainNumber: row.train_number, service: row.service,
                                     serviceDate: date, departure: row.departure_at, arrival: row.arrival_at)
            }
    }

    public func nextDepartures(from: String, to: String, after: Date, limit: Int) async throws -> [Date] {
        try await db.raw(departureQuery(from: from, to: to, condition: "a.departure_at >= \(bind: after)",
                                        limit: limit))
            .all(decoding: DepartureRow.self).map(\.departure_at)
    }

    public func departureInstants(from: String, to: String, within window: Range<Date>,
                                  limit: Int) async throws -> [Date] {
        let condition: SQLQueryString =
            "a.departure_at >= \(bind: window.lowerBound) AND a.departure_at < \(bind: window.upperBound)"
        return try await db.raw(departureQuery(from: from, to: to, condition: condition, limit: limit))
            .all(decoding: DepartureRow.self).map(\.departure_at)
    }

    struct CoachSeatsRow: Decodable {
        let trip_id: Int
        let coach_position: Int
        let class_code: String
        let seat_count: Int
    }

    struct CoachCountRow: Decodable {
        let trip_id: Int
        let coach_position: Int
        let taken: Int
    }

    public func freeSeatsByClass(trips: [Int], legs: ClosedRange<Int>, now: Date) async throws -> [Int: [String: Int]] {
        guard !trips.isEmpty else { return [:] }
        let tripIDs = trips.map { $0 as any Encodable & Sendable }
        // The seats of each coach of the trips' own consists, less the seats taken on at least one leg of the
        // journey: only taken seat-legs are read (index seat_legs_taken), however many seats the train has.
        let coaches = try await db.raw("""
            SELECT tc.trip_id, tc.coach_position, ct.class_code, ct.seat_count
            FROM trip_coaches tc JOIN coach_types ct ON ct.code = tc.coach_type
            WHERE tc.trip_id IN (\(binds: tripIDs)) AND ct.class_code IS NOT NULL
            """).all(decoding: CoachSeatsRow.self)
        let taken = try await db.raw("""
            SELECT trip_id, coach_position, COUNT(DISTINCT seat_number) AS taken
            FROM seat_legs FORCE INDEX (seat_legs_taken)
            WHERE trip_id IN (\(binds: tripIDs)) AND hold_id IS NOT NULL
              AND leg_id BETWEEN \(bind: legs.lowerBound) AND \(bind: legs.upperBound)
              AND (hold_expires_at IS NULL OR hold_expires_at > \(bind: now))
            GROUP BY trip_id, coach_position
            """).all(decoding: CoachCountRow.self)
        struct Coach: Hashable {
            let trip: Int
            let position: Int
        }
        let takenByCoach = Dictionary(taken.map { (Coach(trip: $0.trip_id, position: $0.coach_position), $0.taken) }) {
            first, _ in first
        }
        var result: [Int: [String: Int]] = [:]
        for coach in coaches {
            let seats = coach.seat_count - (takenByCoach[Coach(trip: coach.trip_id, position: coach.coach_position)] ?? 0)
            result[coach.trip_id, default: [:]][coach.class_code, default: 0] += max(0, seats)
        }
        return result
    }

    struct TripRow: Decodable {
        let id: Int
        let train_number: Int
        let service_date: String
        let service: String
        let direction: String
        let status: String
        let locomotive: String?
    }

    struct StopRow: Decodable {
        let seq: Int
        let code: String
        let arrival_at: Date?
        let departure_at: Date?
    }

    struct CoachRow: Decodable {
        let coach_position: Int
        let code: String
        let name: String
        let kind: String
        let class_code: String?
        let air_conditioned: Bool
        let layout: String?
    }

    struct SeatRow: Decodable, Equatable {
        let coach_type: String
        let seat_number: Int
        let seat_row: Int
        let seat_column: Int
        let seat_position: String
    }

    struct TripIDRow: Decodable { let id: Int }

    public func trips(running window: Range<Date>) async throws -> [Int] {
        // Trips of the service days around the window only (no run lasts more than two days).
        let first = RailwayTime.date(of: window.lowerBound).adding(days: -3)
        let last = RailwayTime.date(of: window.upperBound).adding(days: 1)
        return try await db.raw("""
            SELECT t.id FROM trips t JOIN trip_stops s ON s.trip_id = t.id
            WHERE t.service_date BETWEEN \(bind: first.description) AND \(bind: last.description)
            GROUP BY t.id
            HAVING MIN(s.departure_at) < \(bind: window.upperBound) AND MAX(s.arrival_at) > \(bind: window.lowerBound)
            ORDER BY t.id
            """).all(decoding: TripIDRow.self).map(\.id)
    }

    public func trip(id: Int) async throws -> TripRecord? {
        guard let trip = try await db.raw("""
            SELECT id, train_number, service_date, service, direction, status, locomotive FROM trips
            WHERE id = \(bind: id)
            """).first(decoding: TripRow.self), let date = LocalDate(iso: trip.service_date.prefix(10)) else {
            return nil
        }
        let stops = try await db.raw("""
            SELECT s.seq, st.code, s.arrival_at, s.departure_at
            FROM trip_stops s JOIN stations st ON st.id = s.station_id
            WHERE s.trip_id = \(bind: id) ORDER BY s.seq
            """).all(decoding: StopRow.self)
        let coaches = try await db.raw("""
            SELECT tc.coach_position, ct.code, ct.name, ct.kind, ct.class_code, ct.air_conditioned, ct.layout
            FROM trip_coaches tc JOIN coach_types ct ON ct.code = tc.coach_type
            WHERE tc.trip_id = \(bind: id) ORDER BY tc.coach_position
            """).all(decoding: CoachRow.self)
        let seats = try await db.raw("""
            SELECT coach_type, seat_number, seat_row, seat_column, seat_position FROM coach_type_seats
            WHERE coach_type IN (SELECT coach_type FROM trip_coaches WHERE trip_id = \(bind: id))
            ORDER BY coach_type, seat_number
            """).all(decoding: SeatRow.self)
        let seatsByType = Dictionary(grouping: seats, by: \.coach_type).mapValues { rows in
            rows.map { Seat(number: $0.seat_number, row: $0.seat_row, column: $0.seat_column,
                            position: SeatPosition(rawValue: $0.seat_position) ?? .aisle) }
        }
        return TripRecord(
            id: trip.id, trainNumber: trip.train_number, serviceDate: date, service: trip.service,
            direction: trip.direction, status: trip.status,
            stops: stops.map {
                .init(seq: $0.seq, station: $0.code, arrival: $0.arrival_at, departure: $0.departure_at)
            },
            coaches: coaches.map { row in
                TripRecord.Coach(position: row.coach_position, type: CoachType(
                    code: row.code, name: row.name, kind: CoachKind(rawValue: row.kind) ?? .seats,
                    travelClass: row.class_code, airConditioned: row.air_conditioned, layout: row.layout,
                    seats: seatsByType[row.code] ?? []))
            },
            locomotive: trip.locomotive)
    }

    struct SeatKeyRow: Decodable {
        let coach_position: Int
        let seat_number: Int
    }

    public func freeSeats(trip: Int, legs: ClosedRange<Int>, now: Date) async throws -> Set<SeatKey> {
        // Every seat of the trip's coaches, less those taken on a leg of the journey (index seat_legs_taken).
        let all = try await db.raw("""
            SELECT tc.coach_position, s.seat_number
            FROM trip_coaches tc JOIN coach_type_seats s ON s.coach_type = tc.coach_type
            WHERE tc.trip_id = \(bind: trip)
            """).all(decoding: SeatKeyRow.self)
        let taken = try await db.raw("""
            SELECT DISTINCT coach_position, seat_number
            FROM seat_legs FORCE INDEX (seat_legs_taken)
            WHERE trip_id = \(bind: trip) AND hold_id IS NOT NULL
              AND leg_id BETWEEN \(bind: legs.lowerBound) AND \(bind: legs.upperBound)
              AND (hold_expires_at IS NULL OR hold_expires_at > \(bind: now))
            """).all(decoding: SeatKeyRow.self)
        let takenKeys = Set(taken.map { SeatKey(coach: $0.coach_position, seat: $0.seat_number) })
        return Set(all.map { SeatKey(coach: $0.coach_position, seat: $0.seat_number) }).subtracting(takenKeys)
    }

    // MARK: seeding

    struct TripKeyRow: Decodable {
        let train_number: Int
        let service_date: String
    }

    public func existingTrips(_ dates: ClosedRange<LocalDate>) async throws -> [LocalDate: Set<Int>] {
        let rows = try await db.raw("""
            SELECT train_number, service_date FROM trips
            WHERE service_date BETWEEN \(bind: dates.lowerBound.description) AND \(bind: dates.upperBound.description)
            """).all(decoding: TripKeyRow.self)
        var result: [LocalDate: Set<Int>] = [:]
        for row in rows {
            guard let date = LocalDate(iso: row.service_date.prefix(10)) else { continue }
            result[date, default: []].insert(row.train_number)
        }
        return result
    }

    struct IDRow: Decodable {
        let id: Int
        let code: String
    }

    struct CountRow: Decodable { let n: Int }

    public func create(_ trip: PlannedTrip, now: Date) async throws -> Bool {
        do {
            return try await db.withTransaction { tx in
                let stationIDs = Dictionary(
                    try await tx.raw("SELECT id, code FROM stations").all(decoding: IDRow.self).map { ($0.code, $0.id) }
                ) { first, _ in first }
                let legs = try await tx.raw("""
                    SELECT COUNT(*) AS n FROM legs
                    WHERE id BETWEEN \(bind: trip.legs.lowerBound) AND \(bind: trip.legs.upperBound)
                    """).first(decoding: CountRow.self)?.n ?? 0
                guard legs == trip.legs.count else { throw InventoryStoreError.missingLegs(trip.trainNumber) }
                let id = try await tx.exec(SQLQueryString("""
                    INSERT INTO trips (train_number, service_date, service, direction, status, first_leg, last_leg,
                        departs_at, arrives_at, created_at)
                    VALUES (\(bind: trip.trainNumber), \(bind: trip.serviceDate.description), \(bind: trip.service),
                        \(bind: trip.direction), 'scheduled', \(bind: trip.legs.lowerBound),
                        \(bind: trip.legs.upperBound), \(bind: trip.departure), \(bind: trip.arrival), \(bind: now))
                    """)).lastInsertID
                let stops = tx.insert(into: "trip_stops")
                    .columns("trip_id", "seq", "station_id", "arrival_at", "departure_at")
                for stop in trip.stops {
                    guard let station = stationIDs[stop.station] else {
                        throw InventoryStoreError.unknownStation(stop.station)
                    }
                    stops.values([id, stop.seq, station, stop.arrival, stop.departure])
                }
                _ = try await tx.exec(stops.insert)
                // The trip's own copy of its service's consist: a later change of either leaves the other alone.
                let coaches = try await tx.exec(SQLQueryString("""
                    INSERT INTO trip_coaches (trip_id, coach_position, coach_type)
                    SELECT \(bind: id), coach_position, coach_type FROM consist_coaches
                    WHERE service = \(bind: trip.service) ORDER BY coach_position
                    """))
                guard coaches.affectedRows > 0 else { throw InventoryStoreError.noConsist(trip.service) }
                // One row per seat and leg, made by the server in one statement (~17,000 rows for a full trip).
                _ = try await tx.exec(SQLQueryString("""
                    INSERT INTO seat_legs (trip_id, coach_position, seat_number, leg_id)
                    SELECT tc.trip_id, tc.coach_position, s.seat_number, l.id
                    FROM trip_coaches tc
                    JOIN coach_type_seats s ON s.coach_type = tc.coach_type
                    JOIN legs l ON l.id BETWEEN \(bind: trip.legs.lowerBound) AND \(bind: trip.legs.upperBound)
                    WHERE tc.trip_id = \(bind: id)
                    ORDER BY tc.coach_position, s.seat_number, l.id
                    """))
                return true
            }
        } catch MySQLError.duplicateKey(let message) where message.contains("trips_train_date") {
            return false
        }
    }

    // MARK: reference data

    public func save(_ data: ReferenceData) async throws -> Int {
        try await db.withTransaction { tx in
            var changed = 0
            changed += try await Self.upsert(
                tx, "travel_classes", ["code", "name", "sort_order"], keys: ["code"],
                rows: data.classes.enumerated().map { [$1.code, $1.name, $0 + 1] })
            changed += try await saveCoachTypes(tx, data.coachTypes)
            changed += try await Self.upsert(tx, "services", ["code", "name"], keys: ["code"],
                                             rows: data.services.map { [$0.code, $0.name] })
            for service in data.services {
                changed += try await Self.upsert(
                    tx, "consist_coaches", ["service", "coach_position", "coach_type"],
                    keys: ["service", "coach_position"],
                    rows: service.consist.enumerated().map { [service.code, $0 + 1, $1] })
                changed += try await Self.delete(tx, """
                    DELETE FROM consist_coaches
                    WHERE service = \(bind: service.code) AND coach_position > \(bind: service.consist.count)
                    """)
            }
            changed += try await saveNetwork(tx, data)
            changed += try await saveTimetable(tx, data.timetable)
            // What the data no longer has, where nothing uses it any more.
            let services = data.services.map { $0.code as any Encodable & Sendable }
            changed += try await Self.delete(tx, "DELETE FROM services WHERE code NOT IN (\(binds: services))")
            let types = data.coachTypes.map { $0.code as any Encodable & Sendable }
            changed += try await Self.delete(tx, """
                DELETE FROM coach_types WHERE code NOT IN (\(binds: types))
                  AND NOT EXISTS (SELECT 1 FROM trip_coaches tc WHERE tc.coach_type = coach_types.code)
                  AND NOT EXISTS (SELECT 1 FROM consist_coaches cc WHERE cc.coach_type = coach_types.code)
                """)
            let classes = data.classes.map { $0.code as any Encodable & Sendable }
            changed += try await Self.delete(tx, """
                DELETE FROM travel_classes WHERE code NOT IN (\(binds: classes))
                  AND NOT EXISTS (SELECT 1 FROM coach_types ct WHERE ct.class_code = travel_classes.code)
                """)
            return changed
        }
    }

    struct CoachTypeRow: Decodable {
        let code: String
        let kind: String
        let class_code: String?
    }

    struct CodeRow: Decodable { let coach_type: String }

    /// Coach types and their seat maps. A type some trip uses keeps its kind, class and seat map: the trip's
    /// seat-legs were made from them.
    func saveCoachTypes(_ tx: any MySQLDatabase, _ types: [CoachType]) async throws -> Int {
        let used = Set(try await tx.raw("SELECT DISTINCT coach_type FROM trip_coaches").all(decoding: CodeRow.self)
            .map(\.coach_type))
        let existing = Dictionary(
            try await tx.raw("SELECT code, kind, class_code FROM coach_types").all(decoding: CoachTypeRow.self)
                .map { ($0.code, $0) }) { first, _ in first }
        for type in types where used.contains(type.code) {
            if let row = existing[type.code], row.kind != type.kind.rawValue || row.class_code != type.travelClass {
                throw InventoryStoreError.coachTypeInUse(type.code)
            }
        }
        var changed = try await Self.upsert(
            tx, "coach_types", ["code", "name", "kind", "class_code", "air_conditioned", "layout", "seat_count"],
            keys: ["code"],
            rows: types.map { [$0.code, $0.name, $0.kind.rawValue, $0.travelClass, $0.airConditioned, $0.layout,
                               $0.seats.count] })
        for type in types {
            let current = try await tx.raw("""
                SELECT coach_type, seat_number, seat_row, seat_column, seat_position FROM coach_type_seats
                WHERE coach_type = \(bind: type.code) ORDER BY seat_number
                """).all(decoding: SeatRow.self)
            let wanted = type.seats.map {
                SeatRow(coach_type: type.code, seat_number: $0.number, seat_row: $0.row, seat_column: $0.column,
                        seat_position: $0.position.rawValue)
            }
            guard current != wanted else { continue }
            guard !used.contains(type.code) else { throw InventoryStoreError.coachTypeInUse(type.code) }
            changed += try await Self.delete(tx, "DELETE FROM coach_type_seats WHERE coach_type = \(bind: type.code)")
            changed += try await Self.upsert(
                tx, "coach_type_seats", ["coach_type", "seat_number", "seat_row", "seat_column", "seat_position"],
                keys: ["coach_type", "seat_number"],
                rows: wanted.map { [$0.coach_type, $0.seat_number, $0.seat_row, $0.seat_column, $0.seat_position] })
        }
        return changed
    }

    /// Stations, the legs between consecutive ones, and the polyline.
    func saveNetwork(_ tx: any MySQLDatabase, _ data: ReferenceData) async throws -> Int {
        var changed = try await Self.upsert(
            tx, "stations", ["code", "name", "seq", "km", "lat", "lon", "type", "coord_quality"], keys: ["code"],
            rows: data.stations.map { [$0.code, $0.name, $0.seq, $0.km, $0.lat, $0.lon, $0.type, $0.coordQuality] })
        let ids = Dictionary(try await tx.raw("SELECT id, code FROM stations").all(decoding: IDRow.self)
            .map { ($0.code, $0.id) }) { first, _ in first }
        let legs = zip(data.stations, data.stations.dropFirst()).map { from, to -> [any Encodable & Sendable] in
            [from.seq, ids[from.code]!, ids[to.code]!, to.km - from.km]
        }
        changed += try await Self.upsert(tx, "legs", ["id", "from_station_id", "to_station_id", "km"], keys: ["id"],
                                         rows: legs)
        changed += try await Self.delete(tx, "DELETE FROM legs WHERE id >= \(bind: data.stations.count)")
        changed += try await Self.upsert(tx, "line_points", ["seq", "lat", "lon", "note"], keys: ["seq"],
                                         rows: data.line.map { [$0.seq, $0.lat, $0.lon, $0.note] })
        changed += try await Self.delete(tx, "DELETE FROM line_points WHERE seq > \(bind: data.line.count)")
        let codes = data.stations.map { $0.code as any Encodable & Sendable }
        changed += try await Self.delete(tx, "DELETE FROM stations WHERE code NOT IN (\(binds: codes))")
        return changed
    }

    func saveTimetable(_ tx: any MySQLDatabase, _ trains: [TimetableTrain]) async throws -> Int {
        let ids = Dictionary(try await tx.raw("SELECT id, code FROM stations").all(decoding: IDRow.self)
            .map { ($0.code, $0.id) }) { first, _ in first }
        var changed = try await Self.upsert(
            tx, "timetable_trains", ["train_number", "service", "direction", "weekday"], keys: ["train_number"],
            rows: trains.map { [$0.number, $0.service, $0.direction, $0.weekday] })
        let stops = trains.flatMap { train in
            train.stops.map { stop -> [any Encodable & Sendable] in
                [train.number, stop.seq, ids[stop.station]!, stop.arrival?.clock, stop.arrival?.day,
                 stop.departure?.clock, stop.departure?.day]
            }
        }
        changed += try await Self.upsert(
            tx, "timetable_stops",
            ["train_number", "seq", "station_id", "arrival", "arrival_day", "departure", "departure_day"],
            keys: ["train_number", "seq"], rows: stops)
        for train in trains {
            changed += try await Self.delete(tx, """
                DELETE FROM timetable_stops
                WHERE train_number = \(bind: train.number) AND seq > \(bind: train.stops.count)
                """)
        }
        let numbers = trains.map { $0.number as any Encodable & Sendable }
        changed += try await Self.delete(
            tx, "DELETE FROM timetable_trains WHERE train_number NOT IN (\(binds: numbers))")
        return changed
    }

    /// Inserts the rows, updating those whose key exists; returns the rows changed (0 when all were as given).
    static func upsert(_ db: any MySQLDatabase, _ table: String, _ columns: [String], keys: Set<String>,
                       rows: [[any Encodable & Sendable]]) async throws -> Int {
        var changed = 0
        var start = 0
        while start < rows.count {
            let end = min(start + 200, rows.count)
            let builder = db.insert(into: table).columns(columns)
            for row in rows[start..<end] { builder.values(row) }
            builder.onConflict { update in
                columns.filter { !keys.contains($0) }.reduce(update) { $0.set(excludedValueOf: $1) }
            }
            changed += Int(try await db.exec(builder.insert).affectedRows)
            start = end
        }
        return changed
    }

    static func delete(_ db: any MySQLDatabase, _ query: SQLQueryString) async throws -> Int {
        Int(try await db.exec(query).affectedRows)
    }
}

public enum InventoryStoreError: Error, CustomStringConvertible {
    case coachTypeInUse(String)
    case noConsist(String)
    case missingLegs(Int)
    case unknownStation(String)

    public var description: String {
        switch self {
        case .coachTypeInUse(let code):
            return "coach type \(code) is used by trips: its kind, class and seat map cannot change "
                + "(give a new map a new code)"
        case .noConsist(let service): return "the service \(service) has no consist"
        case .missingLegs(let train): return "train \(train) runs over legs the network does not have"
        case .unknownStation(let code): return "unknown station \(code)"
        }
    }
}
