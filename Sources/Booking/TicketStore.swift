import Foundation

/// A key that signs tickets (Ed25519), as stored: the private key is sealed in the database and clear here.
public struct TicketKeyRecord: Sendable, Equatable {
    /// Short key id written in every ticket it signs (2 bytes, never 0).
    public var kid: UInt16
    /// Raw 32-byte Ed25519 private key.
    public var privateKey: Data
    /// Raw 32-byte Ed25519 public key.
    public var publicKey: Data
    /// From when it signs (published before, so that devices have it in time). It signs until the next key's
    /// `signsFrom`.
    public var signsFrom: Date
    public var createdAt: Date

    public init(kid: UInt16, privateKey: Data, publicKey: Data, signsFrom: Date, createdAt: Date) {
        self.kid = kid
        self.privateKey = privateKey
        self.publicKey = publicKey
        self.signsFrom = signsFrom
        self.createdAt = createdAt
    }
}

/// A ticket made for one passenger of a booking, signed, ready to store.
public struct IssuedTicket: Sendable, Equatable {
    public var id: [UInt8]
    /// The passenger's place in the booking (1 first).
    public var passengerSeq: Int
    public var tripID: Int
    public var kid: UInt16
    /// The signed payload (`TicketPayload`, signature included): what the QR code carries.
    public var payload: [UInt8]
    public var validUntil: Date
    public var issuedAt: Date
}

/// A ticket with what verification needs of its booking and passenger (personal data clear).
public struct TicketLookup: Sendable, Equatable {
    public var ticket: IssuedTicket
    public var pnr: String
    public var status: BookingStatus
    public var journey: Journey
    public var travelClass: String
    public var passengerType: String
    public var passengerName: String
    public var seat: SeatRef?
    /// SETRAG cancelled the trip (the booking recorded inventory's `TripCancelled`).
    public var tripCancelled: Bool = false
}

/// One line of the scan journal.
public struct TicketScan: Sendable, Equatable {
    /// Nil when the payload's signature did not verify (its ticket id cannot be trusted).
    public var ticketID: [UInt8]?
    public var kid: UInt16?
    /// The trip the scanner said it is on.
    public var tripID: Int?
    public var scannedBy: String
    public var scannedAt: Date
    /// `valid` or the reason it was not.
    public var result: String
}

/// A passenger on a trip's manifest.
public struct ManifestEntry: Sendable, Equatable {
    public var pnr: String
    public var seq: Int
    public var passengerType: String
    public var name: String
    public var idNumber: String?
    public var seat: SeatRef?
    public var from: Journey.Stop
    public var to: Journey.Stop
    public var trainNumber: Int
    public var serviceDate: String
    public var ticketID: [UInt8]?
    /// The first scan that found the ticket valid.
    public var firstScannedAt: Date?
}

public enum TicketStoreError: Error, Equatable {
    /// Another key already has this key id.
    case duplicateKeyID
}

/// Tickets' storage: signing keys, tickets, the scan journal. Booking's MySQL store implements it (tickets belong
/// to bookings and passengers, in the same database).
public protocol TicketStore: Sendable {
    /// Every signing key, by `signsFrom` then kid.
    func ticketKeys() async throws -> [TicketKeyRecord]
    func addTicketKey(_ key: TicketKeyRecord) async throws
    /// Per key id, the latest end of validity of the tickets it signed.
    func lastTicketValidity() async throws -> [UInt16: Date]

    /// The tickets of a booking, by passenger.
    func tickets(pnr: String) async throws -> [IssuedTicket]
    /// Stores tickets for passengers of a booking that have none (a passenger that has one keeps it).
    func addMissingTickets(pnr: String, _ tickets: [IssuedTicket]) async throws
    func ticket(id: [UInt8]) async throws -> TicketLookup?
    /// Journals a scan; returns when the ticket was first found valid before it, if it was. Scans of one ticket are
    /// journalled one at a time.
    func recordScan(_ scan: TicketScan) async throws -> Date?
    /// The passengers of a trip's confirmed bookings (in no particular order).
    func manifest(tripID: Int) async throws -> [ManifestEntry]
}
