import Hummingbird
import SetragKernel

/// Identity's errors, each with a stable problem type.
public enum IdentityError: Error, ProblemConvertible {
    case usernameTaken
    case userNotFound
    case noSigningKey
    case invalidRoles([String])

    public var problemError: ProblemError {
        switch self {
        case .usernameTaken:
            return ProblemError(.alreadyExists, status: .conflict,
                                detail: "An account already uses this email address or phone number",
                                errors: [.init(field: "username", code: "already-exists")])
        case .userNotFound:
            return .notFound("No such user")
        case .noSigningKey:
            return ProblemError(.unavailable, status: .serviceUnavailable, detail: "No signing key yet")
        case .invalidRoles(let names):
            return .validation(names.map { .init(field: "roles", code: "unknown-role", message: $0) })
        }
    }
}

/// An OAuth 2 protocol error (RFC 6749 section 5.2): the token, introspection and revocation endpoints answer
/// with these JSON objects, as OAuth clients expect.
public struct OAuthError: Error, Sendable {
    public var code: String
    public var description: String
    public var status: HTTPResponse.Status

    public init(_ code: String, _ description: String, status: HTTPResponse.Status = .badRequest) {
        self.code = code
        self.description = description
        self.status = status
    }

    public static func invalidRequest(_ d: String) -> OAuthError { .init("invalid_request", d) }
    public static func invalidGrant(_ d: String) -> OAuthError { .init("invalid_grant", d) }
    public static func invalidClient(_ d: String = "Client authentication failed") -> OAuthError {
        .init("invalid_client", d, status: .unauthorized)
    }
    public static func unauthorizedClient(_ d: String) -> OAuthError { .init("unauthorized_client", d) }
    public static func unsupportedGrantType(_ d: String) -> OAuthError { .init("unsupported_grant_type", d) }
    public static func invalidScope(_ d: String) -> OAuthError { .init("invalid_scope", d) }
}
