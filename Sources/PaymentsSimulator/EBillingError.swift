import Hummingbird
import SetragKernel

/// The simulator's errors, each a problem+json answer with a stable type.
public enum EBillingError: Error, ProblemConvertible, Equatable {
    case unauthorized
    case billNotFound
    case disbursementNotFound
    /// A push or payment on a bill that is no longer `ready`.
    case billClosed(BillState)
    /// A second push while the payer has not answered the first.
    case pushPending
    /// A payout reusing another payout's external reference with different details.
    case referenceReused(disbursementID: String)

    static let billClosedType = ProblemType(code: "ebilling-bill-closed", title: "The bill can no longer be paid")
    static let pushPendingType = ProblemType(code: "ebilling-push-pending", title: "A USSD push is already waiting")

    public var problemError: ProblemError {
        switch self {
        case .unauthorized:
            return ProblemError(.unauthorized, status: .unauthorized, detail: "Wrong or missing merchant credentials",
                                headers: [.wwwAuthenticate: "Basic realm=\"E-Billing\""])
        case .billNotFound:
            return .notFound("No such e_bill")
        case .disbursementNotFound:
            return .notFound("No such disbursement")
        case .billClosed(let state):
            return ProblemError(Self.billClosedType, status: .conflict, detail: "The bill is \(state.rawValue)")
        case .pushPending:
            return ProblemError(Self.pushPendingType, status: .conflict,
                                detail: "The payer has not answered the previous push yet")
        case .referenceReused(let id):
            return ProblemError(.conflict, status: .conflict,
                                detail: "Disbursement \(id) already uses this external_reference with other details",
                                errors: [.init(field: "external_reference", code: "already-used")])
        }
    }
}
