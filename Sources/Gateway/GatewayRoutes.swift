import Crypto
import Foundation
import Hummingbird
import SetragKernel

/// The gateway's own routes: the web sign-in (backend for frontend) and the API documentation index.
struct GatewayRoutes: Sendable {
    let gateway: GatewayServices

    func register(on router: Router<AppContext>) {
        router.get("/auth/login") { request, context in try self.login(request, context: context) }
        router.get("/auth/callback") { request, context in await self.callback(request, context: context) }
        router.post("/auth/logout") { request, context in await self.logout(request, context: context) }
        router.get("/api/docs") { _, _ in self.docsIndex() }
        router.get("/api/docs/{service}") { request, context in
            let service = try context.parameters.require("service")
            guard GatewayRouteTable.services.contains(service) else { throw GatewayError.noRoute }
            return try await gateway.proxy.forward(request, to: service, context: context, authorization: nil,
                                                   target: "/openapi.json")
        }
    }

    // MARK: Web sign-in

    /// Starts a sign-in: remembers state, PKCE verifier and nonce in a sealed cookie and sends the browser to
    /// identity's authorization page (same origin, through the gateway).
    func login(_ request: Request, context: AppContext) throws -> Response {
        let query = request.uri.queryParameters
        let attempt = SignInAttempt(
            state: GatewayCookies.randomToken(), codeVerifier: GatewayCookies.randomToken(),
            nonce: GatewayCookies.randomToken(bytes: 16),
            returnTo: Self.safeReturnTo(query["returnTo"].map(String.init)),
            startedAt: Int(Date().timeIntervalSince1970))
        let language = Self.language(query["lang"].map(String.init))
            ?? Self.language(request.cookies[GatewayCookies.language]?.value) ?? "fr"
        let challenge = Data(SHA256.hash(data: Data(attempt.codeVerifier.utf8))).base64URLEncodedString()
        let location = "/oauth/authorize?" + IdentityTokenClient.formEncoded([
            ("response_type", "code"), ("client_id", gateway.configuration.clientID),
            ("redirect_uri", gateway.configuration.callbackURL), ("code_challenge", challenge),
            ("code_challenge_method", "S256"), ("state", attempt.state), ("nonce", attempt.nonce),
            ("scope", "openid profile"), ("ui_locales", language),
        ])
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        headers.setCookie(gateway.cookies.signInCookie(attempt))
        return Response(status: .found, headers: headers)
    }

    /// Finishes a sign-in: checks the state, trades the code for tokens and keeps them in the session cookie.
    /// Any failure sends the browser home with `?signin=failed`.
    func callback(_ request: Request, context: AppContext) async -> Response {
        let query = request.uri.queryParameters
        guard let attempt = gateway.cookies.signInAttempt(from: request),
              Int(Date().timeIntervalSince1970) - attempt.startedAt <= SignInAttempt.lifetime else {
            return signInFailed("no sign-in in progress", context: context)
        }
        guard let state = query["state"], CSRFMiddleware.same(String(state), attempt.state) else {
            return signInFailed("state does not match", context: context)
        }
        if let error = query["error"] { return signInFailed("identity said \(error)", context: context) }
        guard let code = query["code"], !code.isEmpty else { return signInFailed("no code", context: context) }
        let response: TokenResponse
        do {
            response = try await gateway.tokens.exchange(
                code: String(code), codeVerifier: attempt.codeVerifier,
                redirectURI: gateway.configuration.callbackURL, logger: context.logger)
        } catch {
            return signInFailed("code exchange failed: \(error)", context: context)
        }
        if let idToken = response.idToken, let payload = WebSession.payload(of: idToken),
           let claims = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
           let nonce = claims["nonce"] as? String, nonce != attempt.nonce {
            return signInFailed("nonce does not match", context: context)
        }
        let session = gateway.makeSession(from: response, previous: nil)
        var headers: HTTPFields = [.location: attempt.returnTo, .cacheControl: "no-store"]
        headers.setCookie(gateway.cookies.sessionCookie(session, maxAge: gateway.sessionLifetime(response)))
        headers.setCookie(gateway.cookies.clearedSignIn)
        context.logger.info("signed in", metadata: ["subject": "\(session.subject)"])
        return Response(status: .found, headers: headers)
    }

    func signInFailed(_ reason: String, context: AppContext) -> Response {
        context.logger.info("sign-in failed", metadata: ["reason": "\(reason)"])
        var headers: HTTPFields = [.location: "/?signin=failed", .cacheControl: "no-store"]
        headers.setCookie(gateway.cookies.clearedSignIn)
        return Response(status: .found, headers: headers)
    }

    /// Ends the web session: the refresh token is revoked at identity and the cookies cleared.
    func logout(_ request: Request, context: AppContext) async -> Response {
        if let refreshToken = gateway.cookies.session(from: request)?.refreshToken {
            await gateway.tokens.revoke(refreshToken, logger: context.logger)
        }
        var headers: HTTPFields = [.cacheControl: "no-store"]
        headers.setCookie(gateway.cookies.clearedSession)
        headers.setCookie(gateway.cookies.clearedSignIn)
        return Response(status: .noContent, headers: headers)
    }

    /// A path on this site to return to after sign-in; anything else (`//host`, `https://host`, `/\host`) is `/`.
    static func safeReturnTo(_ raw: String?) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), raw.count <= 2048,
              raw.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" }) else { return "/" }
        return raw
    }

    /// A language tag we may pass to identity (`fr`, `en`, `fr-GA`), else nil.
    static func language(_ raw: String?) -> String? {
        guard let raw, (2...12).contains(raw.count),
              raw.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") }) else { return nil }
        return raw
    }

    // MARK: API documentation

    func docsIndex() -> Response {
        let services = GatewayRouteTable.services.map { ["name": $0, "openapi": "/api/docs/\($0)"] }
        return jsonResponse(["services": services])
    }
}
