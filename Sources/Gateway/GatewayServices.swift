import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import SetragKernel

/// What the gateway's routes and middleware share: the proxy, the token client, the cookies and the web root.
struct GatewayServices: Sendable {
    let configuration: GatewayConfiguration
    let proxy: UpstreamProxy
    let tokens: IdentityTokenClient
    let refresher: RefreshCoordinator
    let cookies: GatewayCookies
    let staticFiles: StaticFiles
    let buckets: QuotaBuckets
    let client: HTTPClient

    init(
        configuration: GatewayConfiguration, endpoints: ServiceEndpoints, clients: GatewayClients, logger: Logger
    ) {
        self.configuration = configuration
        let client = clients.http
        self.client = client
        proxy = UpstreamProxy(pool: clients.pool, endpoints: endpoints,
                              publicScheme: configuration.secureCookies ? "https" : "http")
        tokens = IdentityTokenClient(client: client, identityURL: endpoints.url("identity"),
                                     clientID: configuration.clientID, clientSecret: configuration.clientSecret,
                                     timeout: configuration.upstreamTimeout)
        refresher = RefreshCoordinator()
        cookies = GatewayCookies(configuration: configuration)
        staticFiles = StaticFiles(root: configuration.webRoot, tilesOrigin: configuration.mapTilesOrigin,
                                  publicOrigin: configuration.publicOrigin, logger: logger)
        buckets = QuotaBuckets(rules: configuration.quotas, capacity: configuration.maxTrackedClients)
    }

    /// Forwards a request; a web session's access token goes along as `Authorization: Bearer`, renewed first when
    /// it is about to expire (the rotated tokens are written back to the cookie).
    func proxyWithSession(_ request: Request, to service: String, context: AppContext) async throws -> Response {
        guard request.headers[.authorization] == nil, var session = cookies.session(from: request) else {
            return try await proxy.forward(request, to: service, context: context, authorization: nil)
        }
        var renewed: Cookie?
        let now = Int(Date().timeIntervalSince1970)
        if session.refreshToken == nil, session.expiresAt <= now {
            return signedOut(context)
        }
        if session.refreshToken != nil, session.needsRefresh(now: Date()) {
            switch await refresh(session, logger: context.logger) {
            case .success(let (fresh, cookie)):
                session = fresh
                renewed = cookie
            case .failure(.refused):
                return signedOut(context)
            case .failure(.unavailable):
                // Identity is away: the current token serves while it lasts.
                guard session.expiresAt > now else {
                    throw GatewayError.upstreamUnavailable(service: "identity")
                }
            }
        }
        let token = session.accessToken
        var response = try await ProblemMiddleware<AppContext>().handle(request, context: context) { request, context in
            try await proxy.forward(request, to: service, context: context, authorization: "Bearer \(token)")
        }
        if let renewed { response.headers.setCookie(renewed) }
        return response
    }

    /// A 401 that also clears the session cookie: the browser is signed out.
    func signedOut(_ context: AppContext) -> Response {
        var response = ProblemResponse.make(GatewayError.signedOut.problemError, requestID: context.requestID)
        response.headers.setCookie(cookies.clearedSession)
        return response
    }

    /// Renews a session's tokens with its refresh token, once for all concurrent requests that hold it.
    func refresh(_ session: WebSession, logger: Logger) async -> Result<(WebSession, Cookie), TokenEndpointError> {
        guard let refreshToken = session.refreshToken else { return .failure(.refused(status: 400, error: nil)) }
        let tokens = self.tokens
        let result = await refresher.refresh(refreshToken) {
            do throws(TokenEndpointError) {
                return .success(try await tokens.refresh(refreshToken, logger: logger))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let response):
            let fresh = makeSession(from: response, previous: session)
            return .success((fresh, cookies.sessionCookie(fresh, maxAge: sessionLifetime(response))))
        case .failure(let error):
            logger.info("session refresh failed", metadata: ["error": "\(error)"])
            return .failure(error)
        }
    }

    func makeSession(from response: TokenResponse, previous: WebSession?) -> WebSession {
        let now = Int(Date().timeIntervalSince1970)
        let claims = WebSession.claims(of: response.accessToken)
        let expiresAt = response.expiresIn.map { now + $0 } ?? claims?.exp ?? now + 300
        let subject = claims?.sub ?? Self.subject(of: response.accessToken) ?? previous?.subject ?? ""
        return WebSession(accessToken: response.accessToken,
                          refreshToken: response.refreshToken ?? previous?.refreshToken,
                          expiresAt: expiresAt, subject: subject)
    }

    /// How long the browser keeps the session cookie: as long as the refresh token lives (30 days if unsaid).
    func sessionLifetime(_ response: TokenResponse) -> Int {
        response.refreshExpiresIn ?? 30 * 24 * 3600
    }

    static func subject(of token: String) -> String? {
        guard let payload = WebSession.payload(of: token),
              let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any] else { return nil }
        return object["sub"] as? String
    }
}
