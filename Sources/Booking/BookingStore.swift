import Foundation

/// A change of a booking's state, applied only when the booking is still in one of the states expected.
public struct StatusChange: Sendable, Equatable {
    public var to: BookingStatus
    public var refundAmount: Int?
    public var paidAt: Date?
    public var cancelledAt: Date?

    public init(to: BookingStatus, refundAmount: Int? = nil, paidAt: Date? = nil, cancelledAt: Date? = nil) {
        self.to = to
        self.refundAmount = refundAmount
        self.paidAt = paidAt
        self.cancelledAt = cancelledAt
    }
}

public enum BookingStoreError: Error, Equatable {
    /// Another booking has this PNR already.
    case duplicatePNR
    /// A booking was already made under this use of an Idempotency-Key.
    case duplicateIdempotencyUse
}

/// Booking's storage. The MySQL implementation is the one that runs; tests use it against the real server.
public protocol BookingStore: Sendable {
    /// The fare book `setrag seed` loaded, nil before the first seed.
    func fareBook() async throws -> FareBook?
    /// Loads the fare book (idempotent): returns the number of rows it changed.
    func save(_ fares: FareBook) async throws -> Int

    func pnrExists(_ pnr: String) async throws -> Bool
    /// Stores a new booking and its passengers in one transaction, with the id of the use of the Idempotency-Key
    /// that made it.
    func insert(_ booking: BookingRecord, idempotencyUse: Data?) async throws
    func booking(pnr: String) async throws -> BookingRecord?
    /// The booking made under this use of an Idempotency-Key, when there is one.
    func booking(idempotencyUse: Data) async throws -> BookingRecord?
    /// A user's bookings, newest first.
    func bookings(owner: String, limit: Int) async throws -> [BookingSummary]
    /// Applies `change` when the booking's state is one of `from`; false when it is not (or no such booking).
    func transition(pnr: String, from: Set<BookingStatus>, _ change: StatusChange, now: Date) async throws -> Bool
    /// `transition` to confirmed and the booking's tickets stored, in one transaction: both or neither.
    func confirm(pnr: String, from: Set<BookingStatus>, _ change: StatusChange, tickets: [IssuedTicket], now: Date)
        async throws -> Bool
    /// Marks bookings whose hold ran out unpaid as expired, at most `limit`; returns how many.
    func expireUnpaid(now: Date, limit: Int) async throws -> Int
}
