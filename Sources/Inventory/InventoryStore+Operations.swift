import Foundation
import SQLKit
import SetragKernel
import SetragMySQL

/// Operators' changes to trips in MySQL: finding an extra train's trip, changing a trip's consist, planning its
/// locomotive.
extension MySQLInventoryStore {
    public func tripID(train: Int, date: LocalDate) async throws -> Int? {
        struct Row: Decodable { let id: Int }
        return try await db.raw("""
            SELECT id FROM trips WHERE train_number = \(bind: train) AND service_date = \(bind: date.description)
            """).first(decoding: Row.self)?.id
    }

    struct ConsistTripRow: Decodable {
        let status: String
        let departs_at: Date
        let first_leg: Int
        let last_leg: Int
    }

    struct TripCoachRow: Decodable {
        let coach_position: Int
        let coach_type: String
    }

    public func changeConsist(trip id: Int, to coaches: [String], now: Date) async throws -> TripRecord? {
        let found = try await retryingDeadlocks {
            try await db.withTransaction { tx -> Bool in
                // The trip row first, then every seat-leg of the trip: holds being taken meanwhile wait for the
                // change (or the change waits for them), so the taken seats checked below are all there are.
                guard let trip = try await tx.raw("""
                    SELECT status, departs_at, first_leg, last_leg FROM trips WHERE id = \(bind: id) FOR UPDATE
                    """).first(decoding: ConsistTripRow.self) else { return false }
                guard trip.status == "scheduled" else { throw InventoryError.tripNotOnSale("the trip is cancelled") }
                guard trip.departs_at > now else { throw InventoryError.tripNotOnSale("the train has left") }
                let types = try await coachTypes(Set(coaches), on: tx)
                let unknown = Set(coaches).subtracting(types.keys).sorted()
                guard unknown.isEmpty else {
                    throw InventoryError.invalidQuery(coaches.enumerated().filter { unknown.contains($0.element) }.map {
                        .init(field: "coaches[\($0.offset)]", code: "unknown", message: "no coach type \($0.element)")
                    })
                }
                let oldRows = try await tx.raw("""
                    SELECT coach_position, coach_type FROM trip_coaches WHERE trip_id = \(bind: id) ORDER BY coach_position
                    """).all(decoding: TripCoachRow.self)
                let oldTypes = try await coachTypes(Set(oldRows.map(\.coach_type)), on: tx)
                let taken = try await tx.raw("""
                    SELECT DISTINCT coach_position, seat_number FROM seat_legs
                    WHERE trip_id = \(bind: id) AND hold_id IS NOT NULL
                        AND (hold_expires_at IS NULL OR hold_expires_at > \(bind: now))
                    FOR UPDATE
                    """).all(decoding: SeatKeyRow.self)
                let old = Dictionary(uniqueKeysWithValues: oldRows.compactMap { row in
                    oldTypes[row.coach_type].map { (row.coach_position, $0) }
                })
                let new = Dictionary(uniqueKeysWithValues: coaches.enumerated().map { ($0.offset + 1, types[$0.element]!) })
                let conflicts = ConsistRules.conflicts(
                    taken: Set(taken.map { .init(coach: $0.coach_position, seat: $0.seat_number) }), old: old, new: new)
                guard conflicts.isEmpty else { throw InventoryError.consistConflicts(conflicts) }

                for position in Set(old.keys).union(new.keys).sorted() {
                    let before = old[position]
                    let after = new[position]
                    if before?.code == after?.code { continue }
                    guard let after else {
                        // Removed: its seat-legs go with it (all free, checked above).
                        _ = try await tx.exec(SQLQueryString("""
                            DELETE FROM trip_coaches WHERE trip_id = \(bind: id) AND coach_position = \(bind: position)
                            """))
                        continue
                    }
                    let keep = Set(before?.seats.map(\.number) ?? []).intersection(after.seats.map(\.number))
                    if let before {
                        // Seats the new coach type has not: free (checked above), gone.
                        let gone = before.seats.map(\.number).filter { !keep.contains($0) }
                        if !gone.isEmpty {
                            _ = try await tx.exec(SQLQueryString("""
                                DELETE FROM seat_legs WHERE trip_id = \(bind: id) AND coach_position = \(bind: position)
                                    AND seat_number IN (\(binds: gone.map { $0 as any Encodable & Sendable }))
                                """))
                        }
                        _ = try await tx.exec(SQLQueryString("""
                            UPDATE trip_coaches SET coach_type = \(bind: after.code)
                            WHERE trip_id = \(bind: id) AND coach_position = \(bind: position)
                            """))
                    } else {
                        _ = try await tx.exec(SQLQueryString("""
                            INSERT INTO trip_coaches (trip_id, coach_position, coach_type)
                            VALUES (\(bind: id), \(bind: position), \(bind: after.code))
                            """))
                    }
                    let added = after.seats.map(\.number).filter { !keep.contains($0) }
                    if !added.isEmpty {
                        _ = try await tx.exec(SQLQueryString("""
                            INSERT INTO seat_legs (trip_id, coach_position, seat_number, leg_id)
                            SELECT \(bind: id), \(bind: position), s.seat_number, l.id
                            FROM coach_type_seats s
                            JOIN legs l ON l.id BETWEEN \(bind: trip.first_leg) AND \(bind: trip.last_leg)
                            WHERE s.coach_type = \(bind: after.code) AND s.seat_number IN (\(binds: added.map { $0 as any Encodable & Sendable }))
                            ORDER BY s.seat_number, l.id
                            """))
                    }
                }
                return true
            }
        }
        return found ? try await trip(id: id) : nil
    }

    struct LocomotiveTripRow: Decodable {
        let status: String
        let arrives_at: Date
    }

    public func planLocomotive(trip id: Int, locomotive: String?, now: Date) async throws -> TripRecord? {
        let found = try await db.withTransaction { tx -> Bool in
            guard let trip = try await tx.raw("""
                SELECT status, arrives_at FROM trips WHERE id = \(bind: id) FOR UPDATE
                """).first(decoding: LocomotiveTripRow.self) else { return false }
            guard trip.status == "scheduled" else { throw InventoryError.tripClosed("the trip is cancelled") }
            guard trip.arrives_at > now else { throw InventoryError.tripClosed("the train has arrived") }
            _ = try await tx.exec(SQLQueryString("""
                UPDATE trips SET locomotive = \(bind: locomotive) WHERE id = \(bind: id)
                """))
            return true
        }
        return found ? try await trip(id: id) : nil
    }

    /// The coach types named, with their seats.
    private func coachTypes(_ codes: Set<String>, on db: any SQLDatabase) async throws -> [String: CoachType] {
        guard !codes.isEmpty else { return [:] }
        let list = codes.sorted().map { $0 as any Encodable & Sendable }
        let rows = try await db.raw("""
            SELECT 0 AS coach_position, code, name, kind, class_code, air_conditioned, layout FROM coach_types
            WHERE code IN (\(binds: list))
            """).all(decoding: CoachRow.self)
        let seats = try await db.raw("""
            SELECT coach_type, seat_number, seat_row, seat_column, seat_position FROM coach_type_seats
            WHERE coach_type IN (\(binds: list)) ORDER BY coach_type, seat_number
            """).all(decoding: SeatRow.self)
        let seatsByType = Dictionary(grouping: seats, by: \.coach_type)
        return Dictionary(uniqueKeysWithValues: rows.map { row in
            (row.code, CoachType(
                code: row.code, name: row.name, kind: CoachKind(rawValue: row.kind) ?? .seats,
                travelClass: row.class_code, airConditioned: row.air_conditioned, layout: row.layout,
                seats: (seatsByType[row.code] ?? []).map {
                    Seat(number: $0.seat_number, row: $0.seat_row, column: $0.seat_column,
                         position: SeatPosition(rawValue: $0.seat_position) ?? .aisle)
                }))
        })
    }
}
