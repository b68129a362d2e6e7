import Hummingbird
import SetragKernel

/// Inventory's errors, each with a stable problem type.
public enum InventoryError: Error, ProblemConvertible {
    /// Query parameters that cannot be used, each named with a stable code.
    case invalidQuery([Problem.FieldError])
    case tripNotFound

    public var problemError: ProblemError {
        switch self {
        case .invalidQuery(let errors):
            return .validation(errors, detail: "Some query parameters cannot be used")
        case .tripNotFound:
            return .notFound("No such trip")
        }
    }
}
