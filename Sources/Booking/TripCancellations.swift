import Foundation
import Logging
import SQLKit
import SetragEvents
import SetragKernel
import SetragMQTT
import SetragMySQL

/// Inventory's `TripCancelled` v1, as booking reads it (inventory owns the schema).
public struct TripCancelledEvent: DomainEvent, Equatable {
    public static let name = "TripCancelled"
    public static let version = 1
    let tripId: Int
    let trainNumber: Int
    let serviceDate: String
    let reason: String
    let cancelledAt: Date

    init(tripId: Int, trainNumber: Int, serviceDate: String, reason: String, cancelledAt: Date) {
        self.tripId = tripId
        self.trainNumber = trainNumber
        self.serviceDate = serviceDate
        self.reason = reason
        self.cancelledAt = cancelledAt
    }
}

/// The words a booking's holder is told when SETRAG cancels their trip (no HTTP, no SQL).
enum TripCancelledNotice {
    static let kind = "trip-cancelled"

    /// French and English text for a booking that was `status` when the trip was cancelled.
    static func text(pnr: String, status: BookingStatus, event: TripCancelledEvent) -> (fr: String, en: String) {
        let train = "\(event.trainNumber)"
        let date = event.serviceDate
        if status.isUnpaid {
            return (
                "SETRAG a annulé le train \(train) du \(date) (\(event.reason)). Votre réservation \(pnr), "
                    + "pas encore payée, est annulée : vous ne payez rien.",
                "SETRAG has cancelled train \(train) of \(date) (\(event.reason)). Your booking \(pnr), not yet "
                    + "paid, is cancelled: you pay nothing.")
        }
        return (
            "SETRAG a annulé le train \(train) du \(date) (\(event.reason)). Pour votre réservation \(pnr), "
                + "choisissez un échange gratuit ou un remboursement intégral.",
            "SETRAG has cancelled train \(train) of \(date) (\(event.reason)). For your booking \(pnr), choose a "
                + "free exchange or a full refund.")
    }
}

/// What booking does when SETRAG cancels a trip: every booking of the trip awaiting payment is cancelled (its seats
/// released in inventory after the transaction) and every confirmed one is marked, so that its holder may exchange
/// it or be refunded in full; each holder gets a notice. Runs in the transaction of the event's inbox claim.
public struct TripCancellations: EventApplier {
    public static let producer = "inventory"
    public static let consumerName = "booking"

    public let database: any MySQLDatabase
    let inventory: any InventoryClient
    public let logger: Logger
    let notices: HolderNotices
    let now: @Sendable () -> Date

    public init(database: any MySQLDatabase, inventory: any InventoryClient, crypto: FieldCrypto, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.inventory = inventory
        notices = HolderNotices(crypto: crypto)
        self.logger = logger
        self.now = now
    }

    struct AffectedRow: Decodable {
        let pnr: String
        let status: String
    }

    public func apply(_ event: TripCancelledEvent, on tx: any MySQLDatabase) async throws {
        let now = self.now()
        let rows = try await tx.raw("""
            SELECT pnr, status FROM bookings
            WHERE trip_id = \(bind: event.tripId) AND status IN ('held', 'awaiting_payment', 'confirmed')
                AND cancelled_by_setrag_at IS NULL
            ORDER BY id FOR UPDATE
            """).all(decoding: AffectedRow.self)
        let unpaid = rows.filter { BookingStatus(rawValue: $0.status)?.isUnpaid == true }
            .map { $0.pnr as any Encodable & Sendable }
        let confirmed = rows.filter { $0.status == BookingStatus.confirmed.rawValue }
            .map { $0.pnr as any Encodable & Sendable }
        if !unpaid.isEmpty {
            _ = try await tx.exec(SQLQueryString("""
                UPDATE bookings SET status = 'cancelled', refund_amount = 0, cancelled_at = \(bind: now),
                    cancelled_by_setrag_at = \(bind: event.cancelledAt),
                    cancelled_by_setrag_reason = \(bind: event.reason), hold_release_due_at = \(bind: now),
                    updated_at = \(bind: now)
                WHERE pnr IN (\(binds: unpaid)) AND status IN ('held', 'awaiting_payment')
                """))
        }
        if !confirmed.isEmpty {
            _ = try await tx.exec(SQLQueryString("""
                UPDATE bookings SET cancelled_by_setrag_at = \(bind: event.cancelledAt),
                    cancelled_by_setrag_reason = \(bind: event.reason), updated_at = \(bind: now)
                WHERE pnr IN (\(binds: confirmed)) AND status = 'confirmed'
                """))
        }
        try await notices.issue(rows.map { row in
            let text = TripCancelledNotice.text(pnr: row.pnr, status: BookingStatus(rawValue: row.status) ?? .confirmed,
                                                event: event)
            return HolderNotices.Notice(pnr: row.pnr, kind: TripCancelledNotice.kind, french: text.fr, english: text.en)
        }, on: tx, now: now)
        logger.info("trip cancelled by SETRAG applied", metadata: [
            "trip": "\(event.tripId)", "cancelled": "\(unpaid.count)", "confirmed": "\(confirmed.count)",
        ])
    }

    struct DueRow: Decodable {
        let pnr: String
        let hold_id: Int
    }

    /// Releases in inventory the seats of bookings cancelled with their trip, at most `limit`; returns how many were
    /// released. A hold inventory does not know is dropped; when inventory does not answer, the next pass tries again.
    @discardableResult
    public func releaseDueHolds(limit: Int = 100) async throws -> Int {
        let due = try await database.raw("""
            SELECT pnr, hold_id FROM bookings WHERE hold_release_due_at IS NOT NULL
            ORDER BY hold_release_due_at LIMIT \(literal: max(1, limit))
            """).all(decoding: DueRow.self)
        var released = 0
        for row in due {
            do {
                _ = try await inventory.release(hold: row.hold_id)
                released += 1
            } catch BookingError.inventoryRefused(let problem) {
                logger.warning("inventory refused to release a hold", metadata: [
                    "pnr": "\(row.pnr)", "hold": "\(row.hold_id)", "status": "\(problem.status.code)",
                ])
            } catch {
                logger.warning("could not release a hold", metadata: ["pnr": "\(row.pnr)", "error": "\(error)"])
                continue
            }
            _ = try await database.exec(SQLQueryString(
                "UPDATE bookings SET hold_release_due_at = NULL WHERE pnr = \(bind: row.pnr)"))
        }
        return released
    }
}
