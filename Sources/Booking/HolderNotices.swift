import Foundation
import SQLKit
import SetragEvents
import SetragKernel
import SetragMySQL

/// Booking's `BookingNoticeIssued` v1: a booking's holder was told something (SETRAG cancelled the trip, money was
/// paid back). The notifications service sends it to the booking's contact phone by SMS. The phone travels sealed
/// (`FieldCrypto`, context `phoneContext`), never in clear on the broker or in the outbox.
public struct BookingNoticeIssued: DomainEvent, Equatable {
    public static let name = "BookingNoticeIssued"
    public static let version = 1
    public let pnr: String
    public let kind: String
    public let messageFr: String
    public let messageEn: String
    /// The booking's contact phone as its holder gave it, sealed, base64.
    public let contactPhone: String
    public let issuedAt: Date

    public static func phoneContext(pnr: String) -> String { "events:BookingNoticeIssued:\(pnr):contact_phone" }
}

/// What a booking's holder is told: kept with the booking (its reads show the latest) and announced
/// (`BookingNoticeIssued`), in the caller's transaction.
struct HolderNotices: Sendable {
    struct Notice {
        let pnr: String
        let kind: String
        let french: String
        let english: String
    }

    let crypto: FieldCrypto

    struct PhoneRow: Decodable {
        let pnr: String
        let contact_phone_enc: Data
    }

    func issue(_ notices: [Notice], on tx: any MySQLDatabase, now: Date) async throws {
        guard !notices.isEmpty else { return }
        let insert = tx.insert(into: "booking_notices").columns("pnr", "kind", "message_fr", "message_en", "created_at")
        for notice in notices {
            insert.values([notice.pnr, notice.kind, notice.french, notice.english, now] as [any Encodable & Sendable])
        }
        _ = try await tx.exec(insert.insert)
        let pnrs = Set(notices.map(\.pnr)).map { $0 as any Encodable & Sendable }
        let phones = try await tx.raw("SELECT pnr, contact_phone_enc FROM bookings WHERE pnr IN (\(binds: pnrs))")
            .all(decoding: PhoneRow.self)
        let phoneOf = Dictionary(phones.map { ($0.pnr, $0.contact_phone_enc) }, uniquingKeysWith: { a, _ in a })
        for notice in notices {
            guard let stored = phoneOf[notice.pnr] else { continue }
            let phone = try crypto.open(stored, context: MySQLBookingStore.sealContext(notice.pnr, "contact_phone"))
            let sealed = try crypto.seal(phone, context: BookingNoticeIssued.phoneContext(pnr: notice.pnr))
            try await Outbox.append(BookingNoticeIssued(pnr: notice.pnr, kind: notice.kind,
                                                        messageFr: notice.french, messageEn: notice.english,
                                                        contactPhone: sealed.base64EncodedString(), issuedAt: now),
                                    on: tx, now: now)
        }
    }
}
