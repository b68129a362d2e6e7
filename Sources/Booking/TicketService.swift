import Foundation
import Logging
import SetragKernel

/// Makes the tickets of a booking: one per passenger (lap infants included), each with a random id, signed by the
/// key that signs at the time. Nothing is stored here (see `BookingService.paid`, which stores them with the
/// booking's confirmation).
public struct TicketIssuer: Sendable {
    public let keys: TicketKeyRing
    let ids: TicketIDGenerator

    /// A ticket stays valid this long after the train's scheduled arrival (trains run late).
    public static let validityAfterArrival: TimeInterval = 12 * 3600

    public init(keys: TicketKeyRing, ids: TicketIDGenerator = .live) {
        self.keys = keys
        self.ids = ids
    }

    public func tickets(for booking: BookingRecord, now: Date) async throws -> [IssuedTicket] {
        let key = try await keys.signer(now: now)
        let journey = booking.journey
        guard let day = TicketCalendar.day(ofISODate: journey.serviceDate),
              let tripID = UInt32(exactly: journey.tripID) else {
            throw TicketError.unwritable("trip \(journey.tripID) of \(journey.serviceDate)")
        }
        let validUntilMinute = TicketCalendar.minute(of: journey.arrival.addingTimeInterval(Self.validityAfterArrival))
        var seen: Set<[UInt8]> = []
        return try booking.passengers.enumerated().map { index, passenger in
            var id = ids.next()
            while !seen.insert(id).inserted { id = ids.next() }
            guard let coach = UInt8(exactly: passenger.seat?.coach ?? 0),
                  let seat = UInt8(exactly: passenger.seat?.seat ?? 0) else {
                throw TicketError.unwritable("seat \(String(describing: passenger.seat))")
            }
            let payload = TicketPayload(
                kid: key.kid, ticketID: id, tripID: tripID, serviceDay: day, from: journey.from.code,
                to: journey.to.code, coach: coach, seat: seat,
                travelClass: TicketPayload.classCode(booking.travelClass),
                passengerType: TicketPayload.passengerTypeCode(passenger.type),
                holderHash: TicketHolder.hash(ticketID: id, name: passenger.name, idNumber: passenger.idNumber),
                validUntilMinute: validUntilMinute)
            guard let signed = try? payload.signed(with: key.privateKey) else {
                throw TicketError.unwritable("stations \(journey.from.code)-\(journey.to.code)")
            }
            return IssuedTicket(id: id, passengerSeq: index + 1, tripID: journey.tripID, kid: key.kid, payload: signed,
                                validUntil: payload.validUntil, issuedAt: now)
        }
    }
}

/// The body of `POST /api/v1/tickets/verify`.
public struct TicketVerifyRequest: JSONRequestBody {
    public static let fields: Set<String> = ["qr", "tripId", "scannedAt"]
    /// How long a device may keep a check made without network before sending it.
    public static let offlineWindow: TimeInterval = 72 * 3600
    /// How far ahead of the server's clock a device's clock may be.
    public static let clockSkew: TimeInterval = 120

    /// The QR code's text (base45).
    public var qr: String
    /// The trip the conductor is on, when known.
    public var tripId: Int?
    /// When a device checked the ticket without network and sends the check later: the instant of the check (UTC,
    /// ISO 8601). The ticket's validity is judged at that instant, its booking's state now.
    public var scannedAt: Date?

    public init(qr: String, tripId: Int? = nil, scannedAt: Date? = nil) {
        self.qr = qr
        self.tripId = tripId
        self.scannedAt = scannedAt
    }

    enum CodingKeys: String, CodingKey { case qr, tripId, scannedAt }

    /// `scannedAt` with or without fractional seconds (a browser's `toISOString()` has milliseconds).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        qr = try container.decode(String.self, forKey: .qr)
        tripId = try container.decodeIfPresent(Int.self, forKey: .tripId)
        if let text = try container.decodeIfPresent(String.self, forKey: .scannedAt) {
            guard let date = Self.instant(text) else {
                throw DecodingError.dataCorruptedError(forKey: .scannedAt, in: container,
                                                       debugDescription: "an ISO 8601 instant")
            }
            scannedAt = date
        } else {
            scannedAt = nil
        }
    }

    static func instant(_ text: String) -> Date? {
        guard text.count <= 40 else { return nil }
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

/// Why a ticket that was read is not good for travel. Stable codes: conductors' devices branch on them.
public enum TicketRefusal: String, Sendable, CaseIterable {
    /// Signed by a key that is not (or no longer) published.
    case unknownKey = "unknown-key"
    /// The signature does not match: altered or forged.
    case badSignature = "bad-signature"
    /// Signed by us, but no such ticket is stored.
    case unknownTicket = "unknown-ticket"
    /// An older QR code of a ticket that was issued again.
    case superseded
    /// Its booking was cancelled (refund pending or due).
    case cancelled
    /// Its booking was exchanged for another (whose own tickets travel instead).
    case exchanged
    /// SETRAG cancelled the trip: the booking is to be exchanged or refunded, the ticket is no good for travel.
    case tripCancelled = "trip-cancelled"
    /// For another trip than the one the conductor is on.
    case wrongTrain = "wrong-train"
    /// Too early: the ticket is for a later day.
    case notYetValid = "not-yet-valid"
    case expired
}

/// What a scan found.
public struct TicketVerification: Sendable, Equatable {
    public var valid: Bool
    public var reason: TicketRefusal?
    /// The ticket, when its signature verified and it is stored.
    public var ticket: TicketLookup?
    public var alreadyScanned: Bool
    public var firstScannedAt: Date?
}

/// Tickets of bookings, their verification by conductors and agents, trips' manifests, and the published keys.
public struct TicketService: Sendable {
    let bookings: BookingService
    let store: any TicketStore
    public let issuer: TicketIssuer
    let logger: Logger

    public var keys: TicketKeyRing { issuer.keys }

    /// The longest QR text read (a version 1 ticket is 155 characters).
    public static let maxQRLength = 512
    /// A ticket is good from this long before its service date begins (railway time).
    public static let validBeforeServiceDate: TimeInterval = 6 * 3600

    public init(bookings: BookingService, store: any TicketStore, issuer: TicketIssuer, logger: Logger) {
        self.bookings = bookings
        self.store = store
        self.issuer = issuer
        self.logger = logger
    }

    // MARK: a booking's tickets

    /// The tickets of a confirmed booking its owner or staff may see (404 otherwise, 409 when not confirmed). A
    /// confirmed booking without its tickets (confirmed before tickets existed) gets them now.
    public func tickets(pnr: String, caller: Principal, now: Date) async throws
        -> (booking: BookingRecord, tickets: [IssuedTicket])
    {
        let booking = try await bookings.booking(pnr, caller: caller)
        guard booking.status == .confirmed else { throw BookingError.notConfirmed(booking.status) }
        var tickets = try await store.tickets(pnr: booking.pnr)
        if tickets.count < booking.passengers.count {
            try await store.addMissingTickets(pnr: booking.pnr, try await issuer.tickets(for: booking, now: now))
            tickets = try await store.tickets(pnr: booking.pnr)
            logger.info("tickets issued late", metadata: ["pnr": "\(booking.pnr)"])
        }
        return (booking, tickets)
    }

    // MARK: verification

    /// Reads a QR code's text: a 422 for text that is no ticket at all (empty, too long, not base45, not the
    /// length of a ticket); otherwise an answer, `valid` or not, journalled with the scanner and the time. A second
    /// valid scan of a ticket is still valid, with `alreadyScanned` and the first scan's time.
    public func verify(_ request: TicketVerifyRequest, scanner: Principal, now: Date) async throws
        -> TicketVerification
    {
        let (bytes, payload, signature) = try Self.read(request, now: now)
        let at = request.scannedAt ?? now
        func answer(_ reason: TicketRefusal?, ticket: TicketLookup?, journalID: [UInt8]?) async throws
            -> TicketVerification
        {
            let first = try await store.recordScan(TicketScan(
                ticketID: journalID, kid: payload.kid, tripID: request.tripId, scannedBy: scanner.subject,
                scannedAt: at, result: reason?.rawValue ?? "valid"))
            return TicketVerification(valid: reason == nil, reason: reason, ticket: ticket,
                                      alreadyScanned: first != nil, firstScannedAt: first)
        }
        guard let key = try await keys.key(kid: payload.kid) else {
            return try await answer(.unknownKey, ticket: nil, journalID: nil)
        }
        guard key.publicKey.isValidSignature(signature, for: bytes[..<TicketPayload.signedLength]) else {
            return try await answer(.badSignature, ticket: nil, journalID: nil)
        }
        guard let ticket = try await store.ticket(id: payload.ticketID) else {
            return try await answer(.unknownTicket, ticket: nil, journalID: payload.ticketID)
        }
        let notBefore = TicketCalendar.localMidnight(day: payload.serviceDay)
            .addingTimeInterval(-Self.validBeforeServiceDate)
        let reason: TicketRefusal? =
            if ticket.ticket.payload != bytes { .superseded }
            else if ticket.status == .exchanged { .exchanged }
            else if ticket.tripCancelled { .tripCancelled }
            else if ticket.status != .confirmed { .cancelled }
            else if let tripID = request.tripId, tripID != Int(payload.tripID) { .wrongTrain }
            else if at < notBefore { .notYetValid }
            else if at > payload.validUntil { .expired }
            else { nil }
        return try await answer(reason, ticket: ticket, journalID: payload.ticketID)
    }

    /// The payload's bytes, fields and signature, or a 422 naming what is wrong.
    static func read(_ request: TicketVerifyRequest, now: Date) throws -> ([UInt8], TicketPayload, [UInt8]) {
        var errors: [Problem.FieldError] = []
        if let tripID = request.tripId, !(1...Int(UInt32.max)).contains(tripID) {
            errors.append(.init(field: "tripId", code: "out-of-range", message: "a trip id"))
        }
        if let at = request.scannedAt {
            if at > now.addingTimeInterval(TicketVerifyRequest.clockSkew) {
                errors.append(.init(field: "scannedAt", code: "future", message: "a check cannot come from the future"))
            } else if at < now.addingTimeInterval(-TicketVerifyRequest.offlineWindow) {
                errors.append(.init(field: "scannedAt", code: "too-old",
                                    message: "checks made offline are taken for \(Int(TicketVerifyRequest.offlineWindow / 3600)) hours"))
            }
        }
        // Scanners may add a line end; spaces belong to base45 and are kept.
        let text = request.qr.trimmingCharacters(in: CharacterSet(charactersIn: "\r\n\t"))
        var read: ([UInt8], TicketPayload, [UInt8])?
        if text.isEmpty {
            errors.append(.init(field: "qr", code: "required"))
        } else if text.utf8.count > maxQRLength {
            errors.append(.init(field: "qr", code: "too-long", message: "at most \(maxQRLength) characters"))
        } else if let bytes = Base45.decode(text) {
            do {
                let (payload, signature) = try TicketPayload.parse(bytes)
                read = (bytes, payload, signature)
            } catch {
                let code = switch error {
                case .wrongLength: "wrong-length"
                case .unsupportedVersion: "unsupported-version"
                case .badField, .unwritable: "invalid"
                }
                errors.append(.init(field: "qr", code: code, message: "not a SETRAG ticket"))
            }
        } else {
            errors.append(.init(field: "qr", code: "not-base45", message: "the text of a ticket's QR code"))
        }
        guard errors.isEmpty, let read else { throw BookingError.invalid(errors) }
        return read
    }

    // MARK: manifest

    /// Every passenger of a trip's confirmed bookings, by coach then seat; an infant on a lap comes right after
    /// the first seated passenger of their booking.
    public func manifest(tripID text: String?) async throws -> (tripID: Int, entries: [ManifestEntry]) {
        guard let text, !text.isEmpty else {
            throw BookingError.invalid([.init(field: "tripId", code: "required")])
        }
        guard let tripID = Int(text), (1...Int(UInt32.max)).contains(tripID) else {
            throw BookingError.invalid([.init(field: "tripId", code: "out-of-range", message: "a trip id")])
        }
        let entries = try await store.manifest(tripID: tripID)
        var lapSeats: [String: SeatRef] = [:]
        for entry in entries.sorted(by: { $0.seq < $1.seq }) {
            if let seat = entry.seat, lapSeats[entry.pnr] == nil { lapSeats[entry.pnr] = seat }
        }
        func key(_ entry: ManifestEntry) -> (Int, Int, Int, String, Int) {
            let seat = entry.seat ?? lapSeats[entry.pnr]
            return (seat?.coach ?? Int.max, seat?.seat ?? Int.max, entry.seat == nil ? 1 : 0, entry.pnr, entry.seq)
        }
        return (tripID, entries.sorted { key($0) < key($1) })
    }
}
