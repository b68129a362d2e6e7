import Hummingbird
import SetragKernel

/// Inventory's errors, each with a stable problem type.
public enum InventoryError: Error, ProblemConvertible {
    /// Query parameters that cannot be used, each named with a stable code.
    case invalidQuery([Problem.FieldError])
    case tripNotFound
    case holdNotFound
    /// The trip is cancelled or has left: no seat of it can be taken.
    case tripNotOnSale(String)
    /// Some of the seats are not free on every leg of the journey (nothing was taken); empty when the service
    /// chose the seats and lost every race for them.
    case seatsTaken([SeatKey])
    case notEnoughSeats(Int)

    public var problemError: ProblemError {
        switch self {
        case .invalidQuery(let errors):
            return .validation(errors, detail: "Some query parameters cannot be used")
        case .tripNotFound:
            return .notFound("No such trip")
        case .holdNotFound:
            return .notFound("No such hold")
        case .tripNotOnSale(let reason):
            return ProblemError(.tripNotOnSale, status: .conflict, detail: "Seats cannot be taken: \(reason)")
        case .seatsTaken(let seats):
            return ProblemError(
                .seatsTaken, status: .conflict,
                detail: seats.isEmpty ? "Other travellers took the seats; search again"
                    : "Some seats are not free for the whole journey; nothing was taken",
                errors: seats.map { .init(field: "seats", code: "seat-taken",
                                          message: "coach \($0.coach) seat \($0.seat)") })
        case .notEnoughSeats(let count):
            return ProblemError(.notEnoughSeats, status: .conflict,
                                detail: "Fewer than \(count) seats of that class are free for the whole journey")
        }
    }
}

extension ProblemType {
    static let tripNotOnSale = ProblemType(code: "trip-not-on-sale", title: "The trip is not on sale")
    static let seatsTaken = ProblemType(code: "seats-taken", title: "The seats are taken")
    static let notEnoughSeats = ProblemType(code: "not-enough-seats", title: "Not enough free seats")
}
