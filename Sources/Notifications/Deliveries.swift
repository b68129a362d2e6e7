import Foundation
import Logging
import SQLKit
import SetragEvents
import SetragKernel
import SetragMySQL

/// Booking's `BookingNoticeIssued` v1, as notifications reads it (booking owns the schema).
public struct BookingNoticeIssuedEvent: DomainEvent, Equatable {
    public static let name = "BookingNoticeIssued"
    public static let version = 1
    let pnr: String
    let kind: String
    let messageFr: String
    let messageEn: String
    /// Sealed by booking, base64 (context `events:BookingNoticeIssued:<pnr>:contact_phone`).
    let contactPhone: String
    let issuedAt: Date

    static func phoneContext(pnr: String) -> String { "events:BookingNoticeIssued:\(pnr):contact_phone" }
}

/// A message to send, as the delivery log keeps it.
public struct Delivery: Sendable, Equatable {
    public var id: Int
    public var reference: String
    public var pnr: String
    public var kind: String
    public var text: String
    public var status: String
    public var attempts: Int
}

/// The delivery log: one row per message, queued in the transaction of the event that asks for it, then sent.
public struct DeliveryStore: Sendable {
    let db: any MySQLDatabase
    let crypto: FieldCrypto

    static func recipientContext(_ reference: String) -> String { "deliveries:\(reference):recipient" }

    /// Queues a message to `recipient` (E.164); once per reference.
    func queue(reference: String, pnr: String, kind: String, language: String, text: String, recipient: String,
               on tx: any MySQLDatabase, now: Date) async throws {
        let sealed = try crypto.seal(recipient, context: Self.recipientContext(reference))
        _ = try await tx.exec(SQLQueryString("""
            INSERT IGNORE INTO deliveries (reference, pnr, kind, channel, language, body, recipient_enc, status,
                attempts, next_attempt_at, created_at, updated_at)
            VALUES (\(bind: reference), \(bind: pnr), \(bind: kind), 'sms', \(bind: language), \(bind: text),
                \(bind: sealed), 'queued', 0, \(bind: now), \(bind: now), \(bind: now))
            """))
    }

    /// A message nobody can be sent (no usable number): logged as such.
    func undeliverable(reference: String, pnr: String, kind: String, language: String, text: String, why: String,
                       on tx: any MySQLDatabase, now: Date) async throws {
        _ = try await tx.exec(SQLQueryString("""
            INSERT IGNORE INTO deliveries (reference, pnr, kind, channel, language, body, status, attempts, detail,
                created_at, updated_at)
            VALUES (\(bind: reference), \(bind: pnr), \(bind: kind), 'sms', \(bind: language), \(bind: text),
                'undeliverable', 0, \(bind: why), \(bind: now), \(bind: now))
            """))
    }

    struct Row: Decodable {
        let id: Int
        let reference: String
        let pnr: String
        let kind: String
        let body: String
        let status: String
        let attempts: Int
        let recipient_enc: Data?
    }

    /// Queued messages whose time has come, oldest first, with their recipient.
    func due(now: Date, limit: Int) async throws -> [(Delivery, recipient: String)] {
        try await db.raw("""
            SELECT id, reference, pnr, kind, body, status, attempts, recipient_enc FROM deliveries
            WHERE status = 'queued' AND next_attempt_at <= \(bind: now) ORDER BY next_attempt_at, id
            LIMIT \(literal: limit)
            """).all(decoding: Row.self).compactMap { row in
            guard let sealed = row.recipient_enc else { return nil }
            let recipient = try crypto.open(sealed, context: Self.recipientContext(row.reference))
            return (Delivery(id: row.id, reference: row.reference, pnr: row.pnr, kind: row.kind, text: row.body,
                             status: row.status, attempts: row.attempts), recipient)
        }
    }

    func sent(_ id: Int, providerID: String, now: Date) async throws {
        _ = try await db.exec(SQLQueryString("""
            UPDATE deliveries SET status = 'sent', provider_id = \(bind: providerID), attempts = attempts + 1,
                detail = NULL, updated_at = \(bind: now)
            WHERE id = \(bind: id) AND status = 'queued'
            """))
    }

    /// Tried again at `next`, or failed for good when `next` is nil.
    func notSent(_ id: Int, detail: String, next: Date?, now: Date) async throws {
        _ = try await db.exec(SQLQueryString("""
            UPDATE deliveries SET status = \(bind: next == nil ? "failed" : "queued"), attempts = attempts + 1,
                next_attempt_at = \(bind: next ?? now), detail = \(bind: String(detail.prefix(200))),
                updated_at = \(bind: now)
            WHERE id = \(bind: id) AND status = 'queued'
            """))
    }

    /// The log of a booking's messages (staff reads), oldest first.
    public func deliveries(pnr: String) async throws -> [Delivery] {
        try await db.raw("""
            SELECT id, reference, pnr, kind, body, status, attempts, NULL AS recipient_enc FROM deliveries
            WHERE pnr = \(bind: pnr) ORDER BY id
            """).all(decoding: Row.self).map {
            Delivery(id: $0.id, reference: $0.reference, pnr: $0.pnr, kind: $0.kind, text: $0.body, status: $0.status,
                     attempts: $0.attempts)
        }
    }
}

/// What notifications does with a notice booking issued: a text message to the booking's contact phone, in the
/// platform's language for messages, queued in the transaction of the event's inbox claim (once per event).
public struct BookingNotices: EventApplier {
    public static let producer = "booking"
    public static let consumerName = "notifications"

    public let database: any MySQLDatabase
    public let logger: Logger
    let store: DeliveryStore
    let crypto: FieldCrypto
    let language: String
    let now: @Sendable () -> Date

    public func apply(_ event: BookingNoticeIssuedEvent, on tx: any MySQLDatabase) async throws {
        let reference = "ntc-\(event.pnr)-\(event.kind)-\(Int(event.issuedAt.timeIntervalSince1970 * 1000))"
        let text = language == "en" ? event.messageEn : event.messageFr
        let phone = Data(base64Encoded: event.contactPhone).flatMap {
            try? crypto.open($0, context: BookingNoticeIssuedEvent.phoneContext(pnr: event.pnr))
        }
        guard let phone, let e164 = GabonesePhone.mobileE164(phone) else {
            logger.info("a notice with no mobile number to send it to", metadata: ["pnr": "\(event.pnr)"])
            try await store.undeliverable(reference: reference, pnr: event.pnr, kind: event.kind, language: language,
                                          text: text, why: "no mobile number", on: tx, now: now())
            return
        }
        try await store.queue(reference: reference, pnr: event.pnr, kind: event.kind, language: language, text: text,
                              recipient: e164, on: tx, now: now())
    }
}
