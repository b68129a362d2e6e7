import Foundation
import SQLKit
import SetragKernel
import SetragMySQL

/// Tickets in booking's database (see `BookingMigrations`: `ticket_keys`, `tickets`, `ticket_scans`). Private keys
/// are sealed with `FieldCrypto`, bound to their key id; tickets hold no personal data (their payload has only a
/// salted hash of the holder); names and ID numbers are read from the passengers' sealed columns.
extension MySQLBookingStore: TicketStore {
    static func keySealContext(_ kid: UInt16) -> String { "ticket_keys:\(kid):private_key" }

    // MARK: keys

    struct KeyRow: Decodable {
        let kid: Int
        let public_key: Data
        let private_key_enc: Data
        let signs_from: Date
        let created_at: Date
    }

    public func ticketKeys() async throws -> [TicketKeyRecord] {
        try await db.raw("""
            SELECT kid, public_key, private_key_enc, signs_from, created_at FROM ticket_keys ORDER BY signs_from, kid
            """).all(decoding: KeyRow.self).map { row in
            let kid = UInt16(truncatingIfNeeded: row.kid)
            let sealed = try crypto.open(row.private_key_enc, context: Self.keySealContext(kid))
            guard let privateKey = Data(base64Encoded: sealed) else { throw FieldCryptoError.notText }
            return TicketKeyRecord(kid: kid, privateKey: privateKey, publicKey: row.public_key,
                                   signsFrom: row.signs_from, createdAt: row.created_at)
        }
    }

    public func addTicketKey(_ key: TicketKeyRecord) async throws {
        let sealed = try crypto.seal(key.privateKey.base64EncodedString(), context: Self.keySealContext(key.kid))
        do {
            _ = try await db.exec(SQLQueryString("""
                INSERT INTO ticket_keys (kid, public_key, private_key_enc, signs_from, created_at)
                VALUES (\(bind: Int(key.kid)), \(bind: key.publicKey), \(bind: sealed), \(bind: key.signsFrom),
                    \(bind: key.createdAt))
                """))
        } catch MySQLError.duplicateKey {
            throw TicketStoreError.duplicateKeyID
        }
    }

    public func lastTicketValidity() async throws -> [UInt16: Date] {
        struct Row: Decodable {
            let kid: Int
            let last: Date
        }
        let rows = try await db.raw("SELECT kid, MAX(valid_until) AS last FROM tickets GROUP BY kid")
            .all(decoding: Row.self)
        return Dictionary(rows.map { (UInt16(truncatingIfNeeded: $0.kid), $0.last) }, uniquingKeysWith: max)
    }

    // MARK: tickets

    static let ticketColumns = "t.id, t.passenger_seq, t.trip_id, t.kid, t.payload, t.valid_until, t.issued_at"

    struct TicketRow: Decodable {
        let id: Data
        let passenger_seq: Int
        let trip_id: Int
        let kid: Int
        let payload: Data
        let valid_until: Date
        let issued_at: Date

        var ticket: IssuedTicket {
            IssuedTicket(id: Array(id), passengerSeq: passenger_seq, tripID: trip_id,
                         kid: UInt16(truncatingIfNeeded: kid), payload: Array(payload), validUntil: valid_until,
                         issuedAt: issued_at)
        }
    }

    public func tickets(pnr: String) async throws -> [IssuedTicket] {
        try await db.raw("""
            SELECT \(unsafeRaw: Self.ticketColumns) FROM tickets t JOIN bookings b ON b.id = t.booking_id
            WHERE b.pnr = \(bind: pnr) ORDER BY t.passenger_seq
            """).all(decoding: TicketRow.self).map(\.ticket)
    }

    /// Inserts tickets for the booking `pnr` (inside the caller's transaction).
    static func insertTickets(_ db: any MySQLDatabase, pnr: String, _ tickets: [IssuedTicket]) async throws {
        struct IDRow: Decodable { let id: Int }
        guard !tickets.isEmpty,
              let booking = try await db.raw("SELECT id FROM bookings WHERE pnr = \(bind: pnr) FOR UPDATE")
                  .first(decoding: IDRow.self) else { return }
        let rows = db.insert(into: "tickets").columns(
            "id", "booking_id", "passenger_seq", "trip_id", "kid", "payload", "valid_until", "issued_at")
        for ticket in tickets {
            rows.values([Data(ticket.id), booking.id, ticket.passengerSeq, ticket.tripID, Int(ticket.kid),
                         Data(ticket.payload), ticket.validUntil, ticket.issuedAt] as [any Encodable & Sendable])
        }
        _ = try await db.exec(rows.insert)
    }

    public func addMissingTickets(pnr: String, _ tickets: [IssuedTicket]) async throws {
        struct SeqRow: Decodable { let passenger_seq: Int }
        try await db.withTransaction { tx in
            // The booking's row is locked first (in `insertTickets` too): two requests repairing the same booking
            // take turns, and the second finds the first one's tickets.
            _ = try await tx.raw("SELECT id FROM bookings WHERE pnr = \(bind: pnr) FOR UPDATE").all()
            let existing = Set(try await tx.raw("""
                SELECT t.passenger_seq FROM tickets t JOIN bookings b ON b.id = t.booking_id WHERE b.pnr = \(bind: pnr)
                """).all(decoding: SeqRow.self).map(\.passenger_seq))
            try await Self.insertTickets(tx, pnr: pnr, tickets.filter { !existing.contains($0.passengerSeq) })
        }
    }

    struct LookupRow: Decodable {
        let id: Data
        let passenger_seq: Int
        let trip_id: Int
        let kid: Int
        let payload: Data
        let valid_until: Date
        let issued_at: Date
        let pnr: String
        let status: String
        let cancelled_by_setrag_at: Date?
        let train_number: Int
        let service: String
        let service_date: String
        let from_station: String
        let from_name: String
        let to_station: String
        let to_name: String
        let departs_at: Date
        let arrives_at: Date
        let class_code: String
        let passenger_type: String
        let name_enc: Data
        let coach_position: Int?
        let seat_number: Int?
    }

    public func ticket(id: [UInt8]) async throws -> TicketLookup? {
        guard let row = try await db.raw("""
            SELECT \(unsafeRaw: Self.ticketColumns), b.pnr, b.status, b.cancelled_by_setrag_at, b.train_number,
                b.service, b.service_date,
                b.from_station, b.from_name, b.to_station, b.to_name, b.departs_at, b.arrives_at, b.class_code,
                p.passenger_type, p.name_enc, p.coach_position, p.seat_number
            FROM tickets t JOIN bookings b ON b.id = t.booking_id
                JOIN booking_passengers p ON p.booking_id = t.booking_id AND p.seq = t.passenger_seq
            WHERE t.id = \(bind: Data(id))
            """).first(decoding: LookupRow.self) else { return nil }
        let ticket = IssuedTicket(id: Array(row.id), passengerSeq: row.passenger_seq, tripID: row.trip_id,
                                  kid: UInt16(truncatingIfNeeded: row.kid), payload: Array(row.payload),
                                  validUntil: row.valid_until, issuedAt: row.issued_at)
        return TicketLookup(
            ticket: ticket, pnr: row.pnr, status: BookingStatus(rawValue: row.status) ?? .cancelled,
            journey: Journey(tripID: row.trip_id, trainNumber: row.train_number, service: row.service,
                             serviceDate: row.service_date, from: .init(code: row.from_station, name: row.from_name),
                             to: .init(code: row.to_station, name: row.to_name), departure: row.departs_at,
                             arrival: row.arrives_at),
            travelClass: row.class_code, passengerType: row.passenger_type,
            passengerName: try crypto.open(row.name_enc,
                                           context: Self.sealContext(row.pnr, passenger: row.passenger_seq, "name")),
            seat: row.coach_position.flatMap { coach in row.seat_number.map { SeatRef(coach: coach, seat: $0) } },
            tripCancelled: row.cancelled_by_setrag_at != nil)
    }

    // MARK: scans

    public func recordScan(_ scan: TicketScan) async throws -> Date? {
        struct FirstRow: Decodable { let first: Date? }
        return try await db.withTransaction { tx in
            var first: Date?
            if let ticketID = scan.ticketID {
                // One scan of a ticket at a time: two conductors scanning it at once cannot both be first.
                _ = try await tx.raw("SELECT id FROM tickets WHERE id = \(bind: Data(ticketID)) FOR UPDATE").all()
                first = try await tx.raw("""
                    SELECT MIN(scanned_at) AS first FROM ticket_scans
                    WHERE ticket_id = \(bind: Data(ticketID)) AND result = 'valid'
                    """).first(decoding: FirstRow.self)?.first
            }
            _ = try await tx.exec(SQLQueryString("""
                INSERT INTO ticket_scans (ticket_id, kid, trip_id, scanned_by, scanned_at, result)
                VALUES (\(bind: scan.ticketID.map { Data($0) }), \(bind: scan.kid.map(Int.init)), \(bind: scan.tripID),
                    \(bind: scan.scannedBy), \(bind: scan.scannedAt), \(bind: scan.result))
                """))
            return first
        }
    }

    // MARK: manifest

    struct ManifestRow: Decodable {
        let pnr: String
        let train_number: Int
        let service_date: String
        let from_station: String
        let from_name: String
        let to_station: String
        let to_name: String
        let seq: Int
        let passenger_type: String
        let name_enc: Data
        let id_number_enc: Data?
        let coach_position: Int?
        let seat_number: Int?
        let ticket_id: Data?
        let first_scanned_at: Date?
    }

    public func manifest(tripID: Int) async throws -> [ManifestEntry] {
        try await db.raw("""
            SELECT b.pnr, b.train_number, b.service_date, b.from_station, b.from_name, b.to_station, b.to_name,
                p.seq, p.passenger_type, p.name_enc, p.id_number_enc, p.coach_position, p.seat_number,
                t.id AS ticket_id,
                (SELECT MIN(s.scanned_at) FROM ticket_scans s WHERE s.ticket_id = t.id AND s.result = 'valid')
                    AS first_scanned_at
            FROM bookings b JOIN booking_passengers p ON p.booking_id = b.id
                LEFT JOIN tickets t ON t.booking_id = b.id AND t.passenger_seq = p.seq
            WHERE b.trip_id = \(bind: tripID) AND b.status = 'confirmed'
            """).all(decoding: ManifestRow.self).map { row in
            ManifestEntry(
                pnr: row.pnr, seq: row.seq, passengerType: row.passenger_type,
                name: try crypto.open(row.name_enc, context: Self.sealContext(row.pnr, passenger: row.seq, "name")),
                idNumber: try row.id_number_enc.map {
                    try crypto.open($0, context: Self.sealContext(row.pnr, passenger: row.seq, "id_number"))
                },
                seat: row.coach_position.flatMap { coach in row.seat_number.map { SeatRef(coach: coach, seat: $0) } },
                from: .init(code: row.from_station, name: row.from_name),
                to: .init(code: row.to_station, name: row.to_name), trainNumber: row.train_number,
                serviceDate: row.service_date, ticketID: row.ticket_id.map(Array.init),
                firstScannedAt: row.first_scanned_at)
        }
    }
}
