import Hummingbird
import SetragKernel

public enum PaymentsError: Error, ProblemConvertible, Equatable {
    case invalid([Problem.FieldError])
    case paymentNotFound
    /// No booking with that PNR that the caller may see.
    case bookingNotFound
    case bookingUnavailable
    /// The booking is not waiting for a payment (already paid, cancelled, expired).
    case bookingNotPayable(String)
    /// A payment of this booking is still waiting for its outcome.
    case paymentInProgress(String)
    /// The provider could not be reached: nothing was charged.
    case providerUnavailable
    case badCallback(String)
    case refundNotFound
    /// The refund is not owed in cash (its status): already paid, or going back to a wallet.
    case refundNotOwedInCash(String)

    public var problemError: ProblemError {
        switch self {
        case .invalid(let errors):
            return .validation(errors, detail: "Some fields cannot be used")
        case .paymentNotFound:
            return .notFound("No such payment")
        case .bookingNotFound:
            return .notFound("No such booking")
        case .bookingUnavailable:
            return ProblemError(.unavailable, status: .serviceUnavailable,
                                detail: "Bookings cannot be reached; try again in a moment")
        case .bookingNotPayable(let status):
            return ProblemError(.bookingNotPayable, status: .conflict,
                                detail: "The booking is \(status): it takes no payment")
        case .paymentInProgress(let id):
            return ProblemError(.paymentInProgress, status: .conflict,
                                detail: "Payment \(id) of this booking is waiting for its outcome")
        case .providerUnavailable:
            return ProblemError(.unavailable, status: .serviceUnavailable,
                                detail: "The payment provider cannot be reached; nothing was charged")
        case .refundNotFound:
            return .notFound("No such refund")
        case .refundNotOwedInCash(let status):
            let why = status == "succeeded" ? "it has been paid already"
                : "it goes back to the payer's wallet (\(status))"
            return ProblemError(.refundNotOwedInCash, status: .conflict,
                                detail: "This refund is not to be paid in cash: \(why)")
        case .badCallback(let reason):
            return ProblemError(.unauthorized, status: .unauthorized, detail: "Callback refused: \(reason)")
        }
    }
}

extension ProblemType {
    static let bookingNotPayable = ProblemType(code: "booking-not-payable", title: "The booking takes no payment")
    static let paymentInProgress = ProblemType(code: "payment-in-progress", title: "A payment is in progress")
    static let refundNotOwedInCash = ProblemType(code: "refund-not-owed-in-cash",
                                                 title: "The refund is not to be paid in cash")
}
