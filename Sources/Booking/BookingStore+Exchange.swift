import Foundation
import SQLKit
import SetragEvents
import SetragKernel
import SetragMySQL

/// Changes that retire a paid booking, in MySQL: each one changes the bookings and writes its `BookingRefundDue`
/// (when money goes back) to booking's outbox in one transaction.
extension MySQLBookingStore {
    /// Rolls a transaction back when the old booking of an exchange was no longer confirmed.
    struct OldBookingChanged: Error {}

    public func cancelPaid(pnr: String, _ change: StatusChange, refund: BookingRefundDue?, now: Date) async throws
        -> Bool
    {
        try await db.withTransaction { tx in
            guard try await Self.transition(tx, pnr: pnr, from: [.confirmed], change, now: now) else { return false }
            if let refund { try await Outbox.append(refund, on: tx, now: now) }
            return true
        }
    }

    public func completeExchange(_ booking: BookingRecord, tickets: [IssuedTicket], idempotencyUse: Data?,
                                 refund: BookingRefundDue?, now: Date) async throws -> Bool {
        guard let old = booking.exchange?.of else { return false }
        do {
            try await insert(booking, idempotencyUse: idempotencyUse) { tx in
                try await Self.insertTickets(tx, pnr: booking.pnr, tickets)
                try await Self.retire(tx, old: old, new: booking.pnr, refund: refund, now: now)
            }
            return true
        } catch is OldBookingChanged {
            return false
        }
    }

    public func confirmExchange(pnr: String, from: Set<BookingStatus>, _ change: StatusChange,
                                tickets: [IssuedTicket], old: String, now: Date) async throws -> ExchangeConfirmation {
        do {
            return try await db.withTransaction { tx in
                guard try await Self.transition(tx, pnr: pnr, from: from, change, now: now) else { return .notPending }
                try await Self.insertTickets(tx, pnr: pnr, tickets)
                try await Self.retire(tx, old: old, new: pnr, refund: nil, now: now)
                return .confirmed
            }
        } catch is OldBookingChanged {
            return .oldBookingChanged
        }
    }

    /// The old booking of an exchange becomes `exchanged` (its tickets stop) and its seats are due for release in
    /// inventory (after the transaction; the sweeper retries). Throws `OldBookingChanged` when it is no longer
    /// confirmed, which rolls the whole exchange back.
    static func retire(_ tx: any MySQLDatabase, old: String, new: String, refund: BookingRefundDue?, now: Date)
        async throws
    {
        let result = try await tx.exec(SQLQueryString("""
            UPDATE bookings SET status = 'exchanged', exchanged_to = \(bind: new),
                refund_amount = \(bind: refund?.amount), hold_release_due_at = \(bind: now), updated_at = \(bind: now)
            WHERE pnr = \(bind: old) AND status = 'confirmed'
            """))
        guard result.affectedRows == 1 else { throw OldBookingChanged() }
        if let refund { try await Outbox.append(refund, on: tx, now: now) }
    }

    struct LinkRow: Decodable {
        let exchange_of: String?
        let amount_due: Int?
        let total_amount: Int
    }

    public func paidUnder(pnr: String) async throws -> [String] {
        var chain: [String] = []
        var next: String? = pnr
        while let current = next, !chain.contains(current), chain.count < 50 {
            guard let row = try await db.raw("""
                SELECT exchange_of, amount_due, total_amount FROM bookings WHERE pnr = \(bind: current)
                """).first(decoding: LinkRow.self) else { break }
            // A booking an exchange fully covered took no payment of its own.
            if row.exchange_of == nil || (row.amount_due ?? row.total_amount) > 0 { chain.append(current) }
            next = row.exchange_of
        }
        return chain
    }

    public func releaseDone(pnr: String) async throws {
        _ = try await db.exec(SQLQueryString(
            "UPDATE bookings SET hold_release_due_at = NULL WHERE pnr = \(bind: pnr)"))
    }
}
