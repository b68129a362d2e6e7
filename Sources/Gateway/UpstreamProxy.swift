import AsyncHTTPClient
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
    let client: HTTPClient
    let endpoints: ServiceEndpoints
    let timeout: Duration
    let publicScheme: String

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// Headers that describe one connection, never forwarded (RFC 9110 §7.6.1), plus those the gateway sets itself.
    static let dropped: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect", "forwarded",
        "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-real-ip",
        "x-request-id", "x-csrf-token", "cookie",
    ]
    static let droppedFromResponse: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "te", "trailer", "transfer-encoding",
        "upgrade", "x-request-id",
    ]

    /// Forwards `request` to `service`. `authorization` replaces the caller's header when set (a web session);
    /// `target` replaces the path and query (`/api/docs/<service>` asks for `/openapi.json`).
    func forward(
        _ request: Request, to service: String, context: AppContext, authorization: String?, target: String? = nil
    ) async throws -> Response {
        let base = endpoints.url(service)
        var upstream = HTTPClientRequest(url: base + (target ?? request.uri.string))
        upstream.method = HTTPMethod(rawValue: request.method.rawValue)
        upstream.headers = Self.upstreamHeaders(request.head.headerFields, authorization: authorization)
        upstream.headers.replaceOrAdd(name: "X-Request-Id", value: context.requestID)
        if let address = context.clientAddress {
            upstream.headers.replaceOrAdd(name: "X-Forwarded-For", value: address)
        }
        upstream.headers.replaceOrAdd(name: "X-Forwarded-Proto", value: publicScheme)
        if let host = request.head.authority {
            upstream.headers.replaceOrAdd(name: "X-Forwarded-Host", value: host)
        }

        let exceeded = LimitFlag()
        if target == nil, let body = Self.bodyLength(of: request) {
            let limited = LimitedBody(base: request.body, limit: context.maxUploadSize, flag: exceeded)
            switch body {
            case .known(let length): upstream.body = .stream(limited, length: .known(Int64(length)))
            case .unknown: upstream.body = .stream(limited, length: .unknown)
            }
        }

        let response: HTTPClientResponse
        do {
            response = try await client.execute(upstream, timeout: .nanoseconds(timeout.nanoseconds))
        } catch {
            if exceeded.isSet { throw GatewayError.bodyTooLarge(limit: context.maxUploadSize) }
            throw Self.classify(error, service: service, logger: context.logger)
        }

        var headers = HTTPFields()
        for header in response.headers {
            let name = header.name.lowercased()
            guard !Self.droppedFromResponse.contains(name), let field = HTTPField.Name(header.name) else { continue }
            headers.append(HTTPField(name: field, value: header.value))
        }
        let status = HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)
        let bodyless = request.method == .head || status.code == 204 || status.code == 304
        return Response(status: status, headers: headers,
                        body: bodyless ? ResponseBody() : ResponseBody(asyncSequence: response.body))
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

    static func upstreamHeaders(_ fields: HTTPFields, authorization: String?) -> HTTPHeaders {
        var connectionTokens: Set<String> = []
        for value in fields[values: .connection] {
            for token in value.split(separator: ",") {
                connectionTokens.insert(token.trimmingCharacters(in: .whitespaces).lowercased())
            }
        }
        var headers = HTTPHeaders()
        for field in fields {
            let name = field.name.canonicalName
            if dropped.contains(name) || connectionTokens.contains(name) { continue }
            if name == "authorization", authorization != nil { continue }
            headers.add(name: field.name.rawName, value: field.value)
        }
        if let authorization { headers.replaceOrAdd(name: "Authorization", value: authorization) }
        // The gateway's own cookies (tokens, sign-in state, CSRF) stay at the gateway; others pass.
        let cookies = fields[values: .cookie].flatMap { $0.split(separator: ";") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { cookie in !GatewayCookies.ownNames.contains(where: { cookie.hasPrefix($0 + "=") }) }
        if !cookies.isEmpty { headers.add(name: "Cookie", value: cookies.joined(separator: "; ")) }
        return headers
    }

    /// Maps a client failure to what the caller sees: down (503), slow (504) or broken (502).
    static func classify(_ error: any Error, service: String, logger: Logger) -> GatewayError {
        logger.warning("upstream failed", metadata: ["service": "\(service)", "error": "\(String(reflecting: error))"])
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return .upstreamTimeout(service: service)
            case .connectTimeout, .getConnectionFromPoolTimeout, .alreadyShutdown:
                return .upstreamUnavailable(service: service)
            default: return .upstreamFailed(service: service)
            }
        }
        if error is NIOConnectionError || error is IOError { return .upstreamUnavailable(service: service) }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .upstreamUnavailable(service: service)
        }
        if error is CancellationError { return .upstreamTimeout(service: service) }
        return .upstreamFailed(service: service)
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

    /// The HTTP client asks for the body again when it retries a request; the incoming body cannot be replayed
    /// (NIO traps on a second iterator), so a second reading fails the request instead.
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
