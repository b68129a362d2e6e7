import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
import SetragKernel
import Synchronization
import Testing

@testable import Gateway

/// Starts a fake service (every upstream of the gateway points at it) and a gateway in front of it.
enum GatewayHarness {
    static let sessionKey = Data((0..<32).map { UInt8($0) }).base64EncodedString()
    static let clientSecret = "s3cret"

    static func settings(upstream: String, _ extra: [String: String] = [:]) -> Settings {
        var values = [
            "gateway.session_key": sessionKey,
            "gateway.oauth.client_secret": clientSecret,
            "gateway.web_root": "/nonexistent-web-root",
        ]
        for service in ServiceEndpoints.defaultPorts.keys where service != "gateway" {
            values["\(service).url"] = upstream
        }
        values.merge(extra) { $1 }
        return Settings.values(values)
    }

    /// Runs `test` against a gateway whose services are all `FakeService`. `extra` settings override the defaults.
    static func withGateway(
        _ extra: [String: String] = [:], mode: TestingSetup = .router,
        test: @escaping @Sendable (any TestClientProtocol, GatewayConfiguration) async throws -> Void
    ) async throws {
        try await withFakeService { port in
            try await withGateway(upstream: "http://localhost:\(port)", extra, mode: mode, test: test)
        }
    }

    /// Runs `body` with a `FakeService` listening on the port it is given.
    static func withFakeService(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(FakeService())
        let upstream = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await upstream.test(.live) { upstreamClient in try await body(try #require(upstreamClient.port)) }
    }

    static func withGateway(
        upstream: String, _ extra: [String: String] = [:], mode: TestingSetup = .router,
        test: @escaping @Sendable (any TestClientProtocol, GatewayConfiguration) async throws -> Void
    ) async throws {
        try await withGatewayClients(upstream: upstream, extra, mode: mode) { client, configuration, _ in
            try await test(client, configuration)
        }
    }

    /// As `withGateway`, with the gateway's outgoing clients (their pool, the short path's count) for the test.
    static func withGatewayClients(
        upstream: String, _ extra: [String: String] = [:], mode: TestingSetup = .router,
        test: @escaping @Sendable (any TestClientProtocol, GatewayConfiguration, GatewayClients) async throws -> Void
    ) async throws {
        let settings = settings(upstream: upstream, extra)
        let configuration = GatewayConfiguration(settings)
        let kernel = KernelSettings(settings)
        let endpoints = ServiceEndpoints(settings)
        try settings.validate()
        let clients = GatewayClients(configuration: configuration)
        var logger = Logger(label: "gateway-test")
        logger.logLevel = .warning
        let verifier = AccessTokenVerifier(issuer: "http://127.0.0.1:8080", audience: "setrag-api", logger: logger) {
            throw CancellationError()
        }
        let context = ModuleContext(
            name: "gateway", settings: settings, kernel: kernel, endpoints: endpoints, logger: logger,
            database: nil, broker: nil, httpClient: clients.http, metrics: PrometheusCollectorRegistry(), verifier: verifier)
        let app = GatewayModule.buildApplication(configuration: configuration, context: context, clients: clients)
        do {
            try await app.test(mode) { gatewayClient in try await test(gatewayClient, configuration, clients) }
        } catch {
            try await clients.shutdown()
            throw error
        }
        try await clients.shutdown()
    }

    /// An access token shaped like identity's (the gateway reads it, never checks its signature).
    static func accessToken(subject: String = "usr_1", version: String = "1", expiresIn: Int = 300) -> String {
        let now = Int(Date().timeIntervalSince1970)
        let header = #"{"alg":"EdDSA","typ":"at+jwt","kid":"k1"}"#
        let payload = """
            {"iss":"http://127.0.0.1:8080","sub":"\(subject)","aud":"setrag-api","exp":\(now + expiresIn),\
            "iat":\(now),"jti":"jti-\(version)","client_id":"setrag-web","roles":["customer"],"v":"\(version)"}
            """
        return Data(header.utf8).base64URLEncodedString() + "." + Data(payload.utf8).base64URLEncodedString()
            + ".signature"
    }

    /// A sealed session cookie as the gateway writes it.
    static func sessionCookie(_ session: WebSession, configuration: GatewayConfiguration) -> String {
        let cookies = GatewayCookies(configuration: configuration)
        return "\(GatewayCookies.session)=\(cookies.sealer.seal(session, for: GatewayCookies.session))"
    }

    static let csrfToken = String(repeating: "c", count: 43)
}

/// A stand-in for every service: echoes what it received, plays identity's token endpoint and a few oddities.
struct FakeService: RouterMiddleware {
    typealias Context = BasicRequestContext

    struct Echo: Codable {
        var method: String
        var uri: String
        var headers: [String: String]
        var bodyBytes: Int
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var request = request
        switch (request.method, request.uri.path) {
        case (.post, "/oauth/token"):
            let body = try await request.collectBody(upTo: 1 << 16)
            return Self.token(form: String(buffer: body), authorization: request.headers[.authorization])
        case (.post, "/oauth/revoke"):
            return Response(status: .ok)
        case (.get, "/oauth/authorize"):
            return Response(status: .found, headers: [.location: "http://127.0.0.1:1/elsewhere"])
        case (.get, "/openapi.json"):
            return Self.json(#"{"openapi":"3.1.0"}"#)
        case (.get, "/api/v1/trains/slow"):
            try await Task.sleep(for: .seconds(1))
            return Self.json("{}")
        case (.get, "/api/v1/trains/chunked"):
            // An answer of unknown length: chunked, in pieces written over time.
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody { writer in
                for index in 0..<Self.chunkedPieces {
                    try await writer.write(ByteBuffer(string: "piece \(index)\n"))
                    if index % 10 == 0 { try await Task.sleep(for: .milliseconds(5)) }
                }
                try await writer.finish(nil)
            })
        case (.get, "/api/v1/gtfs.zip"):
            // A large answer: it reaches the gateway in many reads and streams through.
            return Response(status: .ok, headers: [.contentType: "application/zip"],
                            body: .init(byteBuffer: ByteBuffer(bytes: Self.largeBody)))
        default:
            let body = try await request.collectBody(upTo: 16 << 20)
            var headers: [String: String] = [:]
            for field in request.headers {
                let name = field.name.canonicalName
                headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
            }
            let echo = Echo(method: request.method.rawValue, uri: request.uri.string, headers: headers,
                            bodyBytes: body.readableBytes)
            let data = try JSONEncoder().encode(echo)
            return Response(status: .ok, headers: [.contentType: "application/json", .setCookie: "idp=1; Path=/"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    static let spent = Mutex<Set<String>>([])
    static let chunkedPieces = 40
    static var chunkedBody: String { (0..<chunkedPieces).map { "piece \($0)\n" }.joined() }
    static let largeBody: [UInt8] = (0..<2_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }

    static func token(form: String, authorization: String?) -> Response {
        let expected = "Basic " + Data("setrag-web:\(GatewayHarness.clientSecret)".utf8).base64EncodedString()
        guard authorization == expected else { return json(#"{"error":"invalid_client"}"#, status: .unauthorized) }
        var fields: [String: String] = [:]
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        switch (fields["grant_type"], fields["code"], fields["refresh_token"]) {
        case ("authorization_code", "good-code", _) where fields["code_verifier"]?.count == 43:
            return json("""
                {"access_token":"\(GatewayHarness.accessToken(version: "1"))","token_type":"Bearer",\
                "expires_in":300,"refresh_token":"refresh-1"}
                """)
        case ("refresh_token", _, let token?) where token.hasPrefix("once-"):
            // Rotation with reuse detection: a refresh token works once.
            guard spent.withLock({ $0.insert(token).inserted }) else {
                return json(#"{"error":"invalid_grant"}"#, status: .badRequest)
            }
            return json("""
                {"access_token":"\(GatewayHarness.accessToken(version: token))","token_type":"Bearer",\
                "expires_in":300,"refresh_token":"\(token)-next"}
                """)
        case ("refresh_token", _, "refresh-1"):
            return json("""
                {"access_token":"\(GatewayHarness.accessToken(version: "2"))","token_type":"Bearer",\
                "expires_in":300,"refresh_token":"refresh-2"}
                """)
        default:
            return json(#"{"error":"invalid_grant"}"#, status: .badRequest)
        }
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension TestResponse {
    var echo: FakeService.Echo? {
        body.readableBytes > 0 ? try? JSONDecoder().decode(FakeService.Echo.self, from: Data(buffer: body)) : nil
    }

    var problem: Problem? { try? JSONDecoder().decode(Problem.self, from: Data(buffer: body)) }

    /// The value a `Set-Cookie` of this response gives `name` (empty when it clears it).
    func cookie(_ name: String) -> String? {
        for header in headers[values: .setCookie] {
            let pair = header.split(separator: ";").first ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.first.map(String.init) == name { return parts.count > 1 ? String(parts[1]) : "" }
        }
        return nil
    }

    func cookieAttributes(_ name: String) -> String? {
        headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
}
