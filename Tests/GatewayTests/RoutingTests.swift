import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SetragKernel
import Testing

@testable import Gateway

@Suite("Routing to services")
struct RoutingTests {
    @Test("the route table is one sorted list and matches whole path segments")
    func routeTable() {
        let prefixes = GatewayRouteTable.prefixes.map(\.prefix)
        #expect(prefixes == prefixes.sorted())
        #expect(GatewayRouteTable.match("/api/v1/trips")?.service == "inventory")
        #expect(GatewayRouteTable.match("/api/v1/trips/42/seats")?.service == "inventory")
        #expect(GatewayRouteTable.match("/api/v1/tripsheet") == nil)
        #expect(GatewayRouteTable.match("/api/v1/gtfs-rt/alerts")?.service == "tracking")
        #expect(GatewayRouteTable.match("/oauth/token")?.service == "identity")
        #expect(GatewayRouteTable.match("/osmand")?.service == "tracking")
        #expect(GatewayRouteTable.match("/internal/events") == nil)
    }

    @Test("a public path reaches its service with the request id, the caller's address and forwarding headers")
    func forwards() async throws {
        try await GatewayHarness.withGateway(mode: .live) { client, _ in
            try await client.execute(
                uri: "/api/v1/stations?line=transgabonais", method: .get,
                headers: [.requestID: "req-123", .forwardedFor: "6.6.6.6", .cookie: "setrag_csrf=abc; lang=fr"]
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.requestID] == "req-123")
                let echo = try #require(response.echo)
                #expect(echo.uri == "/api/v1/stations?line=transgabonais")
                #expect(echo.headers["x-request-id"] == "req-123")
                // The caller's own X-Forwarded-For is not believed: the gateway writes the peer's address.
                let forwardedFor = try #require(echo.headers["x-forwarded-for"])
                #expect(["127.0.0.1", "::1"].contains(forwardedFor))
                #expect(echo.headers["x-forwarded-proto"] == "http")
                #expect(echo.headers["x-forwarded-host"] != nil)
                // The gateway's cookies stay at the gateway; others pass.
                #expect(echo.headers["cookie"] == "lang=fr")
                // The service's own cookies reach the browser.
                #expect(response.cookie("idp") == "1")
            }
        }
    }

    @Test("a body is streamed to the service and the answer streamed back")
    func body() async throws {
        try await GatewayHarness.withGateway { client, _ in
            let body = ByteBuffer(repeating: UInt8(ascii: "x"), count: 300_000)
            try await client.execute(uri: "/api/v1/quotes", method: .post,
                                     headers: [.contentType: "application/json"], body: body) { response in
                #expect(response.status == .ok)
                #expect(response.echo?.bodyBytes == 300_000)
                #expect(response.echo?.method == "POST")
            }
        }
    }

    @Test("an unknown API path is a 404 problem, without reaching any service", arguments: [
        "/api/v1/nothing", "/api/v2/stations", "/api", "/internal/events", "/internal",
        "/api/v1/stations/../../internal/events", "/api/v1/stations/%2e%2e/%2e%2e/internal/events",
    ])
    func unknown(path: String) async throws {
        try await GatewayHarness.withGateway { client, _ in
            for method in [HTTPRequest.Method.get, .post] {
                try await client.execute(uri: path, method: method, headers: [.accept: "text/html"]) { response in
                    #expect(response.status == .notFound)
                    #expect(response.headers[.contentType] == "application/problem+json")
                    #expect(response.problem?.type == ProblemType.notFound.uri)
                    #expect(response.echo == nil)
                }
            }
        }
    }

    @Test("a service that refuses connections is a 503 problem")
    func down() async throws {
        try await GatewayHarness.withGateway(upstream: "http://127.0.0.1:1") { client, _ in
            try await client.execute(uri: "/api/v1/trips?from=OWE", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.problem?.type == ProblemType.unavailable.uri)
            }
        }
    }

    @Test("a service that does not answer in time is a 504 problem")
    func slow() async throws {
        try await GatewayHarness.withGateway(["gateway.upstream_timeout": "0.2"]) { client, _ in
            try await client.execute(uri: "/api/v1/trains/slow", method: .get) { response in
                #expect(response.status == .gatewayTimeout)
                #expect(response.problem?.type == ProblemType.timeout.uri)
            }
        }
    }

    @Test("a redirect from a service goes to the browser, never followed by the gateway")
    func redirects() async throws {
        try await GatewayHarness.withGateway { client, _ in
            try await client.execute(uri: "/oauth/authorize?client_id=x", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "http://127.0.0.1:1/elsewhere")
            }
        }
    }

    @Test("a body announced over the limit is a 413 problem")
    func announcedTooLarge() async throws {
        try await GatewayHarness.withGateway(["http.body_limit": "2048"]) { client, _ in
            let body = ByteBuffer(repeating: 0x41, count: 4096)
            try await client.execute(uri: "/api/v1/shipments", method: .post, body: body) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.problem?.type == ProblemType.bodyTooLarge.uri)
            }
        }
    }

    @Test("a streamed body that grows over the limit is a 413 problem")
    func streamedTooLarge() async throws {
        try await GatewayHarness.withGateway(["http.body_limit": "2048"], mode: .live) { client, _ in
            let port = try #require(client.port)
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                var request = HTTPClientRequest(url: "http://localhost:\(port)/api/v1/positions")
                request.method = .POST
                let chunks = (0..<8).map { _ in ByteBuffer(repeating: 0x41, count: 1024) }
                request.body = .stream(chunks.async, length: .unknown)
                let response = try await http.execute(request, timeout: .seconds(10))
                #expect(response.status.code == 413)
                let body = try await response.body.collect(upTo: 1 << 16)
                let problem = try JSONDecoder().decode(Problem.self, from: Data(buffer: body))
                #expect(problem.type == ProblemType.bodyTooLarge.uri)
            } catch {
                try await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }

    @Test("/api/docs lists every service's OpenAPI document and serves each")
    func docs() async throws {
        try await GatewayHarness.withGateway { client, _ in
            try await client.execute(uri: "/api/docs", method: .get) { response in
                #expect(response.status == .ok)
                let index = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let services = (index?["services"] as? [[String: String]])?.compactMap { $0["name"] }
                #expect(services == GatewayRouteTable.services)
                #expect(services?.contains("booking") == true)
            }
            try await client.execute(uri: "/api/docs/booking", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"openapi":"3.1.0"}"#)
            }
            try await client.execute(uri: "/api/docs/secrets", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("the gateway's own health routes answer")
    func health() async throws {
        try await GatewayHarness.withGateway { client, _ in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("the caller's address is the peer's unless a trusted proxy vouches for another")
    func clientAddress() {
        typealias Responder = ClientAddressResponder<RouterResponder<AppContext>>
        let trusted: Set<String> = ["10.0.0.5", "10.0.0.9"]
        #expect(Responder.address(peer: "10.0.0.5", forwarded: "1.2.3.4, 10.0.0.9", trustedProxies: trusted)
            == "1.2.3.4")
        #expect(Responder.address(peer: "8.8.8.8", forwarded: "1.2.3.4", trustedProxies: trusted) == "8.8.8.8")
        #expect(Responder.address(peer: "10.0.0.5", forwarded: nil, trustedProxies: trusted) == "10.0.0.5")
    }

    @Test("settings: every problem is listed at once")
    func settings() {
        let settings = Settings.values([
            "gateway.public_url": "ftp://x", "gateway.cors.origins": "https://ok.example,not an origin",
            "gateway.quota.read.burst": "zero",
        ])
        _ = GatewayConfiguration(settings)
        #expect(throws: SettingsError.self) { try settings.validate() }
        var problems: [String] = []
        do { try settings.validate() } catch let error as SettingsError { problems = error.problems } catch {}
        let keys = ["gateway.public_url", "gateway.session_key", "gateway.oauth.client_secret",
                    "gateway.cors.origins", "gateway.quota.read.burst"]
        for key in keys { #expect(problems.contains { $0.hasPrefix(key) }, "\(key)") }
    }
}

extension Array where Element: Sendable {
    /// The elements as an async sequence (request bodies of unknown length).
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
