import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SetragKernel
import Testing

@testable import Gateway

@Suite("CSRF, quotas and CORS")
struct GuardTests {
    static let csrfCookie = "\(GatewayCookies.csrf)=\(GatewayHarness.csrfToken)"

    @Test("a browser gets a CSRF cookie readable by JavaScript, once; other clients get none")
    func issuesCSRFCookie() async throws {
        try await GatewayHarness.withGateway { client, _ in
            let first = try await client.execute(uri: "/api/v1/stations", method: .get,
                                                 headers: [EdgeMiddleware.secFetchMode: "cors"])
            let token = try #require(first.cookie(GatewayCookies.csrf))
            #expect(CSRFMiddleware.isWellFormed(token))
            let attributes = try #require(first.cookieAttributes(GatewayCookies.csrf))
            #expect(!attributes.contains("HttpOnly"))
            #expect(attributes.contains("SameSite=Lax"))
            #expect(attributes.contains("Path=/"))
            try await client.execute(uri: "/api/v1/stations", method: .get,
                                     headers: [.cookie: "\(GatewayCookies.csrf)=\(token)"]) { response in
                #expect(response.cookie(GatewayCookies.csrf) == nil)
            }
            // A page load of a browser without Sec-Fetch headers gets one too.
            let page = try await client.execute(uri: "/api/v1/stations", method: .get,
                                                headers: [.accept: "text/html,application/xhtml+xml"])
            #expect(page.cookie(GatewayCookies.csrf) != nil)
            // A script or a feed reader: nothing to protect, no cookie.
            let script = try await client.execute(uri: "/api/v1/stations", method: .get,
                                                  headers: [.accept: "application/json"])
            #expect(script.cookie(GatewayCookies.csrf) == nil)
            #expect(script.status == .ok)
        }
    }

    @Test("a cookie-bearing write without the matching X-CSRF-Token is refused")
    func refusesCSRF() async throws {
        try await GatewayHarness.withGateway { client, configuration in
            let session = WebSession(accessToken: GatewayHarness.accessToken(), refreshToken: nil,
                                     expiresAt: Int(Date().timeIntervalSince1970) + 300, subject: "usr_1")
            let sessionCookie = GatewayHarness.sessionCookie(session, configuration: configuration)
            let cases: [(String, HTTPFields)] = [
                // Sign-up from the web app: no session yet, but the CSRF cookie is there.
                ("/api/v1/users", [.cookie: Self.csrfCookie]),
                ("/api/v1/users", [.cookie: Self.csrfCookie, .csrfToken: "wrong" + GatewayHarness.csrfToken]),
                // A session without any CSRF cookie.
                ("/api/v1/bookings", [.cookie: sessionCookie, .csrfToken: GatewayHarness.csrfToken]),
                ("/api/v1/bookings", [.cookie: sessionCookie + "; " + Self.csrfCookie]),
                // /auth/* always needs it.
                ("/auth/logout", [:]),
            ]
            for (path, headers) in cases {
                try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: "{}")) {
                    response in
                    #expect(response.status == .forbidden, "\(path) \(headers)")
                    #expect(response.problem?.type == ProblemType.csrf.uri)
                    #expect(response.echo == nil)
                }
            }
        }
    }

    @Test("writes with the matching token, without cookies, or to /oauth/* pass")
    func acceptsCSRF() async throws {
        try await GatewayHarness.withGateway { client, configuration in
            let session = WebSession(accessToken: GatewayHarness.accessToken(), refreshToken: nil,
                                     expiresAt: Int(Date().timeIntervalSince1970) + 300, subject: "usr_1")
            let sessionCookie = GatewayHarness.sessionCookie(session, configuration: configuration)
            let cases: [(String, HTTPFields)] = [
                ("/api/v1/users", [.cookie: Self.csrfCookie, .csrfToken: GatewayHarness.csrfToken]),
                ("/api/v1/bookings", [.cookie: sessionCookie + "; " + Self.csrfCookie,
                                      .csrfToken: GatewayHarness.csrfToken, .origin: "http://localhost"]),
                // A machine client: no cookies at all.
                ("/api/v1/shipments", [:]),
                // Identity's own login form.
                ("/oauth/authorize", [.cookie: Self.csrfCookie, .contentType: "application/x-www-form-urlencoded"]),
            ]
            for (path, headers) in cases {
                try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: "{}")) {
                    response in
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.echo?.headers["x-csrf-token"] == nil)
                }
            }
        }
    }

    @Test("a write from a foreign Origin is refused even with the token")
    func foreignOrigin() async throws {
        try await GatewayHarness.withGateway { client, _ in
            try await client.execute(
                uri: "/api/v1/users", method: .post,
                headers: [.cookie: Self.csrfCookie, .csrfToken: GatewayHarness.csrfToken,
                          .origin: "https://evil.example"]
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.problem?.type == ProblemType.csrf.uri)
            }
        }
    }

    @Test("a Bearer token that does not verify is a 401 problem")
    func badBearer() async throws {
        try await GatewayHarness.withGateway { client, _ in
            try await client.execute(uri: "/api/v1/bookings", method: .post,
                                     headers: [.authorization: "Bearer not.a.token"]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.echo == nil)
            }
            // HTTP Basic (clients at the token endpoint) goes to identity untouched.
            try await client.execute(uri: "/oauth/introspect", method: .post,
                                     headers: [.authorization: "Basic YTpi"]) { response in
                #expect(response.status == .ok)
                #expect(response.echo?.headers["authorization"] == "Basic YTpi")
            }
        }
    }

    @Test("over quota is a 429 problem with Retry-After")
    func quota() async throws {
        let settings = ["gateway.quota.read.burst": "3", "gateway.quota.read.rate_per_minute": "1",
                        "gateway.quota.write.burst": "1"]
        try await GatewayHarness.withGateway(settings) { client, _ in
            for _ in 0..<3 {
                try await client.execute(uri: "/api/v1/trips", method: .get) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/api/v1/trips", method: .get) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.problem?.type == ProblemType.tooManyRequests.uri)
                let retryAfter = try #require(response.headers[.retryAfter].flatMap { Int($0) })
                #expect(retryAfter >= 1 && retryAfter <= 60)
            }
            // Writes have their own bucket.
            try await client.execute(uri: "/api/v1/quotes", method: .post) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/quotes", method: .post) { #expect($0.status == .tooManyRequests) }
            // Health probes are never counted.
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("buckets refill with time, count per client, and stay bounded")
    func buckets() {
        let clock = ManualClock()
        let buckets = QuotaBuckets(rules: [.read: QuotaRule(ratePerMinute: 60, burst: 2)], capacity: 100,
                                   now: { clock.now })
        #expect(buckets.take("a", class: .read).allowed)
        #expect(buckets.take("a", class: .read).allowed)
        #expect(buckets.take("a", class: .read) == .init(allowed: false, retryAfter: 1))
        #expect(buckets.take("b", class: .read).allowed)
        clock.advance(1)
        #expect(buckets.take("a", class: .read).allowed)
        for index in 0..<500 { _ = buckets.take("client-\(index)", class: .read) }
        #expect(buckets.count <= 100)
        #expect(QuotaBuckets.quotaClass(method: .post, path: "/oauth/token") == .auth)
        #expect(QuotaBuckets.quotaClass(method: .get, path: "/auth/login") == .auth)
        #expect(QuotaBuckets.quotaClass(method: .get, path: "/oauth/authorize") == .read)
        #expect(QuotaBuckets.quotaClass(method: .post, path: "/api/v1/payments/callbacks/ebilling") == .callback)
        #expect(QuotaBuckets.quotaClass(method: .post, path: "/api/v1/payments") == .write)
        #expect(QuotaBuckets.quotaClass(method: .post, path: "/oauth/authorize") == .auth)
        #expect(QuotaBuckets.quotaClass(method: .delete, path: "/api/v1/bookings/X") == .write)
    }

    @Test("CORS: a listed origin gets preflight answers with credentials; others get nothing")
    func cors() async throws {
        try await GatewayHarness.withGateway(["gateway.cors.origins": "https://pro.setrag.ga"]) { client, _ in
            try await client.execute(
                uri: "/api/v1/shipments", method: .options,
                headers: [.origin: "https://pro.setrag.ga", .accessControlRequestMethod: "POST",
                          .accessControlRequestHeaders: "content-type, x-csrf-token"]
            ) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == "https://pro.setrag.ga")
                #expect(response.headers[.accessControlAllowCredentials] == "true")
                #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
                #expect(response.headers[.accessControlAllowHeaders]?.contains("X-CSRF-Token") == true)
            }
            try await client.execute(
                uri: "/api/v1/shipments", method: .options,
                headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"]
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
            try await client.execute(uri: "/api/v1/stations", method: .get,
                                     headers: [.origin: "https://pro.setrag.ga"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == "https://pro.setrag.ga")
                #expect(response.headers[.accessControlAllowCredentials] == "true")
            }
            try await client.execute(uri: "/api/v1/stations", method: .get,
                                     headers: [.origin: "https://evil.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
                #expect(response.headers[.accessControlAllowCredentials] == nil)
            }
        }
    }
}

final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Double = 1000
    var now: Double { lock.withLock { value } }
    func advance(_ seconds: Double) { lock.withLock { value += seconds } }
}
