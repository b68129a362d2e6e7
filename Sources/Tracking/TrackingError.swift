import Hummingbird
import SetragKernel

/// Tracking's errors, each with a stable problem type.
public enum TrackingError: Error, ProblemConvertible {
    /// A body or parameters that cannot be used, each field named with a stable code.
    case invalid([Problem.FieldError])
    /// OsmAnd parameters that are missing or unreadable.
    case invalidFix([Problem.FieldError])
    /// A batch over `PositionBatch.maxFixes`, or empty.
    case batchSize(Int)
    /// Well-formed fixes that are not plausible (nothing of the request was stored): index and reason.
    case fixesRejected([(index: Int, reason: FixRejection)])
    /// No device key, an unknown device or a wrong key: always the same answer.
    case deviceUnauthorized
    case deviceNotFound
    case runNotFound
    /// The trip to assign is not one of inventory's.
    case unknownTrip(Int)
    /// Inventory could not be asked (the line or a trip); the device should send again later.
    case inventoryUnavailable

    public var problemError: ProblemError {
        switch self {
        case .invalid(let errors):
            return .validation(errors, detail: "Some fields cannot be used")
        case .invalidFix(let errors):
            return .validation(errors, detail: "Some parameters of the fix are missing or cannot be read")
        case .batchSize(let count):
            return ProblemError(.batchSize, status: .unprocessableContent,
                                detail: "A batch carries 1 to \(PositionBatch.maxFixes) fixes, not \(count)",
                                errors: [.init(field: "fixes", code: "out-of-range")])
        case .fixesRejected(let rejections):
            return ProblemError(
                .fixesRejected, status: .unprocessableContent,
                detail: "\(rejections.count) fixes are not plausible; nothing was stored. Send the others again",
                errors: rejections.map { .init(field: "fixes.\($0.index)", code: $0.reason.rawValue) })
        case .deviceUnauthorized:
            return ProblemError(.unauthorized, status: .unauthorized,
                                detail: "Send the device's id and key: Authorization: Device <id>:<key>",
                                headers: [.wwwAuthenticate: "Device"])
        case .deviceNotFound:
            return .notFound("No such device")
        case .runNotFound:
            return .notFound("No such train run")
        case .unknownTrip(let id):
            return .validation([.init(field: "tripId", code: "unknown-trip", message: "no trip \(id)")],
                               detail: "Inventory has no such trip")
        case .inventoryUnavailable:
            return ProblemError(.unavailable, status: .serviceUnavailable,
                                detail: "The network could not be read from inventory; send again later",
                                headers: [.retryAfter: "30"])
        }
    }
}

extension ProblemType {
    static let batchSize = ProblemType(code: "batch-size", title: "Too many or too few fixes")
    static let fixesRejected = ProblemType(code: "fixes-rejected", title: "Some fixes are not plausible")
}
