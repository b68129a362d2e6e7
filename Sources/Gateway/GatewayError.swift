import Hummingbird
import SetragKernel

/// What the gateway itself refuses, each with a stable problem type.
enum GatewayError: Error, ProblemConvertible {
    /// No service answers this path, or the path is never routed from outside.
    case noRoute
    /// The service did not accept a connection.
    case upstreamUnavailable(service: String)
    /// The service did not answer in time.
    case upstreamTimeout(service: String)
    /// The service broke the exchange (closed the connection, answered garbage).
    case upstreamFailed(service: String)
    case bodyTooLarge(limit: Int)
    /// The upstream exchange needed the request body a second time (a retry), which cannot be replayed.
    case bodyReplayed
    case csrf(String)
    case quotaExceeded(retryAfter: Int)
    case signedOut
    case corsOriginRefused

    var problemError: ProblemError {
        switch self {
        case .noRoute:
            return .notFound("No such resource")
        case .upstreamUnavailable:
            return ProblemError(.unavailable, status: .serviceUnavailable,
                                detail: "The service is not available right now; try again shortly",
                                headers: [.retryAfter: "5"])
        case .upstreamTimeout:
            return ProblemError(.timeout, status: .gatewayTimeout, detail: "The service did not answer in time")
        case .upstreamFailed:
            return ProblemError(.badGateway, status: .badGateway, detail: "The service failed to answer")
        case .bodyReplayed:
            return ProblemError(.badGateway, status: .badGateway, detail: "The service failed to answer; try again")
        case .bodyTooLarge(let limit):
            return ProblemError(.bodyTooLarge, status: .contentTooLarge,
                                detail: "The body may not exceed \(limit) bytes")
        case .csrf(let detail):
            return ProblemError(.csrf, status: .forbidden, detail: detail)
        case .quotaExceeded(let retryAfter):
            return ProblemError(.tooManyRequests, status: .tooManyRequests,
                                detail: "Too many requests; try again in \(retryAfter) s",
                                headers: [.retryAfter: String(retryAfter)])
        case .signedOut:
            return .unauthorized("The session has ended; sign in again")
        case .corsOriginRefused:
            return .forbidden("This origin may not call the API")
        }
    }
}

extension ProblemType {
    /// A request head the gateway cannot read (not well-formed HTTP/1.1).
    static let malformedRequest = ProblemType(code: "malformed-request", title: "The request cannot be read")
}
