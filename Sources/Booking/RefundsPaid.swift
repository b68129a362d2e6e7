import Foundation
import Logging
import SQLKit
import SetragEvents
import SetragKernel
import SetragMQTT
import SetragMySQL

/// Payments' `RefundPaid` v1, as booking reads it (payments owns the schema).
public struct RefundPaidEvent: DomainEvent, Equatable {
    public static let name = "RefundPaid"
    public static let version = 1
    let reference: String
    let pnr: String
    let amount: Int
    let currency: String
    /// `wallet` (paid back to the payer's mobile-money wallet) or `cash` (at a counter).
    let via: String
    let paidAt: Date
}

/// What booking does when payments has paid back money a booking owed: the amount counts towards the booking's
/// refund (`refunded_amount`), and a booking whose refund is paid in full becomes `refunded`; its holder is told.
/// Each event is applied once (the inbox claim's transaction), whether it comes from MQTT or from payments'
/// catch-up feed.
public struct RefundsPaid: EventApplier {
    public static let producer = "payments"
    public static let consumerName = "booking-refunds"

    public let database: any MySQLDatabase
    public let logger: Logger
    let notices: HolderNotices
    let now: @Sendable () -> Date

    public init(database: any MySQLDatabase, crypto: FieldCrypto, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        notices = HolderNotices(crypto: crypto)
        self.logger = logger
        self.now = now
    }

    public func apply(_ event: RefundPaidEvent, on tx: any MySQLDatabase) async throws {
        guard event.amount > 0, PNRGenerator.isWellFormed(event.pnr) else { return }
        let now = self.now()
        // The status is decided from the amount before this event (the first assignment), whatever order the
        // database applies a SET list in.
        let changed = try await tx.exec(SQLQueryString("""
            UPDATE bookings SET
                status = CASE WHEN status IN ('refund_pending', 'refund_due')
                    AND refunded_amount + \(bind: event.amount) >= COALESCE(refund_amount, 0)
                    THEN 'refunded' ELSE status END,
                refunded_amount = refunded_amount + \(bind: event.amount),
                updated_at = \(bind: now)
            WHERE pnr = \(bind: event.pnr)
            """)).affectedRows
        guard changed == 1 else {
            logger.warning("a refund paid for an unknown booking", metadata: ["pnr": "\(event.pnr)",
                                                                             "reference": "\(event.reference)"])
            return
        }
        let text = RefundPaidNotice.text(pnr: event.pnr, amount: event.amount, via: event.via)
        try await notices.issue([.init(pnr: event.pnr, kind: RefundPaidNotice.kind, french: text.fr, english: text.en)],
                                on: tx, now: now)
        logger.info("refund paid recorded", metadata: ["pnr": "\(event.pnr)", "amount": "\(event.amount)",
                                                       "via": "\(event.via)"])
    }
}

/// The words a booking's holder is told when money owed is paid back (no HTTP, no SQL).
enum RefundPaidNotice {
    static let kind = "refund-paid"

    static func text(pnr: String, amount: Int, via: String) -> (fr: String, en: String) {
        let french = Money.french(amount)
        let english = Money.english(amount)
        if via == "cash" {
            return ("Remboursement de \(french) pour la réservation \(pnr), payé en espèces au guichet.",
                    "Refund of \(english) for booking \(pnr), paid in cash at the counter.")
        }
        return ("Remboursement de \(french) pour la réservation \(pnr), versé sur votre compte mobile money.",
                "Refund of \(english) for booking \(pnr), paid to your mobile money account.")
    }
}

/// XAF amounts as people read them: "27 000 FCFA" in French (thousands separated by a space), "27,000 FCFA" in English.
enum Money {
    static func grouped(_ amount: Int, separator: String) -> String {
        let digits = String(abs(amount))
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (amount < 0 ? "-" : "") + groups.joined(separator: separator)
    }

    static func french(_ amount: Int) -> String { grouped(amount, separator: " ") + " FCFA" }
    static func english(_ amount: Int) -> String { grouped(amount, separator: ",") + " FCFA" }
}
