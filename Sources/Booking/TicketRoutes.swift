import Foundation
import Hummingbird
import Logging
import SetragKernel

/// Tickets' HTTP surface: a booking's tickets (its owner or staff), the public keys (anyone, cacheable),
/// verification (`tickets.verify`: conductors, agents) and trips' manifests (`manifest.read`). Thin handlers: the
/// rules live in `TicketService`.
struct TicketRoutes: Sendable {
    let tickets: TicketService
    let now: @Sendable () -> Date

    /// How long devices and caches may keep the key list (a new key is published days before it signs).
    static let keysMaxAge = 300

    func register(on router: Router<AppContext>) {
        router.get("/api/v1/bookings/:pnr/tickets") { _, context in
            let caller = try context.requirePrincipal()
            let (booking, list) = try await tickets.tickets(pnr: try context.parameters.require("pnr"), caller: caller,
                                                            now: now())
            return JSONResponse(TicketListJSON(booking, tickets: list), headers: [.cacheControl: "no-store"])
        }
        router.get("/api/v1/tickets/keys") { _, _ in
            let keys = try await tickets.keys.published(now: now())
            return JSONResponse(TicketKeysJSON(keys: keys.map(TicketKeysJSON.KeyJSON.init)),
                                headers: [.cacheControl: "public, max-age=\(Self.keysMaxAge)"])
        }
        router.post("/api/v1/tickets/verify") { request, context in
            let scanner = try context.require(.ticketsVerify)
            let body = try await request.decodeJSON(as: TicketVerifyRequest.self, context: context)
            let result = try await tickets.verify(body, scanner: scanner, now: now())
            return JSONResponse(VerificationJSON(result), headers: [.cacheControl: "no-store"])
        }
        router.get("/api/v1/tickets/manifest") { request, context in
            let reader = try context.require(.manifestRead)
            let (tripID, entries) = try await tickets.manifest(tripID: request.uri.queryParameters.get("tripId"))
            // Audit: who read which trip's passenger list (names and ID numbers).
            context.logger.notice("manifest read", metadata: [
                "audit": "manifest.read", "subject": "\(reader.subject)", "trip_id": "\(tripID)",
                "passengers": "\(entries.count)",
            ])
            return JSONResponse(ManifestJSON(tripID: tripID, entries: entries), headers: [.cacheControl: "no-store"])
        }
    }
}

// MARK: JSON bodies (the shapes of BookingOpenAPI)

struct StationJSON: Encodable, Sendable {
    let code: String
    let name: String
}

struct TicketListJSON: Encodable, Sendable {
    struct TicketJSON: Encodable, Sendable {
        let id: String
        let passengerName: String
        let passengerType: String
        let lapInfant: Bool
        let seat: SeatRef?
        let travelClass: String
        let trip: JourneyJSON.TripJSON
        let from: JourneyJSON.StopJSON
        let to: JourneyJSON.StopJSON
        let validUntil: String
        let qr: String

        enum CodingKeys: String, CodingKey {
            case id, passengerName, passengerType, lapInfant, seat, travelClass = "class", trip, from, to, validUntil
            case qr
        }
    }

    let pnr: String
    let status: String
    let tickets: [TicketJSON]

    init(_ booking: BookingRecord, tickets: [IssuedTicket]) {
        let journey = JourneyJSON(booking.journey)
        pnr = booking.pnr
        status = booking.status.rawValue
        self.tickets = tickets.compactMap { ticket in
            guard booking.passengers.indices.contains(ticket.passengerSeq - 1) else { return nil }
            let passenger = booking.passengers[ticket.passengerSeq - 1]
            return TicketJSON(
                id: TicketIDGenerator.text(ticket.id), passengerName: passenger.name, passengerType: passenger.type,
                lapInfant: passenger.seat == nil, seat: passenger.seat, travelClass: booking.travelClass,
                trip: journey.trip, from: journey.from, to: journey.to,
                validUntil: LocalTime.iso8601(ticket.validUntil), qr: Base45.encode(ticket.payload))
        }
    }
}

struct TicketKeysJSON: Encodable, Sendable {
    struct KeyJSON: Encodable, Sendable {
        let kid: String
        let alg: String
        /// Raw 32-byte Ed25519 public key, base64url without padding.
        let publicKey: String
        let validFrom: String
        let validUntil: String?

        init(_ key: PublishedTicketKey) {
            kid = TicketKey.text(key.kid)
            alg = "Ed25519"
            publicKey = key.publicKey.base64URLEncodedString()
            validFrom = LocalTime.iso8601(key.validFrom)
            validUntil = key.validUntil.map(LocalTime.iso8601)
        }
    }

    let keys: [KeyJSON]
}

struct VerificationJSON: Encodable, Sendable {
    struct TicketJSON: Encodable, Sendable {
        let id: String
        let pnr: String
        let passengerName: String
        let passengerType: String
        let lapInfant: Bool
        let seat: SeatRef?
        let travelClass: String
        let from: StationJSON
        let to: StationJSON
        let tripId: Int
        let trainNumber: Int
        let serviceDate: String
        let departure: String
        let validUntil: String

        enum CodingKeys: String, CodingKey {
            case id, pnr, passengerName, passengerType, lapInfant, seat, travelClass = "class", from, to, tripId
            case trainNumber, serviceDate, departure, validUntil
        }
    }

    let valid: Bool
    let reason: String?
    let ticket: TicketJSON?
    let alreadyScanned: Bool
    let firstScannedAt: String?

    init(_ result: TicketVerification) {
        valid = result.valid
        reason = result.reason?.rawValue
        alreadyScanned = result.alreadyScanned
        firstScannedAt = result.firstScannedAt.map(LocalTime.iso8601)
        ticket = result.ticket.map { found in
            let journey = found.journey
            return TicketJSON(
                id: TicketIDGenerator.text(found.ticket.id), pnr: found.pnr, passengerName: found.passengerName,
                passengerType: found.passengerType, lapInfant: found.seat == nil, seat: found.seat,
                travelClass: found.travelClass, from: StationJSON(code: journey.from.code, name: journey.from.name),
                to: StationJSON(code: journey.to.code, name: journey.to.name), tripId: journey.tripID,
                trainNumber: journey.trainNumber, serviceDate: journey.serviceDate,
                departure: LocalTime.iso8601(journey.departure), validUntil: LocalTime.iso8601(found.ticket.validUntil))
        }
    }
}

struct ManifestJSON: Encodable, Sendable {
    struct PassengerJSON: Encodable, Sendable {
        let seat: SeatRef?
        let name: String
        let idNumber: String?
        let passengerType: String
        let lapInfant: Bool
        let from: StationJSON
        let to: StationJSON
        let pnr: String
        let ticketId: String?
        let scanned: Bool
        let firstScannedAt: String?
    }

    let tripId: Int
    let trainNumber: Int?
    let serviceDate: String?
    let count: Int
    let passengers: [PassengerJSON]

    init(tripID: Int, entries: [ManifestEntry]) {
        tripId = tripID
        trainNumber = entries.first?.trainNumber
        serviceDate = entries.first?.serviceDate
        count = entries.count
        passengers = entries.map { entry in
            PassengerJSON(
                seat: entry.seat, name: entry.name, idNumber: entry.idNumber, passengerType: entry.passengerType,
                lapInfant: entry.seat == nil, from: StationJSON(code: entry.from.code, name: entry.from.name),
                to: StationJSON(code: entry.to.code, name: entry.to.name), pnr: entry.pnr,
                ticketId: entry.ticketID.map(TicketIDGenerator.text), scanned: entry.firstScannedAt != nil,
                firstScannedAt: entry.firstScannedAt.map(LocalTime.iso8601))
        }
    }
}
