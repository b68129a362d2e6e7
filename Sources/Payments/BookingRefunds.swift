import Foundation
import Logging
import SQLKit
import SetragEvents
import SetragKernel
import SetragMQTT
import SetragMySQL

/// Booking's `BookingRefundDue` v1, as payments reads it (booking owns the schema).
public struct BookingRefundDueEvent: DomainEvent, Equatable {
    public static let name = "BookingRefundDue"
    public static let version = 1
    let pnr: String
    let amount: Int
    let currency: String
    /// `cancellation`, `trip-cancelled` or `exchange`.
    let reason: String
    /// The PNRs whose payments paid for it, newest first.
    let paidUnder: [String]
    let dueAt: Date
}

/// What payments does when booking owes a customer money: the refund is recorded against the payments that paid
/// the booking (newest first, each at most what is left of it), in the transaction of the event's inbox claim, so
/// that a redelivered event records nothing more. Mobile-money refunds are then paid back to the payer's wallet
/// (`RefundSender`, through the aggregator's payouts); card and cash ones are recorded `manual`: owed in cash, paid
/// by an agent at a counter (`POST /api/v1/payments/refunds/{reference}/cash`), since the aggregator's API has no
/// card refunds.
public struct BookingRefunds: EventApplier {
    public static let producer = "booking"
    public static let consumerName = "payments"

    public let database: any MySQLDatabase
    public let logger: Logger
    let now: @Sendable () -> Date

    public init(database: any MySQLDatabase, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.logger = logger
        self.now = now
    }

    struct PaidRow: Decodable {
        let pnr: String
        let id: Int
        let public_id: String
        let method: String
        let amount: Int
        let refunded: Int
    }

    /// The refund's reference at the aggregator: one per booking that owes it and payment it comes from.
    static func reference(pnr: String, payment publicID: String) -> String { "RFD-\(pnr)-\(publicID)" }

    public func apply(_ event: BookingRefundDueEvent, on tx: any MySQLDatabase) async throws {
        guard event.amount > 0, !event.paidUnder.isEmpty else { return }
        let pnrs = event.paidUnder.prefix(50).map { $0 as any Encodable & Sendable }
        // The payments that paid these bookings, locked so that two refunds from one payment take turns.
        let rows = try await tx.raw("""
            SELECT s.pnr, p.id, p.public_id, p.method, p.amount,
                (SELECT COALESCE(SUM(r.amount), 0) FROM refunds r
                    WHERE r.payment_id = p.id AND r.status <> 'failed') AS refunded
            FROM settled_bookings s JOIN payments p ON p.id = s.payment_id
            WHERE s.pnr IN (\(binds: pnrs)) FOR UPDATE
            """).all(decoding: PaidRow.self)
        let order = Dictionary(uniqueKeysWithValues: event.paidUnder.enumerated().map { ($1, $0) })
        var left = event.amount
        let now = self.now()
        for row in rows.sorted(by: { (order[$0.pnr] ?? .max) < (order[$1.pnr] ?? .max) }) where left > 0 {
            let amount = min(left, max(0, row.amount - row.refunded))
            guard amount > 0 else { continue }
            let wallet = PaymentMethod(rawValue: row.method)?.wallet != nil
            _ = try await tx.exec(SQLQueryString("""
                INSERT IGNORE INTO refunds (payment_id, reference, amount, reason, status, owed_pnr, created_at,
                    updated_at)
                VALUES (\(bind: row.id), \(bind: Self.reference(pnr: event.pnr, payment: row.public_id)),
                    \(bind: amount), \(bind: String(event.reason.prefix(40))), \(bind: wallet ? "pending" : "manual"),
                    \(bind: event.pnr), \(bind: now), \(bind: now))
                """))
            left -= amount
        }
        if left > 0 {
            logger.error("a refund booking owes exceeds what was paid", metadata: [
                "pnr": "\(event.pnr)", "amount": "\(event.amount)", "unrefunded": "\(left)",
            ])
        }
        logger.info("refund due recorded", metadata: ["pnr": "\(event.pnr)", "amount": "\(event.amount - left)",
                                                      "reason": "\(event.reason)"])
    }
}
