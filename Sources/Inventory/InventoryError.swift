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
    /// A new consist would lose seats already sold or held (nothing was changed).
    case consistConflicts([ConsistConflict])
    /// An extra train of that number runs that day already.
    case trainExists(Int, String)
    /// The trip is cancelled or has arrived: its plan (the locomotive) no longer changes.
    case tripClosed(String)

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
        case .consistConflicts(let conflicts):
            return ProblemError(
                .consistConflicts, status: .conflict,
                detail: "\(conflicts.count) seats sold or held would not fit the new consist; nothing was changed",
                errors: conflicts.map {
                    .init(field: "coaches", code: $0.reason,
                          message: "coach \($0.coach) seat \($0.seat)\($0.travelClass.map { " (\($0))" } ?? "")")
                })
        case .trainExists(let number, let date):
            return ProblemError(.trainExists, status: .conflict, detail: "Train \(number) already runs on \(date)")
        case .tripClosed(let reason):
            return ProblemError(.tripClosed, status: .conflict, detail: "The trip's plan cannot change: \(reason)")
        }
    }
}

extension ProblemType {
    static let tripNotOnSale = ProblemType(code: "trip-not-on-sale", title: "The trip is not on sale")
    static let seatsTaken = ProblemType(code: "seats-taken", title: "The seats are taken")
    static let notEnoughSeats = ProblemType(code: "not-enough-seats", title: "Not enough free seats")
    static let consistConflicts = ProblemType(code: "consist-conflicts",
                                              title: "The new consist does not carry seats already sold")
    static let trainExists = ProblemType(code: "train-exists", title: "That train already runs that day")
    static let tripClosed = ProblemType(code: "trip-closed", title: "The trip is cancelled or has arrived")
}
