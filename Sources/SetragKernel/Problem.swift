import Foundation
@_exported import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// An RFC 9457 problem details document. `type` is stable: clients branch on it, never on `title`.
public struct Problem: Codable, Sendable, Equatable {
    public struct FieldError: Codable, Sendable, Equatable {
        public var field: String
        public var code: String
        public var message: String?
        public init(field: String, code: String, message: String? = nil) {
            self.field = field
            self.code = code
            self.message = message
        }
    }

    public var type: String
    public var title: String
    public var status: Int
    public var detail: String?
    public var instance: String?
    public var requestId: String?
    public var errors: [FieldError]?

    public init(
        type: ProblemType, status: HTTPResponse.Status, detail: String? = nil, errors: [FieldError]? = nil
    ) {
        self.type = type.uri
        self.title = type.title
        self.status = Int(status.code)
        self.detail = detail
        self.errors = errors
    }
}

/// The stable problem types of the platform. A service adds its own with `ProblemType(code:title:)`.
public struct ProblemType: Sendable, Hashable {
    public static let base = "https://setrag.ga/problems/"
    public let code: String
    public let title: String
    public init(code: String, title: String) {
        self.code = code
        self.title = title
    }
    public var uri: String { Self.base + code }

    public static let validation = ProblemType(code: "validation", title: "The request is not valid")
    public static let malformedBody = ProblemType(code: "malformed-body", title: "The request body cannot be read")
    public static let unsupportedMediaType = ProblemType(code: "unsupported-media-type", title: "Unsupported media type")
    public static let bodyTooLarge = ProblemType(code: "body-too-large", title: "The request body is too large")
    public static let notFound = ProblemType(code: "not-found", title: "Not found")
    public static let methodNotAllowed = ProblemType(code: "method-not-allowed", title: "Method not allowed")
    public static let unauthorized = ProblemType(code: "unauthorized", title: "Authentication is required")
    public static let forbidden = ProblemType(code: "forbidden", title: "Not allowed")
    public static let conflict = ProblemType(code: "conflict", title: "Conflict")
    public static let alreadyExists = ProblemType(code: "already-exists", title: "Already exists")
    public static let tooManyRequests = ProblemType(code: "too-many-requests", title: "Too many requests")
    public static let csrf = ProblemType(code: "csrf", title: "Missing or wrong CSRF token")
    public static let timeout = ProblemType(code: "timeout", title: "The request took too long")
    public static let unavailable = ProblemType(code: "unavailable", title: "Service unavailable")
    public static let badGateway = ProblemType(code: "bad-gateway", title: "An upstream service failed")
    public static let internalError = ProblemType(code: "internal", title: "Internal error")
}

/// An error that knows its problem document. Services throw these (or their own error types conforming to
/// `ProblemConvertible`); anything else becomes a logged 500.
public struct ProblemError: Error, Sendable {
    public var problem: Problem
    public var status: HTTPResponse.Status
    public var headers: HTTPFields

    public init(
        _ type: ProblemType, status: HTTPResponse.Status, detail: String? = nil,
        errors: [Problem.FieldError]? = nil, headers: HTTPFields = [:]
    ) {
        self.problem = Problem(type: type, status: status, detail: detail, errors: errors)
        self.status = status
        self.headers = headers
    }

    public static func validation(_ errors: [Problem.FieldError], detail: String? = nil) -> ProblemError {
        ProblemError(.validation, status: .unprocessableContent, detail: detail, errors: errors)
    }
    public static func notFound(_ detail: String? = nil) -> ProblemError {
        ProblemError(.notFound, status: .notFound, detail: detail)
    }
    public static func unauthorized(_ detail: String? = nil) -> ProblemError {
        ProblemError(.unauthorized, status: .unauthorized, detail: detail, headers: [.wwwAuthenticate: "Bearer"])
    }
    public static func forbidden(_ detail: String? = nil) -> ProblemError {
        ProblemError(.forbidden, status: .forbidden, detail: detail)
    }
}

/// A service error type maps itself to a problem at the HTTP edge.
public protocol ProblemConvertible: Error {
    var problemError: ProblemError { get }
}

extension ProblemError: ProblemConvertible {
    public var problemError: ProblemError { self }
}

public enum ProblemResponse {
    public static let contentType = "application/problem+json"

    public static func make(_ error: ProblemError, requestID: String?) -> Response {
        let (head, body) = encode(error, requestID: requestID)
        return Response(status: head.status, headers: head.headerFields, body: .init(byteBuffer: body))
    }

    /// The answer's head and body, for code that writes answers itself (the gateway's fast path).
    public static func encode(_ error: ProblemError, requestID: String?) -> (HTTPResponse, ByteBuffer) {
        var problem = error.problem
        problem.requestId = requestID
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(problem)) ?? Data("{}".utf8)
        var headers = error.headers
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        return (HTTPResponse(status: error.status, headerFields: headers), ByteBuffer(bytes: data))
    }
}

/// Turns every error thrown below it into problem+json. Unknown errors become a 500 that is logged with the
/// request id; their text never reaches the caller.
public struct ProblemMiddleware<Context: SetragContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, context: context)
            if problem.status.code >= 500 {
                context.logger.error(
                    "request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"]
                )
            }
            return ProblemResponse.make(problem, requestID: context.requestID)
        }
    }

    static func problem(for error: any Error, context: Context) -> ProblemError {
        switch error {
        case let error as any ProblemConvertible:
            return error.problemError
        case let error as DecodingError:
            return decodingProblem(error)
        case let error as any HTTPResponseError:
            return httpProblem(error)
        default:
            return ProblemError(.internalError, status: .internalServerError)
        }
    }

    static func httpProblem(_ error: any HTTPResponseError) -> ProblemError {
        switch error.status {
        case .notFound: return .notFound("No such resource")
        case .methodNotAllowed: return ProblemError(.methodNotAllowed, status: .methodNotAllowed)
        case .contentTooLarge: return ProblemError(.bodyTooLarge, status: .contentTooLarge)
        case .unsupportedMediaType: return ProblemError(.unsupportedMediaType, status: .unsupportedMediaType)
        case .unauthorized: return .unauthorized()
        case .forbidden: return .forbidden()
        case .badRequest:
            let detail = (error as? HTTPError)?.body
            return ProblemError(.malformedBody, status: .badRequest, detail: detail)
        default:
            if error.status.code >= 500 { return ProblemError(.internalError, status: .internalServerError) }
            let detail = (error as? HTTPError)?.body
            return ProblemError(ProblemType(code: "http-\(error.status.code)", title: error.status.reasonPhrase),
                                status: error.status, detail: detail)
        }
    }

    static func decodingProblem(_ error: DecodingError) -> ProblemError {
        func path(_ codingPath: [any CodingKey], _ key: (any CodingKey)? = nil) -> String {
            let keys = codingPath + (key.map { [$0] } ?? [])
            return keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            return .validation([.init(field: path(ctx.codingPath, key), code: "required")])
        case .typeMismatch(_, let ctx):
            return .validation([.init(field: path(ctx.codingPath), code: "wrong-type")])
        case .valueNotFound(_, let ctx):
            return .validation([.init(field: path(ctx.codingPath), code: "required")])
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty {
                return ProblemError(.malformedBody, status: .badRequest, detail: "The body is not valid JSON")
            }
            return .validation([.init(field: path(ctx.codingPath), code: "invalid")])
        @unknown default:
            return ProblemError(.malformedBody, status: .badRequest)
        }
    }
}
