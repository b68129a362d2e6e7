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

/// What confirming the new booking of an exchange did.
public enum ExchangeConfirmation: Sendable, Equatable {
    /// The new booking is confirmed with its tickets, the old one exchanged.
    case confirmed
    /// The new booking was not in one of the states expected: nothing changed.
    case notPending
    /// The old booking was no longer confirmed (cancelled meanwhile): nothing changed.
    case oldBookingChanged
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
    /// A payment started: a booking held (or already awaiting another payment) whose hold lasts until after `now`
    /// becomes `awaiting_payment` under `payment`; false when it is not.
    func paymentStarted(pnr: String, payment: String, now: Date) async throws -> Bool
    /// That payment ended unpaid: back to `held` if it is still the payment under way; false when it is not.
    func paymentEnded(pnr: String, payment: String, now: Date) async throws -> Bool

    // MARK: paid bookings retired (BookingStore+Exchange)

    /// A confirmed booking cancelled (`change`) and its refund written to the outbox, in one transaction; false
    /// when the booking was no longer confirmed.
    func cancelPaid(pnr: String, _ change: StatusChange, refund: BookingRefundDue?, now: Date) async throws -> Bool
    /// An exchange that needs no payment: the new booking (confirmed, `exchange` set) with its tickets, the old one
    /// `exchanged` and its seats due for release, the refund (if any) in the outbox: all in one transaction. False
    /// (nothing written) when the old booking was no longer confirmed.
    func completeExchange(_ booking: BookingRecord, tickets: [IssuedTicket], idempotencyUse: Data?,
                          refund: BookingRefundDue?, now: Date) async throws -> Bool
    /// The paid new booking of an exchange confirmed with its tickets and the old one `exchanged`, in one
    /// transaction.
    func confirmExchange(pnr: String, from: Set<BookingStatus>, _ change: StatusChange, tickets: [IssuedTicket],
                         old: String, now: Date) async throws -> ExchangeConfirmation
    /// The PNRs whose payments paid for this booking, newest first (itself, then the bookings it was exchanged
    /// from), leaving out those an exchange covered without a payment.
    func paidUnder(pnr: String) async throws -> [String]
    /// The booking's seats were released in inventory.
    func releaseDone(pnr: String) async throws
}
