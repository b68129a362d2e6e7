import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SetragKernel
import Testing

@testable import Gateway

@Suite("Web session (backend for frontend)")
struct SessionTests {
    static let configuration = GatewayConfiguration(Settings.values([
        "gateway.session_key": GatewayHarness.sessionKey, "gateway.oauth.client_secret": "x",
    ]))

    @Test("a sealed session opens again; a changed, foreign or re-labelled one does not")
    func sealing() throws {
        let sealer = CookieSealer(key: Self.configuration.sessionKey)
        let session = WebSession(accessToken: "a.b.c", refreshToken: "r", expiresAt: 42, subject: "usr_1")
        let sealed = sealer.seal(session, for: GatewayCookies.session)
        #expect(sealer.open(sealed, as: WebSession.self, for: GatewayCookies.session) == session)
        #expect(!sealed.contains("usr_1"))

        var bytes = Array(sealed.utf8)
        bytes[bytes.count / 2] = bytes[bytes.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(sealer.open(String(decoding: bytes, as: UTF8.self), as: WebSession.self,
                            for: GatewayCookies.session) == nil)
        #expect(sealer.open(sealed, as: WebSession.self, for: GatewayCookies.signIn) == nil)
        let other = CookieSealer(key: .init(size: .bits256))
        #expect(other.open(sealed, as: WebSession.self, for: GatewayCookies.session) == nil)
        #expect(sealer.open("garbage", as: WebSession.self, for: GatewayCookies.session) == nil)
    }

    @Test("a session's access token goes to the service as a Bearer token")
    func injects() async throws {
        try await GatewayHarness.withGateway { client, configuration in
            let token = GatewayHarness.accessToken()
            let session = WebSession(accessToken: token, refreshToken: "refresh-1",
                                     expiresAt: Int(Date().timeIntervalSince1970) + 300, subject: "usr_1")
            let cookie = GatewayHarness.sessionCookie(session, configuration: configuration)
            try await client.execute(uri: "/api/v1/me", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                #expect(response.echo?.headers["authorization"] == "Bearer \(token)")
                #expect(response.echo?.headers["cookie"] == nil)
                #expect(response.cookie(GatewayCookies.session) == nil)
            }
        }
    }

    @Test("a tampered session cookie counts as signed out and is cleared")
    func tampered() async throws {
        try await GatewayHarness.withGateway { client, configuration in
            let session = WebSession(accessToken: GatewayHarness.accessToken(), refreshToken: "refresh-1",
                                     expiresAt: Int(Date().timeIntervalSince1970) + 300, subject: "usr_1")
            // Change one character in the middle of the sealed value: every bit of it is significant there, unlike
            // the last base64url characters, whose low bits a decoder may ignore.
            var characters = Array(GatewayHarness.sessionCookie(session, configuration: configuration))
            let middle = characters.count - 20
            characters[middle] = characters[middle] == "A" ? "B" : "A"
            let cookie = String(characters)
            try await client.execute(uri: "/api/v1/me", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                #expect(response.echo?.headers["authorization"] == nil)
                #expect(response.cookie(GatewayCookies.session) == "")
            }
        }
    }

    @Test("a session about to expire is refreshed first and the rotated tokens written back")
    func refreshes() async throws {
        try await GatewayHarness.withGateway { client, configuration in
            let session = WebSession(accessToken: GatewayHarness.accessToken(version: "1", expiresIn: 10),
                                     refreshToken: "refresh-1", expiresAt: Int(Date().timeIntervalSince1970) + 10,
                                     subject: "usr_1")
            let cookie = GatewayHarness.sessionCookie(session, configuration: configuration)
            try await client.execute(uri: "/api/v1/me", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                let authorization = try #require(response.echo?.headers["authorization"])
                let token = String(authorization.dropFirst("Bearer ".count))
                #expect(GatewayServices.subject(of: token) == "usr_1")
                #expect(String(data: WebSession.payload(of: token) ?? Data(), encoding: .utf8)?
                    .contains(#""v":"2""#) == true)
                let sealed = try #require(response.cookie(GatewayCookies.session))
                let renewed = GatewayCookies(configuration: configuration).sealer
                    .open(sealed, as: WebSession.self, for: GatewayCookies.session)
                #expect(renewed?.refreshToken == "refresh-2")
                #expect(renewed?.accessToken == token)
                let attributes = try #require(response.cookieAttributes(GatewayCookies.session))
                #expect(attributes.contains("HttpOnly"))
                #expect(attributes.contains("SameSite=Lax"))
                #expect(attributes.contains("Path=/"))
                #expect(!attributes.contains("Secure"))
            }
        }
    }

    @Test("parallel requests of one browser share one refresh (the refresh token works only once)")
    func parallelRefresh() async throws {
        try await GatewayHarness.withGateway { client, configuration in
            let refreshToken = "once-\(UUID().uuidString)"
            let session = WebSession(accessToken: GatewayHarness.accessToken(expiresIn: 5), refreshToken: refreshToken,
                                     expiresAt: Int(Date().timeIntervalSince1970) + 5, subject: "usr_1")
            let cookie = GatewayHarness.sessionCookie(session, configuration: configuration)
            let tokens = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await client.execute(uri: "/api/v1/bookings", method: .get,
                                                                headers: [.cookie: cookie])
                        #expect(response.status == .ok)
                        return response.echo?.headers["authorization"]
                    }
                }
                return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1)
            let token = try #require(tokens.first ?? nil)
            #expect(String(data: WebSession.payload(of: String(token.dropFirst(7))) ?? Data(), encoding: .utf8)?
                .contains(refreshToken) == true)
        }
    }

    @Test("a session without refresh token ends when its access token does")
    func noRefreshToken() async throws {
        try await GatewayHarness.withGateway { client, configuration in
            let session = WebSession(accessToken: GatewayHarness.accessToken(expiresIn: -1), refreshToken: nil,
                                     expiresAt: Int(Date().timeIntervalSince1970) - 1, subject: "usr_1")
            let cookie = GatewayHarness.sessionCookie(session, configuration: configuration)
            try await client.execute(uri: "/api/v1/me", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.cookie(GatewayCookies.session) == "")
            }
        }
    }

    @Test("a refused refresh ends the session: 401 and the cookie cleared")
    func refusedRefresh() async throws {
        try await GatewayHarness.withGateway { client, configuration in
            let session = WebSession(accessToken: GatewayHarness.accessToken(expiresIn: -5), refreshToken: "revoked",
                                     expiresAt: Int(Date().timeIntervalSince1970) - 5, subject: "usr_1")
            let cookie = GatewayHarness.sessionCookie(session, configuration: configuration)
            try await client.execute(uri: "/api/v1/me", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.problem?.type == ProblemType.unauthorized.uri)
                #expect(response.cookie(GatewayCookies.session) == "")
            }
        }
    }

    @Test("returnTo is kept only when it is a path on this site", arguments: [
        ("/profile", "/profile"), ("/trips?from=OWE&to=FCV", "/trips?from=OWE&to=FCV"), ("//evil.example", "/"),
        ("https://evil.example", "/"), ("/\\evil.example", "/"), ("evil", "/"), ("", "/"),
        ("/a b", "/"), ("%2F%2Fevil.example", "/"),
    ])
    func returnTo(raw: String, expected: String) async throws {
        try await GatewayHarness.withGateway { client, configuration in
            let escaped = raw.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            try await client.execute(uri: "/auth/login?returnTo=\(escaped)&lang=en", method: .get) { response in
                #expect(response.status == .found)
                let sealed = try #require(response.cookie(GatewayCookies.signIn))
                let attempt = GatewayCookies(configuration: configuration).sealer
                    .open(sealed, as: SignInAttempt.self, for: GatewayCookies.signIn)
                #expect(attempt?.returnTo == expected)
            }
        }
    }

    @Test("sign-in: login sends the browser to identity with PKCE; the callback keeps the tokens in the session")
    func signIn() async throws {
        try await GatewayHarness.withGateway { client, configuration in
            let login = try await client.execute(uri: "/auth/login?returnTo=/profile", method: .get,
                                                 headers: [.cookie: "setrag_lang=en"])
            #expect(login.status == .found)
            let location = try #require(login.headers[.location])
            #expect(location.hasPrefix("/oauth/authorize?"))
            let query = try #require(URLComponents(string: location)?.queryItems)
            func item(_ name: String) -> String? { query.first { $0.name == name }?.value }
            #expect(item("response_type") == "code")
            #expect(item("client_id") == "setrag-web")
            #expect(item("redirect_uri") == "http://127.0.0.1:8080/auth/callback")
            #expect(item("code_challenge_method") == "S256")
            #expect(item("code_challenge")?.count == 43)
            #expect(item("scope") == "openid profile")
            #expect(item("ui_locales") == "en")
            #expect(location.contains("scope=openid%20profile"))
            let state = try #require(item("state"))
            let attemptCookie = try #require(login.cookie(GatewayCookies.signIn))
            #expect(login.cookieAttributes(GatewayCookies.signIn)?.contains("HttpOnly") == true)

            let signInCookie = "\(GatewayCookies.signIn)=\(attemptCookie)"
            // A callback whose state is not ours is refused.
            try await client.execute(uri: "/auth/callback?code=good-code&state=forged", method: .get,
                                     headers: [.cookie: signInCookie]) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "/?signin=failed")
                #expect(response.cookie(GatewayCookies.session) == nil)
            }
            // A code identity refuses is a failed sign-in.
            try await client.execute(uri: "/auth/callback?code=bad-code&state=\(state)", method: .get,
                                     headers: [.cookie: signInCookie]) { response in
                #expect(response.headers[.location] == "/?signin=failed")
            }
            let callback = try await client.execute(uri: "/auth/callback?code=good-code&state=\(state)",
                                                    method: .get, headers: [.cookie: signInCookie])
            #expect(callback.status == .found)
            #expect(callback.headers[.location] == "/profile")
            #expect(callback.cookie(GatewayCookies.signIn) == "")
            let sealed = try #require(callback.cookie(GatewayCookies.session))
            let session = GatewayCookies(configuration: configuration).sealer
                .open(sealed, as: WebSession.self, for: GatewayCookies.session)
            #expect(session?.subject == "usr_1")
            #expect(session?.refreshToken == "refresh-1")

            // Signing out needs the CSRF token, then clears the session.
            let cookies = "\(GatewayCookies.session)=\(sealed); \(GatewayCookies.csrf)=\(GatewayHarness.csrfToken)"
            try await client.execute(uri: "/auth/logout", method: .post, headers: [.cookie: cookies]) { response in
                #expect(response.status == .forbidden)
                #expect(response.problem?.type == ProblemType.csrf.uri)
            }
            try await client.execute(uri: "/auth/logout", method: .post,
                                     headers: [.cookie: cookies, .csrfToken: GatewayHarness.csrfToken]) { response in
                #expect(response.status == .noContent)
                #expect(response.cookie(GatewayCookies.session) == "")
            }
        }
    }

    @Test("session cookies are Secure when the public URL is https")
    func secure() async throws {
        try await GatewayHarness.withGateway(["gateway.public_url": "https://setrag.ga"]) { client, _ in
            try await client.execute(uri: "/auth/login", method: .get) { response in
                #expect(response.cookieAttributes(GatewayCookies.signIn)?.contains("Secure") == true)
                #expect(response.cookieAttributes(GatewayCookies.csrf)?.contains("Secure") == true)
                let location = response.headers[.location] ?? ""
                #expect(location.contains("redirect_uri=https%3A%2F%2Fsetrag.ga%2Fauth%2Fcallback"))
            }
        }
    }
}
