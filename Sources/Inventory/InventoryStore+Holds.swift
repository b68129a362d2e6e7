import Foundation
import SQLKit
import SetragKernel
import SetragMySQL

/// Holds in MySQL. Every change to seat-legs is one conditional UPDATE whose affected-row count is checked inside the
/// transaction; a count short of seats × legs rolls the whole transaction back.
extension MySQLInventoryStore {
    /// Thrown inside a transaction to roll it back when a conditional write fell short.
    struct ShortWrite: Error {}

    /// `(coach_position = ? AND seat_number IN (...)) OR ...` for a list of seats.
    static func seatCondition(_ seats: [SeatKey]) -> SQLQueryString {
        let byCoach = Dictionary(grouping: seats, by: \.coach).sorted { $0.key < $1.key }
        var condition: SQLQueryString = "("
        for (index, (coach, keys)) in byCoach.enumerated() {
            if index > 0 { condition.appendLiteral(" OR ") }
            condition.appendLiteral("(coach_position = ")
            condition.appendInterpolation(bind: coach)
            condition.appendLiteral(" AND seat_number IN (")
            for (position, key) in keys.sorted(by: { $0.seat < $1.seat }).enumerated() {
                if position > 0 { condition.appendLiteral(", ") }
                condition.appendInterpolation(bind: key.seat)
            }
            condition.appendLiteral("))")
        }
        condition.appendLiteral(")")
        return condition
    }

    public func claim(trip: Int, from: String, to: String, legs: ClosedRange<Int>, seats: [SeatKey],
                      reference: String, expiresAt: Date, now: Date) async throws -> SeatClaim
    {
        do {
            let id = try await retryingDeadlocks {
                try await db.withTransaction { tx in
                    if locking == .trainRow {
                        // First of all: the hold's row below takes a shared lock on the trip (its foreign key), and
                        // two sales both holding that would deadlock asking for the exclusive one.
                        _ = try await tx.raw("SELECT id FROM trips WHERE id = \(bind: trip) FOR UPDATE").all()
                    }
                    let id = Int(try await tx.exec(SQLQueryString("""
                        INSERT INTO holds (trip_id, from_station, to_station, first_leg, last_leg, reference, status,
                            expires_at, created_at, updated_at)
                        VALUES (\(bind: trip), \(bind: from), \(bind: to), \(bind: legs.lowerBound),
                            \(bind: legs.upperBound), \(bind: reference), 'held', \(bind: expiresAt), \(bind: now),
                            \(bind: now))
                        """)).lastInsertID)
                    let rows = tx.insert(into: "hold_seats").columns("hold_id", "coach_position", "seat_number")
                    for seat in seats { rows.values([id, seat.coach, seat.seat]) }
                    _ = try await tx.exec(rows.insert)
                    if locking == .trainRow {
                        try await Self.claimUnderTrainLock(tx, hold: id, trip: trip, legs: legs, seats: seats,
                                                           expiresAt: expiresAt, now: now)
                        return id
                    }
                    let taken = try await tx.exec(SQLQueryString("""
                        UPDATE seat_legs SET hold_id = \(bind: id), hold_expires_at = \(bind: expiresAt)
                        WHERE trip_id = \(bind: trip)
                            AND leg_id BETWEEN \(bind: legs.lowerBound) AND \(bind: legs.upperBound)
                            AND (hold_id IS NULL OR hold_expires_at <= \(bind: now))
                            AND \(Self.seatCondition(seats))
                        """))
                    guard taken.affectedRows == seats.count * legs.count else { throw ShortWrite() }
                    return id
                }
            }
            return .done(HoldRecord(id: id, tripID: trip, from: from, to: to, legs: legs, reference: reference,
                                    status: .held, expiresAt: expiresAt, seats: seats.sorted(by: Self.seatOrder)))
        } catch is ShortWrite {
            return .taken(try await unavailable(seats, trip: trip, legs: legs, now: now, except: nil))
        }
    }

    /// The baseline of `bench/tickets` (``HoldLocking/trainRow``), the way simple systems sell seats: with the
    /// train's row locked (at the start of the transaction), read whether the seat-legs are free, then write them. Correct, but every sale of a train waits
    /// for the one before it.
    static func claimUnderTrainLock(_ tx: any MySQLDatabase, hold id: Int, trip: Int, legs: ClosedRange<Int>,
                                    seats: [SeatKey], expiresAt: Date, now: Date) async throws
    {
        let free = try await tx.raw("""
            SELECT COUNT(*) AS n FROM seat_legs
            WHERE trip_id = \(bind: trip) AND leg_id BETWEEN \(bind: legs.lowerBound) AND \(bind: legs.upperBound)
                AND (hold_id IS NULL OR hold_expires_at <= \(bind: now)) AND \(Self.seatCondition(seats))
            """).first(decoding: CountRow.self)?.n ?? 0
        guard free == seats.count * legs.count else { throw ShortWrite() }
        _ = try await tx.exec(SQLQueryString("""
            UPDATE seat_legs SET hold_id = \(bind: id), hold_expires_at = \(bind: expiresAt)
            WHERE trip_id = \(bind: trip) AND leg_id BETWEEN \(bind: legs.lowerBound) AND \(bind: legs.upperBound)
                AND \(Self.seatCondition(seats))
            """))
    }

    /// Which of `seats` are not free on every leg of `legs` (held by another hold than `except`, or sold).
    func unavailable(_ seats: [SeatKey], trip: Int, legs: ClosedRange<Int>, now: Date, except: Int?) async throws
        -> [SeatKey]
    {
        let rows = try await db.raw("""
            SELECT DISTINCT coach_position, seat_number FROM seat_legs
            WHERE trip_id = \(bind: trip) AND leg_id BETWEEN \(bind: legs.lowerBound) AND \(bind: legs.upperBound)
                AND hold_id IS NOT NULL AND hold_id <> \(bind: except ?? 0)
                AND (hold_expires_at IS NULL OR hold_expires_at > \(bind: now))
                AND \(Self.seatCondition(seats))
            """).all(decoding: SeatKeyRow.self)
        return rows.map { SeatKey(coach: $0.coach_position, seat: $0.seat_number) }.sorted(by: Self.seatOrder)
    }

    static func seatOrder(_ a: SeatKey, _ b: SeatKey) -> Bool { (a.coach, a.seat) < (b.coach, b.seat) }

    struct HoldRow: Decodable {
        let id: Int
        let trip_id: Int
        let from_station: String
        let to_station: String
        let first_leg: Int
        let last_leg: Int
        let reference: String
        let status: String
        let expires_at: Date
    }

    func holdRecord(_ row: HoldRow, on db: any MySQLDatabase) async throws -> HoldRecord {
        let seats = try await db.raw("""
            SELECT coach_position, seat_number FROM hold_seats WHERE hold_id = \(bind: row.id)
            ORDER BY coach_position, seat_number
            """).all(decoding: SeatKeyRow.self).map { SeatKey(coach: $0.coach_position, seat: $0.seat_number) }
        return HoldRecord(id: row.id, tripID: row.trip_id, from: row.from_station, to: row.to_station,
                          legs: row.first_leg...row.last_leg, reference: row.reference,
                          status: HoldRecord.Status(rawValue: row.status) ?? .released, expiresAt: row.expires_at,
                          seats: seats)
    }

    static func selectHold(_ id: Int, forUpdate: Bool) -> SQLQueryString {
        """
        SELECT id, trip_id, from_station, to_station, first_leg, last_leg, reference, status, expires_at
        FROM holds WHERE id = \(bind: id)\(unsafeRaw: forUpdate ? " FOR UPDATE" : "")
        """
    }

    public func hold(id: Int) async throws -> HoldRecord? {
        guard let row = try await db.raw(Self.selectHold(id, forUpdate: false)).first(decoding: HoldRow.self) else {
            return nil
        }
        return try await holdRecord(row, on: db)
    }

    public func confirm(hold id: Int, now: Date) async throws -> SeatClaim? {
        do {
            return try await retryingDeadlocks {
                try await db.withTransaction { tx -> SeatClaim? in
                    guard let row = try await tx.raw(Self.selectHold(id, forUpdate: true))
                        .first(decoding: HoldRow.self) else { return nil }
                    var hold = try await holdRecord(row, on: tx)
                    switch hold.status {
                    case .confirmed:
                        return .done(hold)
                    case .released:
                        return .taken(hold.seats)
                    case .held, .expired:
                        // Still ours (not yet expired), free again, or held by a hold that has expired meanwhile.
                        let sold = try await tx.exec(SQLQueryString("""
                            UPDATE seat_legs SET hold_id = \(bind: id), hold_expires_at = NULL
                            WHERE trip_id = \(bind: hold.tripID)
                                AND leg_id BETWEEN \(bind: hold.legs.lowerBound) AND \(bind: hold.legs.upperBound)
                                AND (hold_id = \(bind: id) OR hold_id IS NULL OR hold_expires_at <= \(bind: now))
                                AND \(Self.seatCondition(hold.seats))
                            """))
                        guard sold.affectedRows == hold.seats.count * hold.legs.count else { throw ShortWrite() }
                        _ = try await tx.exec(SQLQueryString("""
                            UPDATE holds SET status = 'confirmed', updated_at = \(bind: now) WHERE id = \(bind: id)
                            """))
                        hold.status = .confirmed
                        return .done(hold)
                    }
                }
            }
        } catch is ShortWrite {
            guard let hold = try await hold(id: id) else { return nil }
            return .taken(try await unavailable(hold.seats, trip: hold.tripID, legs: hold.legs, now: now,
                                                except: id))
        }
    }

    public func release(hold id: Int, now: Date) async throws -> HoldRecord? {
        try await retryingDeadlocks {
            try await db.withTransaction { tx -> HoldRecord? in
                guard let row = try await tx.raw(Self.selectHold(id, forUpdate: true)).first(decoding: HoldRow.self)
                else { return nil }
                var hold = try await holdRecord(row, on: tx)
                guard hold.status != .released else { return hold }
                _ = try await tx.exec(SQLQueryString("""
                    UPDATE seat_legs SET hold_id = NULL, hold_expires_at = NULL WHERE hold_id = \(bind: id)
                    """))
                _ = try await tx.exec(SQLQueryString("""
                    UPDATE holds SET status = 'released', updated_at = \(bind: now) WHERE id = \(bind: id)
                    """))
                hold.status = .released
                return hold
            }
        }
    }

    struct HoldIDRow: Decodable { let id: Int }

    public func expireHolds(now: Date, limit: Int) async throws -> Int {
        try await retryingDeadlocks {
            try await db.withTransaction { tx in
                let due = try await tx.raw("""
                    SELECT id FROM holds WHERE status = 'held' AND expires_at <= \(bind: now)
                    ORDER BY expires_at LIMIT \(bind: limit) FOR UPDATE SKIP LOCKED
                    """).all(decoding: HoldIDRow.self).map(\.id)
                guard !due.isEmpty else { return 0 }
                var ids: SQLQueryString = ""
                for (index, id) in due.enumerated() {
                    if index > 0 { ids.appendLiteral(", ") }
                    ids.appendInterpolation(bind: id)
                }
                // Only legs still carrying the expiry: a hold confirmed meanwhile has none left.
                _ = try await tx.exec(SQLQueryString("""
                    UPDATE seat_legs SET hold_id = NULL, hold_expires_at = NULL
                    WHERE hold_id IN (\(ids)) AND hold_expires_at IS NOT NULL
                    """))
                _ = try await tx.exec(SQLQueryString("""
                    UPDATE holds SET status = 'expired', updated_at = \(bind: now) WHERE id IN (\(ids))
                    """))
                return due.count
            }
        }
    }
}
