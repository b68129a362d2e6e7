import Foundation
import SQLKit
import SetragEvents
import SetragKernel
import SetragMySQL

/// Tracking's tables in MySQL (see `TrackingMigrations` for the schema).
public struct MySQLTrackingStore: TrackingStore {
    let db: any MySQLDatabase

    public init(database: any MySQLDatabase) { self.db = database }

    // MARK: devices and runs

    /// A device with the times of the run it travels with (to tell when that run is over without another query).
    static let deviceSelect = """
        SELECT d.id, d.name, d.kind, d.locomotive, d.key_hash, d.broker_hash, d.trip_id, d.assigned_at,
            d.assignment_source, d.assigned_by, d.created_at, d.created_by,
            r.departure_at AS run_departure_at, r.arrival_at AS run_arrival_at
        FROM devices d LEFT JOIN runs r ON r.trip_id = d.trip_id
        """

    struct DeviceRow: Decodable {
        let id: Int
        let name: String
        let kind: String
        let locomotive: String?
        let key_hash: Data
        let broker_hash: String?
        let trip_id: Int?
        let assigned_at: Date?
        let assignment_source: String?
        let assigned_by: String?
        let created_at: Date
        let created_by: String
        let run_departure_at: Date?
        let run_arrival_at: Date?

        var record: DeviceRecord {
            let assigned = trip_id != nil
            return DeviceRecord(
                id: id, name: name, kind: kind, keyHash: [UInt8](key_hash), brokerHash: broker_hash, tripID: trip_id,
                assignedAt: assigned_at, createdAt: created_at, createdBy: created_by, locomotive: locomotive,
                assignmentSource: assigned ? AssignmentSource(rawValue: assignment_source ?? "") ?? .operator : nil,
                assignedBy: assigned ? assigned_by : nil, runDepartureAt: assigned ? run_departure_at : nil,
                runArrivalAt: assigned ? run_arrival_at : nil)
        }
    }

    public func createDevice(name: String, kind: String, locomotive: String?, credentials: DeviceCredentials,
                             createdBy: String, now: Date) async throws -> DeviceRecord
    {
        let result = try await db.exec(SQLQueryString("""
            INSERT INTO devices (name, kind, locomotive, key_hash, broker_hash, created_at, created_by)
            VALUES (\(bind: name), \(bind: kind), \(bind: locomotive), \(bind: Data(credentials.keyHash)),
                \(bind: credentials.brokerHash), \(bind: now), \(bind: createdBy))
            """))
        guard let device = try await device(id: Int(result.lastInsertID)) else { throw CancellationError() }
        return device
    }

    public func device(id: Int) async throws -> DeviceRecord? {
        try await db.raw("\(unsafeRaw: Self.deviceSelect) WHERE d.id = \(bind: id)")
            .first(decoding: DeviceRow.self)?.record
    }

    public func rekey(device id: Int, credentials: DeviceCredentials) async throws -> Bool {
        try await db.exec(SQLQueryString("""
            UPDATE devices
            SET key_hash = \(bind: Data(credentials.keyHash)), broker_hash = \(bind: credentials.brokerHash)
            WHERE id = \(bind: id)
            """)).affectedRows == 1
    }

    public func devices() async throws -> [DeviceRecord] {
        try await db.raw("\(unsafeRaw: Self.deviceSelect) ORDER BY d.id")
            .all(decoding: DeviceRow.self).map(\.record)
    }

    public func assign(device id: Int, to run: RunRecord?, by subject: String, now: Date) async throws
        -> DeviceRecord?
    {
        let changed = try await db.withTransaction { tx -> Bool in
            if let run { try await Self.record(run, now: now, on: tx) }
            let found = try await tx.raw("SELECT id FROM devices WHERE id = \(bind: id) FOR UPDATE")
                .first(decoding: IDRow.self)
            guard found != nil else { return false }
            try await Self.setAssignment(device: id, run: run, source: .operator, by: subject, now: now, on: tx)
            return true
        }
        return changed ? try await device(id: id) : nil
    }

    struct AssignmentRow: Decodable {
        let trip_id: Int?
        let assignment_source: String?
        let locomotive: String?
    }

    public func assignAutomatically(device id: Int, to run: RunRecord?, locomotive: String,
                                    expected: (tripID: Int?, source: AssignmentSource?), now: Date) async throws
        -> DeviceRecord?
    {
        let found = try await db.withTransaction { tx -> Bool in
            guard let current = try await tx.raw("""
                SELECT trip_id, assignment_source, locomotive FROM devices WHERE id = \(bind: id) FOR UPDATE
                """).first(decoding: AssignmentRow.self) else { return false }
            let source = current.trip_id == nil ? nil
                : AssignmentSource(rawValue: current.assignment_source ?? "") ?? .operator
            // Changed meanwhile (an operator, another process): what is there now stands.
            guard current.trip_id == expected.tripID, source == expected.source, current.locomotive == locomotive
            else { return true }
            if let run { try await Self.record(run, now: now, on: tx) }
            try await Self.setAssignment(device: id, run: run, source: .locomotive, by: locomotive, now: now, on: tx)
            return true
        }
        return found ? try await device(id: id) : nil
    }

    public func setLocomotive(device id: Int, to locomotive: String?) async throws -> DeviceRecord? {
        let found = try await db.withTransaction { tx -> Bool in
            guard let current = try await tx.raw("""
                SELECT trip_id, assignment_source, locomotive FROM devices WHERE id = \(bind: id) FOR UPDATE
                """).first(decoding: AssignmentRow.self) else { return false }
            _ = try await tx.exec(SQLQueryString("""
                UPDATE devices SET locomotive = \(bind: locomotive) WHERE id = \(bind: id)
                """))
            // An automatic assignment came from the old locomotive's plan: it ends with it.
            if current.trip_id != nil, current.assignment_source == AssignmentSource.locomotive.rawValue,
               current.locomotive != locomotive {
                _ = try await tx.exec(SQLQueryString("""
                    UPDATE devices SET trip_id = NULL, assigned_at = NULL, assignment_source = NULL, assigned_by = NULL
                    WHERE id = \(bind: id)
                    """))
            }
            return true
        }
        return found ? try await device(id: id) : nil
    }

    static func setAssignment(device id: Int, run: RunRecord?, source: AssignmentSource, by: String, now: Date,
                              on tx: any MySQLDatabase) async throws {
        let assigned = run != nil
        _ = try await tx.exec(SQLQueryString("""
            UPDATE devices SET trip_id = \(bind: run?.tripID), assigned_at = \(bind: assigned ? now : nil),
                assignment_source = \(bind: assigned ? source.rawValue : nil),
                assigned_by = \(bind: assigned ? by : nil)
            WHERE id = \(bind: id)
            """))
    }

    /// The run as inventory describes it now.
    static func record(_ run: RunRecord, now: Date, on tx: any MySQLDatabase) async throws {
        _ = try await tx.exec(SQLQueryString("""
            INSERT INTO runs (trip_id, train_number, service_date, service, origin, destination,
                departure_at, arrival_at, status, updated_at)
            VALUES (\(bind: run.tripID), \(bind: run.trainNumber), \(bind: run.serviceDate),
                \(bind: run.service), \(bind: run.origin), \(bind: run.destination), \(bind: run.departureAt),
                \(bind: run.arrivalAt), \(bind: run.status), \(bind: now))
            ON DUPLICATE KEY UPDATE train_number = \(bind: run.trainNumber),
                service_date = \(bind: run.serviceDate), service = \(bind: run.service),
                origin = \(bind: run.origin), destination = \(bind: run.destination),
                departure_at = \(bind: run.departureAt), arrival_at = \(bind: run.arrivalAt),
                status = \(bind: run.status), updated_at = \(bind: now)
            """))
    }

    struct IDRow: Decodable { let id: Int }

    static let runColumns = """
        r.trip_id, r.train_number, r.service_date, r.service, r.origin, r.destination, r.departure_at,
        r.arrival_at, r.status
        """

    struct RunRow: Decodable {
        let trip_id: Int
        let train_number: Int
        let service_date: String
        let service: String
        let origin: String
        let destination: String
        let departure_at: Date?
        let arrival_at: Date?
        let status: String

        var record: RunRecord {
            RunRecord(tripID: trip_id, trainNumber: train_number, serviceDate: String(service_date.prefix(10)),
                      service: service, origin: origin, destination: destination, departureAt: departure_at,
                      arrivalAt: arrival_at, status: status)
        }
    }

    public func run(tripID: Int) async throws -> RunRecord? {
        try await db.raw("SELECT \(unsafeRaw: Self.runColumns) FROM runs r WHERE r.trip_id = \(bind: tripID)")
            .first(decoding: RunRow.self)?.record
    }

    // MARK: positions

    /// Rows per statement: 15 values a row stays under the server's 65,535 placeholders of a prepared statement.
    static let rowsPerStatement = 2000

    public func store(_ positions: [StoredPosition]) async throws -> StoredBatch {
        guard positions.count > Self.rowsPerStatement else { return try await storeChunk(positions) }
        // A large batch (a flush after a backlog) goes in chunks, each in its own transaction.
        var result = StoredBatch(inserted: 0, stored: [])
        for start in stride(from: 0, to: positions.count, by: Self.rowsPerStatement) {
            let chunk = try await storeChunk(Array(positions[start..<min(start + Self.rowsPerStatement,
                                                                              positions.count)]))
            result.inserted += chunk.inserted
            result.stored += chunk.stored
        }
        return result
    }

    func storeChunk(_ positions: [StoredPosition]) async throws -> StoredBatch {
        guard !positions.isEmpty else { return StoredBatch(inserted: 0, stored: []) }
        let rows: [SQLQueryString] = positions.map { p in
            let fix = p.fix
            return """
                (\(bind: p.deviceID), \(bind: PositionDay.of(fix.ts)), \(bind: fix.ts), \(bind: fix.seq),
                \(bind: p.tripID), \(bind: fix.lat), \(bind: fix.lon), \(bind: fix.speedKmh), \(bind: fix.heading),
                \(bind: fix.accuracy), \(bind: fix.altitude), \(bind: p.line?.pk),
                \(bind: p.line.map { Int($0.offLine.rounded()) }), \(bind: p.receivedAt))
                """
        }
        return try await retryingDeadlocks {
            try await db.withTransaction { tx in
                let inserted = try await tx.exec("""
                    INSERT IGNORE INTO positions (device_id, day, ts, seq, trip_id, lat, lon, speed_kmh, heading,
                        accuracy_m, altitude_m, pk_km, off_line_m, received_at)
                    VALUES \(rows.joined(separator: ", "))
                    """ as SQLQueryString).affectedRows
                // A fix skipped as a duplicate of another (same seq at another time) must not become the latest:
                // only fixes whose device, time and seq are in the table count. When every row went in, all do.
                let stored = inserted == UInt64(positions.count) ? positions : try await Self.present(positions, in: tx)
                var newest: [String: StoredPosition] = [:]
                for position in stored {
                    let key = "\(position.deviceID)/\(position.tripID)"
                    if newest[key].map({ $0.fix.ts < position.fix.ts }) ?? true { newest[key] = position }
                }
                try await Self.keepLatest(newest.values.sorted { ($0.deviceID, $0.tripID) < ($1.deviceID, $1.tripID) },
                                          in: tx)
                try await Self.keepHistory(stored, in: tx)
                return StoredBatch(inserted: Int(inserted), stored: stored)
            }
        }
    }

    struct KeyRow: Decodable {
        let device_id: Int
        let ts: Date
        let seq: Int64?
    }

    /// The positions of the batch that the table holds (inserted now or before), by device, time and seq: one
    /// query for the whole batch.
    static func present(_ positions: [StoredPosition], in tx: any MySQLDatabase) async throws -> [StoredPosition] {
        func key(_ device: Int, _ ts: Date, _ seq: Int64?) -> String {
            "\(device)/\(Int64((ts.timeIntervalSince1970 * 1000).rounded()))/\(seq.map(String.init) ?? "-")"
        }
        let pairs: [SQLQueryString] = positions.map { "(\(bind: $0.deviceID), \(bind: $0.fix.ts))" }
        let days = positions.map { PositionDay.of($0.fix.ts) }
        let rows = try await tx.raw("""
            SELECT device_id, ts, seq FROM positions
            WHERE (device_id, ts) IN (\(pairs.joined(separator: ", ")))
              AND day BETWEEN \(bind: days.min()!) AND \(bind: days.max()!)
            """).all(decoding: KeyRow.self)
        let found = Set(rows.map { key($0.device_id, $0.ts, $0.seq) })
        return positions.filter { found.contains(key($0.deviceID, $0.fix.ts, $0.fix.seq)) }
    }

    /// Inserts each run's latest position, or replaces the one kept when the new one is newer: one statement for
    /// the batch (every column takes the new value only when the new fix is newer; `ts` is set last).
    static func keepLatest(_ positions: [StoredPosition], in tx: any MySQLDatabase) async throws {
        guard !positions.isEmpty else { return }
        let rows: [SQLQueryString] = positions.map { p in
            let fix = p.fix, line = p.line
            return """
                (\(bind: p.deviceID), \(bind: p.tripID), \(bind: fix.ts), \(bind: fix.lat), \(bind: fix.lon),
                \(bind: fix.speedKmh), \(bind: fix.heading), \(bind: fix.accuracy), \(bind: line?.pk),
                \(bind: line.map { Int($0.offLine.rounded()) }), \(bind: line?.from), \(bind: line?.to),
                \(bind: line?.station), \(bind: p.motion.rawValue), \(bind: p.receivedAt))
                """
        }
        let columns = ["lat", "lon", "speed_kmh", "heading", "accuracy_m", "pk_km", "off_line_m", "leg_from", "leg_to",
                       "station", "motion", "received_at"]
        let updates = columns.map { "\($0) = IF(VALUES(ts) > ts, VALUES(\($0)), \($0))" }.joined(separator: ", ")
        _ = try await tx.exec(SQLQueryString("""
            INSERT INTO latest_positions (device_id, trip_id, ts, lat, lon, speed_kmh, heading, accuracy_m,
                pk_km, off_line_m, leg_from, leg_to, station, motion, received_at)
            VALUES \(rows.joined(separator: ", "))
            ON DUPLICATE KEY UPDATE \(unsafeRaw: updates), ts = GREATEST(ts, VALUES(ts))
            """))
    }

    static let latestColumns = """
        l.device_id, l.trip_id, l.ts, l.lat, l.lon, l.speed_kmh, l.heading, l.accuracy_m, l.pk_km, l.off_line_m,
        l.leg_from, l.leg_to, l.station, l.motion, l.received_at
        """

    struct LatestRow: Decodable {
        let device_id: Int
        let trip_id: Int
        let ts: Date
        let lat: Double
        let lon: Double
        let speed_kmh: Double?
        let heading: Double?
        let accuracy_m: Double?
        let pk_km: Double?
        let off_line_m: Int?
        let leg_from: String?
        let leg_to: String?
        let station: String?
        let motion: String
        let received_at: Date

        var position: StoredPosition {
            var line: LinePosition?
            if let pk_km, let leg_from, let leg_to {
                line = LinePosition(pk: pk_km, offLine: Double(off_line_m ?? 0), from: leg_from, to: leg_to,
                                    station: station)
            }
            return StoredPosition(
                deviceID: device_id, tripID: trip_id,
                fix: Fix(ts: ts, lat: lat, lon: lon, speedKmh: speed_kmh, heading: heading, accuracy: accuracy_m),
                line: line, motion: Motion(rawValue: motion) ?? .unknown, receivedAt: received_at)
        }
    }

    public func latestPositions() async throws -> [StoredPosition] {
        try await db.raw("SELECT \(unsafeRaw: Self.latestColumns) FROM latest_positions l ORDER BY l.device_id")
            .all(decoding: LatestRow.self).map(\.position)
    }

    struct TrainRow: Decodable {
        let latest: LatestRow
        let run: RunRow
        init(from decoder: any Decoder) throws {
            latest = try LatestRow(from: decoder)
            run = try RunRow(from: decoder)
        }
    }

    public func trains(since: Date) async throws -> [TrainPosition] {
        let rows = try await db.raw("""
            SELECT \(unsafeRaw: Self.latestColumns), \(unsafeRaw: Self.runColumns)
            FROM latest_positions l JOIN runs r ON r.trip_id = l.trip_id
            WHERE l.trip_id > 0 AND l.ts >= \(bind: since)
            ORDER BY l.trip_id, l.ts DESC
            """).all(decoding: TrainRow.self)
        var seen: Set<Int> = []
        return rows.compactMap { row in
            guard seen.insert(row.run.trip_id).inserted else { return nil }
            return TrainPosition(run: row.run.record, position: row.latest.position)
        }
    }

    public func latest(tripID: Int) async throws -> StoredPosition? {
        try await db.raw("""
            SELECT \(unsafeRaw: Self.latestColumns) FROM latest_positions l
            WHERE l.trip_id = \(bind: tripID) ORDER BY l.ts DESC LIMIT 1
            """).first(decoding: LatestRow.self)?.position
    }

    struct TrackRow: Decodable {
        let ts: Date
        let lat: Double
        let lon: Double
        let speed_kmh: Double?
        let pk_km: Double?
    }

    /// The runs' downsampled history: the first fix of each run's minute in this batch, unless the minute has one.
    static func keepHistory(_ stored: [StoredPosition], in tx: any MySQLDatabase) async throws {
        var firsts: [String: StoredPosition] = [:]
        for position in stored where position.tripID != 0 {
            let key = "\(position.tripID)/\(historyMinute(position.fix.ts))"
            if firsts[key].map({ $0.fix.ts > position.fix.ts }) ?? true { firsts[key] = position }
        }
        guard !firsts.isEmpty else { return }
        let rows: [SQLQueryString] = firsts.values.sorted { ($0.tripID, $0.fix.ts) < ($1.tripID, $1.fix.ts) }.map { p in
            """
            (\(bind: p.tripID), \(bind: historyMinute(p.fix.ts)), \(bind: p.fix.lat), \(bind: p.fix.lon),
            \(bind: p.fix.speedKmh), \(bind: p.line?.pk))
            """
        }
        _ = try await tx.exec("""
            INSERT INTO run_history (trip_id, minute, lat, lon, speed_kmh, pk_km) VALUES \(rows.joined(separator: ", "))
            ON DUPLICATE KEY UPDATE trip_id = trip_id
            """ as SQLQueryString)
    }

    static func historyMinute(_ ts: Date) -> Int { Int((ts.timeIntervalSince1970 / 60).rounded(.down)) }

    struct HistoryRow: Decodable {
        let minute: Int
        let lat: Double
        let lon: Double
        let speed_kmh: Double?
        let pk_km: Double?
    }

    public func history(tripID: Int, limit: Int) async throws -> [TrackPoint] {
        try await db.raw("""
            SELECT minute, lat, lon, speed_kmh, pk_km FROM run_history WHERE trip_id = \(bind: tripID)
            ORDER BY minute LIMIT \(literal: max(1, limit))
            """).all(decoding: HistoryRow.self).map {
            TrackPoint(ts: Date(timeIntervalSince1970: Double($0.minute) * 60), lat: $0.lat, lon: $0.lon,
                       speedKmh: $0.speed_kmh, pk: $0.pk_km)
        }
    }

    public func dropHistory(before: Date) async throws -> Int {
        Int(try await db.exec("""
            DELETE FROM run_history WHERE minute < \(bind: Self.historyMinute(before)) LIMIT 100000
            """ as SQLQueryString).affectedRows)
    }

    public func track(tripID: Int, since: Date, limit: Int) async throws -> [TrackPoint] {
        // `day` bounds let the server read only the partitions of those days.
        let rows = try await db.raw("""
            SELECT ts, lat, lon, speed_kmh, pk_km FROM positions
            WHERE trip_id = \(bind: tripID) AND ts >= \(bind: since) AND day >= \(bind: PositionDay.of(since))
            ORDER BY ts DESC LIMIT \(literal: limit)
            """).all(decoding: TrackRow.self)
        return rows.reversed().map { TrackPoint(ts: $0.ts, lat: $0.lat, lon: $0.lon, speedKmh: $0.speed_kmh,
                                                pk: $0.pk_km) }
    }

    // MARK: partitions

    struct PartitionRow: Decodable {
        let name: String
        let description: String?
    }

    public func partitions() async throws -> [PositionPartition] {
        try await db.raw("""
            SELECT PARTITION_NAME AS name, PARTITION_DESCRIPTION AS description FROM information_schema.PARTITIONS
            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'positions' AND PARTITION_NAME IS NOT NULL
            ORDER BY PARTITION_ORDINAL_POSITION
            """).all(decoding: PartitionRow.self)
            .map { PositionPartition(name: $0.name, lessThan: $0.description.flatMap { Int($0) }) }
    }

    /// DDL takes no bound values: the SQL is made of partition names and day numbers computed here.
    public func addPartitions(days: [Int]) async throws {
        guard !days.isEmpty else { return }
        let parts = days.sorted().map { "PARTITION \(PositionDay.partitionName($0)) VALUES LESS THAN (\($0 + 1))" }
        _ = try await db.exec(SQLRaw("""
            ALTER TABLE positions REORGANIZE PARTITION p_future INTO (\(parts.joined(separator: ", ")),
                PARTITION p_future VALUES LESS THAN MAXVALUE)
            """))
    }

    public func dropPartitions(_ names: [String]) async throws {
        let safe = names.filter { name in name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x70 } }
        guard !safe.isEmpty, safe.count == names.count else { return }
        _ = try await db.exec(SQLRaw("ALTER TABLE positions DROP PARTITION \(safe.joined(separator: ", "))"))
    }
}

// MARK: progress

extension MySQLTrackingStore {
    struct ProgressRow: Decodable {
        let state: String
    }

    static func decode(_ state: String) throws -> RunProgress {
        try JSONDecoder().decode(RunProgress.self, from: Data(state.utf8))
    }

    public func progress(tripID: Int) async throws -> RunProgress? {
        try await db.raw("SELECT state FROM run_progress WHERE trip_id = \(bind: tripID)")
            .first(decoding: ProgressRow.self).map { try Self.decode($0.state) }
    }

    public func updateProgress(tripID: Int, initial: RunProgress, now: Date,
                               _ change: @escaping @Sendable (inout RunProgress) -> [any DomainEvent]) async throws
        -> RunProgress
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let initialState = String(decoding: try encoder.encode(initial), as: UTF8.self)
        return try await retryingDeadlocks {
            try await db.withTransaction { tx in
                _ = try await tx.exec(SQLQueryString("""
                    INSERT IGNORE INTO run_progress (trip_id, state, delay_seconds, updated_at)
                    VALUES (\(bind: tripID), \(bind: initialState), NULL, \(bind: now))
                    """))
                guard let row = try await tx.raw("""
                    SELECT state FROM run_progress WHERE trip_id = \(bind: tripID) FOR UPDATE
                    """).first(decoding: ProgressRow.self) else { throw CancellationError() }
                var progress = try Self.decode(row.state)
                let before = progress
                let events = change(&progress)
                guard progress != before else { return progress }
                let state = String(decoding: try encoder.encode(progress), as: UTF8.self)
                _ = try await tx.exec(SQLQueryString("""
                    UPDATE run_progress SET state = \(bind: state),
                        delay_seconds = \(bind: progress.estimate(now: now).delaySeconds), updated_at = \(bind: now)
                    WHERE trip_id = \(bind: tripID)
                    """))
                for event in events { try await event.appendToOutbox(on: tx, now: now) }
                return progress
            }
        }
    }
}

extension DomainEvent {
    /// `Outbox.append` for an event known only as `any DomainEvent`.
    func appendToOutbox(on transaction: any MySQLDatabase, now: Date) async throws {
        try await Outbox.append(self, on: transaction, now: now)
    }
}
