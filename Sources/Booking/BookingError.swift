import Hummingbird
import SetragKernel

/// Booking's errors, each with a stable problem type.
public enum BookingError: Error, ProblemConvertible {
    /// Fields or query parameters that cannot be used, each named with a stable code.
    case invalid([Problem.FieldError])
    /// No such booking, or not one the caller may see (the same answer, so PNRs cannot be probed).
    case bookingNotFound
    /// The booking is in a state that does not allow this (cancelling a cancelled booking).
    case wrongState(action: String, status: BookingStatus)
    /// The train has left: the booking can no longer be changed by the customer.
    case departed
    /// `setrag seed` has not loaded the fares.
    case faresNotLoaded
    /// Inventory refused (seats taken, no such trip, invalid journey): its problem, passed on as it is.
    case inventoryRefused(ProblemError)
    /// Inventory did not answer, or answered something unreadable.
    case inventoryUnavailable(String)
    /// Tickets exist only for confirmed bookings.
    case notConfirmed(BookingStatus)

    public var problemError: ProblemError {
        switch self {
        case .invalid(let errors):
            return .validation(errors, detail: "Some fields cannot be used")
        case .bookingNotFound:
            return .notFound("No such booking")
        case .wrongState(let action, let status):
            return ProblemError(.bookingState, status: .conflict,
                                detail: "A booking in state \(status.rawValue) cannot be \(action)")
        case .departed:
            return ProblemError(.tripDeparted, status: .conflict,
                                detail: "The train has left: the booking can no longer be changed")
        case .faresNotLoaded:
            return ProblemError(.unavailable, status: .serviceUnavailable, detail: "The fares are not loaded yet")
        case .inventoryRefused(let problem):
            return problem
        case .inventoryUnavailable:
            return ProblemError(.badGateway, status: .badGateway,
                                detail: "The seat inventory did not answer; try again")
        case .notConfirmed(let status):
            return ProblemError(.bookingState, status: .conflict,
                                detail: "Tickets exist only for confirmed bookings; this one is \(status.rawValue)")
        }
    }
}

/// Tickets' errors (a ticket that does not verify is not an error: it is an answer, `valid: false`).
public enum TicketError: Error, ProblemConvertible {
    /// No key could be made or read to sign tickets.
    case noSigningKey
    /// A ticket could not be written (a station code inventory gave that is not three letters, a date out of range).
    case unwritable(String)

    public var problemError: ProblemError {
        switch self {
        case .noSigningKey:
            return ProblemError(.unavailable, status: .serviceUnavailable, detail: "Tickets cannot be signed now")
        case .unwritable:
            return ProblemError(.internalError, status: .internalServerError)
        }
    }
}

extension ProblemType {
    static let bookingState = ProblemType(code: "booking-state", title: "Not possible in the booking's state")
    static let tripDeparted = ProblemType(code: "trip-departed", title: "The train has left")
}
