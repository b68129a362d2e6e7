import Foundation
import SQLKit
import SetragEvents
import SetragKernel
import SetragMySQL

/// Trip cancellation in MySQL: the trip's row and its `TripCancelled` event change in one transaction.
extension MySQLInventoryStore {
    struct CancellableTripRow: Decodable {
        let id: Int
        let train_number: Int
        let service_date: String
        let status: String
        let cancelled_at: Date?
        let cancel_reason: String?
    }

    public func cancel(trip id: Int, reason: String, requestID: String?, now: Date) async throws
        -> TripCancellation?
    {
        // Whole seconds: the event carries the instant at that precision, and a repeat answers the same.
        let at = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        return try await retryingDeadlocks {
            try await db.withTransaction { tx in
                guard let row = try await tx.raw("""
                    SELECT id, train_number, service_date, status, cancelled_at, cancel_reason FROM trips
                    WHERE id = \(bind: id) FOR UPDATE
                    """).first(decoding: CancellableTripRow.self),
                    let date = LocalDate(iso: row.service_date.prefix(10)) else { return nil }
                if row.status == "cancelled" {
                    return TripCancellation(tripID: row.id, trainNumber: row.train_number, serviceDate: date,
                                            reason: row.cancel_reason ?? "", cancelledAt: row.cancelled_at ?? at,
                                            changed: false)
                }
                _ = try await tx.exec(SQLQueryString("""
                    UPDATE trips SET status = 'cancelled', cancelled_at = \(bind: at), cancel_reason = \(bind: reason)
                    WHERE id = \(bind: id) AND status = 'scheduled'
                    """))
                try await Outbox.append(
                    TripCancelled(tripId: row.id, trainNumber: row.train_number, serviceDate: date.description,
                                  reason: reason, cancelledAt: at),
                    on: tx, requestID: requestID, now: at)
                return TripCancellation(tripID: row.id, trainNumber: row.train_number, serviceDate: date,
                                        reason: reason, cancelledAt: at, changed: true)
            }
        }
    }
}
