import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// What every request context of the platform carries.
public protocol SetragContext: RequestContext {
    var requestID: String { get set }
    var principal: Principal? { get set }
    var clientAddress: String? { get set }
    var maxUploadSize: Int { get set }
}

/// The request context of every service's router.
public struct AppContext: SetragContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String
    public var principal: Principal?
    public var clientAddress: String?
    public var maxUploadSize: Int
    /// The event loop of the connection the request came on (a proxy keeps its outgoing I/O on the same thread).
    public let eventLoop: any EventLoop

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.eventLoop = source.channel.eventLoop
        self.requestID = ""
        self.principal = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress
        self.maxUploadSize = 1 << 20
    }

    /// The signed-in caller, or a 401 problem.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw ProblemError.unauthorized() }
        return principal
    }

    /// The caller holding `permission`, or a 401/403 problem.
    public func require(_ permission: Permission) throws -> Principal {
        let principal = try requirePrincipal()
        guard principal.has(permission) else {
            throw ProblemError.forbidden("This needs the permission \(permission.rawValue)")
        }
        return principal
    }
}

private let forwardedForHeader = HTTPField.Name("X-Forwarded-For")!
private let hexDigits = Array("0123456789abcdef".utf8)
private let requestIDPrefix: [UInt8] = randomBytes(8).flatMap { [hexDigits[Int($0 >> 4)], hexDigits[Int($0 & 0x0F)]] }
private let requestCounter = Atomic<UInt64>(0)

/// Reads the caller's request id (`X-Request-Id`) or makes one, puts it in every log line and echoes it back.
public struct RequestIDMiddleware<Context: SetragContext>: RouterMiddleware {
    public static var header: HTTPField.Name { HTTPField.Name("X-Request-Id")! }
    let maxUploadSize: Int
    /// Services believe the first `X-Forwarded-For` address (only the gateway talks to them); the gateway decides
    /// the caller's address itself and never reads it here.
    let trustForwardedFor: Bool

    public init(maxUploadSize: Int, trustForwardedFor: Bool = true) {
        self.maxUploadSize = maxUploadSize
        self.trustForwardedFor = trustForwardedFor
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let incoming = request.headers[Self.header].flatMap { Self.valid($0) ? $0 : nil }
        context.requestID = incoming ?? Self.make()
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        context.maxUploadSize = maxUploadSize
        if trustForwardedFor, let forwarded = request.headers[forwardedForHeader],
           let first = forwarded.split(separator: ",").first {
            // Only the gateway talks to services; it sets the caller's address here.
            context.clientAddress = String(first.trimmingASCIISpaces())
        }
        var response = try await next(request, context)
        response.headers[Self.header] = context.requestID
        return response
    }

    /// Whether a caller's `X-Request-Id` may be kept: 1–128 characters of `[A-Za-z0-9._:-]`.
    public static func valid(_ id: String) -> Bool {
        let utf8 = id.utf8
        return !utf8.isEmpty && utf8.count <= 128 && utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                 UInt8(ascii: ":"): true
            default: false
            }
        }
    }

    /// 32 hex digits: 16 drawn at random once per process, then a counter. Unique, cheap (no system call per
    /// request) and not meant to be secret.
    public static func make() -> String {
        let number = requestCounter.add(1, ordering: .relaxed).newValue
        var text = requestIDPrefix
        text.reserveCapacity(32)
        for shift in stride(from: 60, through: 0, by: -4) {
            text.append(hexDigits[Int(number >> UInt64(shift) & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Refuses bodies over the limit early when their length is announced (bodies without a length are capped when
/// read, see `decodeJSON`). Time limits: the server closes idle connections (`http.idle_timeout`) and the
/// gateway gives every upstream call a deadline (504 when it passes).
public struct LimitsMiddleware<Context: SetragContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize {
            throw ProblemError(.bodyTooLarge, status: .contentTooLarge,
                               detail: "The body may not exceed \(context.maxUploadSize) bytes")
        }
        return try await next(request, context)
    }
}

/// A JSON request body with a closed set of top-level fields: unknown fields are a 422, like missing ones.
public protocol JSONRequestBody: Decodable, Sendable {
    static var fields: Set<String> { get }
}

extension Request {
    /// Decodes a JSON body strictly: `application/json` only, within the size limit, known fields only.
    public func decodeJSON<T: JSONRequestBody>(as type: T.Type, context: some SetragContext) async throws -> T {
        let contentType = headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw ProblemError(.unsupportedMediaType, status: .unsupportedMediaType,
                               detail: "Send the body as application/json")
        }
        var request = self
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            throw ProblemError(.bodyTooLarge, status: .contentTooLarge,
                               detail: "The body may not exceed \(context.maxUploadSize) bytes")
        }
        let data = Data(buffer: buffer)
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw ProblemError(.malformedBody, status: .badRequest, detail: "The body is not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw ProblemError(.malformedBody, status: .badRequest, detail: "The body must be a JSON object")
        }
        let unknown = Set(dictionary.keys).subtracting(T.fields).sorted()
        if !unknown.isEmpty {
            throw ProblemError.validation(unknown.map { .init(field: $0, code: "unknown-field") })
        }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            // The text is valid JSON (parsed above), so a failure without a path is a value that does not fit its
            // field (a number too large for its type): a validation problem, not a malformed body.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                let field = outOfRangeNumberField(in: dictionary) ?? "body"
                throw ProblemError.validation([.init(field: field, code: "invalid")])
            }
            throw ProblemMiddleware<AppContext>.decodingProblem(error)
        }
    }
}

/// The first top-level number that fits no integer field (too large, or with a fraction): the likely culprit of a
/// decoding error that names no field.
func outOfRangeNumberField(in dictionary: [String: Any]) -> String? {
    dictionary.keys.sorted().first { key in
        guard let number = dictionary[key] as? NSNumber, !(number is Bool) else { return false }
        return number.doubleValue.magnitude >= 9.2e18 || number.doubleValue != number.doubleValue.rounded()
    }
}

/// `count` bytes from the system's secure generator: `getentropy` (one system call per 256 bytes), or the standard
/// library's generator where that call fails.
public func randomBytes(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var filled = 0
    bytes.withUnsafeMutableBytes { buffer in
        while filled < count {
            let chunk = min(256, count - filled)
            guard getentropy(buffer.baseAddress! + filled, chunk) == 0 else { break }
            filled += chunk
        }
    }
    var generator = SystemRandomNumberGenerator()
    for index in filled..<count { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
    return bytes
}

/// Crockford's base32 (no I, L, O, U), most significant bits first, five at a time; a last group of fewer bits is
/// shifted left. Ids people may read out or type (ticket ids, payment ids).
public func crockfordBase32(_ bytes: some Sequence<UInt8>, uppercase: Bool = true) -> String {
    let alphabet = Array((uppercase ? "0123456789ABCDEFGHJKMNPQRSTVWXYZ" : "0123456789abcdefghjkmnpqrstvwxyz").utf8)
    var output: [UInt8] = []
    var buffer = 0
    var bits = 0
    for byte in bytes {
        buffer = buffer << 8 | Int(byte)
        bits += 8
        while bits >= 5 {
            output.append(alphabet[buffer >> (bits - 5) & 31])
            bits -= 5
        }
        buffer &= (1 << bits) - 1
    }
    if bits > 0 { output.append(alphabet[buffer << (5 - bits) & 31]) }
    return String(decoding: output, as: UTF8.self)
}

extension Substring {
    /// Without leading and trailing spaces and tabs (the items of a header list), without Foundation.
    public func trimmingASCIISpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
