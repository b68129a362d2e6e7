import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SetragKernel
import Synchronization

/// Forwards one request to a service and streams the answer back, both bodies streamed.
struct UpstreamProxy: Sendable {
    let pool: UpstreamPool
    let endpoints: ServiceEndpoints
    let publicScheme: String
    /// Each service's address, parsed once; a service whose `<service>.url` is not `http://host:port` is absent.
    let targets: [String: UpstreamTarget]

    init(pool: UpstreamPool, endpoints: ServiceEndpoints, publicScheme: String) {
        self.pool = pool
        self.endpoints = endpoints
        self.publicScheme = publicScheme
        var targets: [String: UpstreamTarget] = [:]
        for service in ServiceEndpoints.defaultPorts.keys {
            targets[service] = UpstreamTarget(url: endpoints.url(service))
        }
        self.targets = targets
    }

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// Headers that describe one connection, never forwarded (RFC 9110 §7.6.1), plus those the gateway sets itself.
    static let dropped: Set<HTTPField.Name> = Set([
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect", "forwarded",
        "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-real-ip",
        "x-request-id", "x-csrf-token", "cookie",
    ].map { HTTPField.Name($0)! })
    /// `dropped` in lower case, for heads read from bytes.
    static let droppedNames: Set<String> = Set(dropped.map(\.canonicalName))
    static let droppedFromResponse: Set<HTTPField.Name> = Set([
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "te", "trailer", "transfer-encoding",
        "upgrade", "x-request-id",
    ].map { HTTPField.Name($0)! })

    /// Forwards `request` to `service`. `authorization` replaces the caller's header when set (a web session);
    /// `target` replaces the path and query (`/api/docs/<service>` asks for `/openapi.json`).
    func forward(
        _ request: Request, to service: String, context: AppContext, authorization: String?, target: String? = nil
    ) async throws -> Response {
        guard let upstream = targets[service] else {
            context.logger.error("no usable address for the service",
                                 metadata: ["service": "\(service)", "url": "\(endpoints.url(service))"])
            throw GatewayError.upstreamUnavailable(service: service)
        }
        var fields = Self.upstreamHeaders(request.head.headerFields, authorization: authorization)
        fields[Self.requestID] = context.requestID
        if let address = context.clientAddress { fields[Self.forwardedFor] = address }
        fields[Self.forwardedProto] = publicScheme
        if let host = request.head.authority { fields[Self.forwardedHost] = host }

        let exceeded = LimitFlag()
        var body: LimitedBody?
        if target == nil, let length = Self.bodyLength(of: request) {
            if case .known(let length) = length { fields[.contentLength] = String(length) }
            else { fields[.transferEncoding] = "chunked" }
            body = LimitedBody(base: request.body, limit: context.maxUploadSize, flag: exceeded)
        }
        let head = HTTPRequest(method: request.method, scheme: nil, authority: upstream.authority,
                               path: target ?? request.uri.string, headerFields: fields)

        let answer: UpstreamResponse
        do {
            answer = try await pool.execute(head, to: upstream, on: context.eventLoop, body: body)
        } catch {
            if exceeded.isSet { throw GatewayError.bodyTooLarge(limit: context.maxUploadSize) }
            throw Self.classify(error, service: service, logger: context.logger)
        }

        var headers = HTTPFields()
        for field in answer.head.headerFields where !Self.droppedFromResponse.contains(field.name) {
            headers.append(field)
        }
        let status = answer.head.status
        let bodyless = request.method == .head || status.code == 204 || status.code == 304
        switch answer.body {
        case .complete(let buffer):
            return Response(status: status, headers: headers,
                            body: bodyless || buffer == nil ? ResponseBody() : ResponseBody(byteBuffer: buffer!))
        case .stream(let prefix, let rest):
            if bodyless { return Response(status: status, headers: headers, body: ResponseBody()) }
            return Response(status: status, headers: headers, body: ResponseBody { writer in
                if let prefix { try await writer.write(prefix) }
                for try await chunk in rest { try await writer.write(chunk) }
                try await writer.finish(nil)
            })
        }
    }

    enum BodyLength { case known(Int), unknown }

    /// The request's body length as announced: nil when there is none.
    static func bodyLength(of request: Request) -> BodyLength? {
        if let text = request.headers[.contentLength], let length = Int(text) {
            return length > 0 ? .known(length) : nil
        }
        if request.headers[.transferEncoding] != nil { return .unknown }
        return nil
    }

    /// The caller's headers as the service gets them: without hop-by-hop headers (and those `Connection` names),
    /// without the gateway's own cookies, with the session's token as `Authorization` when there is one.
    static func upstreamHeaders(_ fields: HTTPFields, authorization: String?) -> HTTPFields {
        var connectionTokens: Set<String> = []
        for value in fields[values: .connection] {
            for token in value.split(separator: ",") {
                connectionTokens.insert(token.trimmingASCIISpaces().lowercased())
            }
        }
        var headers = HTTPFields()
        headers.reserveCapacity(fields.count + 4)
        for field in fields {
            if dropped.contains(field.name) { continue }
            if !connectionTokens.isEmpty, connectionTokens.contains(field.name.canonicalName) { continue }
            if authorization != nil, field.name == .authorization { continue }
            headers.append(field)
        }
        if let authorization { headers[.authorization] = authorization }
        // The gateway's own cookies (tokens, sign-in state, CSRF) stay at the gateway; others pass.
        let cookies = fields[values: .cookie].flatMap { $0.split(separator: ";") }
            .map { $0.trimmingASCIISpaces() }
            .filter { cookie in !GatewayCookies.ownNames.contains(where: { cookie.hasPrefix($0 + "=") }) }
        if !cookies.isEmpty { headers[.cookie] = cookies.joined(separator: "; ") }
        return headers
    }

    /// Maps a failure to what the caller sees: down (503), slow (504) or broken (502).
    static func classify(_ error: any Error, service: String, logger: Logger) -> GatewayError {
        logger.warning("upstream failed", metadata: ["service": "\(service)", "error": "\(String(reflecting: error))"])
        switch error as? UpstreamFailure {
        case .unavailable?, .cancelled?: return .upstreamUnavailable(service: service)
        case .timedOut?: return .upstreamTimeout(service: service)
        case .closed?, nil: return .upstreamFailed(service: service)
        }
    }
}

/// Set once a request body passed the limit, so that the failure it causes upstream is reported as a 413.
final class LimitFlag: Sendable {
    let value = Atomic<Bool>(false)
    let iterated = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}

/// A request body that fails once more than `limit` bytes went through.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int
    let flag: LimitFlag

    struct AsyncIterator: AsyncIteratorProtocol {
        /// Nil when the body was already being read: the incoming stream can be read only once.
        var base: RequestBody.AsyncIterator?
        let limit: Int
        let flag: LimitFlag
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard base != nil else { throw GatewayError.bodyReplayed }
            guard let buffer = try await base!.next() else { return nil }
            seen += buffer.readableBytes
            if seen > limit {
                flag.set()
                throw GatewayError.bodyTooLarge(limit: limit)
            }
            return buffer
        }
    }

    /// The incoming body can be read only once (NIO traps on a second iterator); the pool never resends a request
    /// with a body, and should anything ask for it twice, the second reading fails the request instead.
    func makeAsyncIterator() -> AsyncIterator {
        let first = !flag.iterated.exchange(true, ordering: .relaxed)
        return AsyncIterator(base: first ? base.makeAsyncIterator() : nil, limit: limit, flag: flag)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
