import Crypto
import Foundation
import Hummingbird
import SetragKernel

/// The outermost gateway layer: answers CORS preflights, marks answers for listed origins, hands out the CSRF
/// cookie to browsers that lack it and adds headers every answer carries. It turns errors into problem documents
/// itself so that refusals carry the same headers.
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let corsOrigins: Set<String>
    let cookies: GatewayCookies

    static let allowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE"
    static let allowedHeaders =
        "Authorization, Content-Type, Accept, Accept-Language, Idempotency-Key, X-CSRF-Token, X-Request-Id"
    static let exposedHeaders = "X-Request-Id, Retry-After, Location, Content-Disposition"

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        let origin = request.headers[.origin]
        let listed = origin.flatMap { corsOrigins.contains($0.lowercased()) ? $0 : nil }
        if request.method == .options, origin != nil, request.headers[.accessControlRequestMethod] != nil {
            guard let listed else { throw GatewayError.corsOriginRefused }
            return Response(status: .noContent, headers: [
                .accessControlAllowOrigin: listed,
                .accessControlAllowCredentials: "true",
                .accessControlAllowMethods: Self.allowedMethods,
                .accessControlAllowHeaders: Self.allowedHeaders,
                .accessControlMaxAge: "600",
                .vary: "Origin",
            ])
        }
        var response = try await ProblemMiddleware<AppContext>().handle(request, context: context, next: next)
        if let listed {
            response.headers[.accessControlAllowOrigin] = listed
            response.headers[.accessControlAllowCredentials] = "true"
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        }
        if !corsOrigins.isEmpty, !response.headers[values: .vary].contains(where: { $0.contains("Origin") }) {
            response.headers.append(HTTPField(name: .vary, value: "Origin"))
        }
        // Browsers get the token; machine clients (Bearer or Basic, or no sign of a browser) have no use for it.
        if request.headers[.authorization] == nil, Self.looksLikeBrowser(request),
           !CSRFMiddleware.isWellFormed(request.cookies[GatewayCookies.csrf]?.value) {
            response.headers.setCookie(cookies.csrfCookie(GatewayCookies.randomToken()))
        }
        if response.headers[.xContentTypeOptions] == nil { response.headers[.xContentTypeOptions] = "nosniff" }
        return response
    }
}

extension EdgeMiddleware {
    static let secFetchMode = HTTPField.Name("Sec-Fetch-Mode")!
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// A request a browser sent: browsers send `Sec-Fetch-*` with every request (older ones `Accept: text/html` when
    /// loading the page), any client that keeps cookies may be one, and the web sign-in (`/auth/*`) is for browsers.
    static func looksLikeBrowser(_ request: Request) -> Bool {
        looksLikeBrowser(request.headers, path: request.uri.path)
    }

    static func looksLikeBrowser(_ headers: some HeaderReading, path: String) -> Bool {
        headers.has(secFetchMode) || headers.has(secFetchSite) || headers.has(.cookie)
            || headers.values(.accept).contains { $0.contains("text/html") } || path.hasPrefix("/auth/")
    }
}

/// Double-submit CSRF protection: a state-changing request that a browser could send with the gateway's cookies
/// must repeat the `setrag_csrf` cookie in `X-CSRF-Token`, and its `Origin`, when sent, must be one we serve.
/// Requests with a Bearer token are not cookie-authenticated and `/oauth/*` forms protect themselves.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let publicOrigin: String
    let corsOrigins: Set<String>

    static let unsafeMethods: Set<HTTPRequest.Method> = [.post, .put, .patch, .delete]

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        guard Self.unsafeMethods.contains(request.method), !path.hasPrefix("/oauth/") else {
            return try await next(request, context)
        }
        if let origin = request.headers[.origin], !originAllowed(origin, authority: request.head.authority) {
            throw GatewayError.csrf("Requests from \(origin) are not accepted")
        }
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            return try await next(request, context)
        }
        let cookies = request.cookies
        let token = cookies[GatewayCookies.csrf]?.value
        let needsToken = path.hasPrefix("/auth/") || cookies[GatewayCookies.session] != nil
            || (path.hasPrefix("/api/") && token != nil)
        guard needsToken else { return try await next(request, context) }
        guard let token, Self.isWellFormed(token), let sent = request.headers[UpstreamProxy.csrfHeader],
              Self.same(sent, token) else {
            throw GatewayError.csrf("Send the setrag_csrf cookie's value in the X-CSRF-Token header")
        }
        return try await next(request, context)
    }

    func originAllowed(_ origin: String, authority: String?) -> Bool {
        let origin = origin.lowercased()
        if origin == publicOrigin || corsOrigins.contains(origin) { return true }
        // Same origin as the request itself: browsers set Host, pages cannot.
        guard let host = authority?.lowercased() else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    static func isWellFormed(_ token: String?) -> Bool {
        guard let token else { return false }
        return token.count >= 32 && token.count <= 128
            && token.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// Compares in time that does not depend on where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
    }
}

/// Finds out who calls: a Bearer token is verified (a bad one is a 401) and forwarded as it is; a web session's
/// user is read from its cookie (one that does not open counts as signed out). Other schemes (HTTP Basic at
/// `/oauth/token`) pass to identity untouched.
struct CallerMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let verifier: AccessTokenVerifier
    let cookies: GatewayCookies

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        if request.headers[.authorization] != nil {
            let caller = try await BearerAuthMiddleware.authenticate(request, context: context, verifier: verifier)
            return try await next(request, caller ?? context)
        }
        guard request.cookies[GatewayCookies.session] != nil else { return try await next(request, context) }
        guard let session = cookies.session(from: request) else {
            context.logger.info("session cookie does not open; treated as signed out")
            var response = try await next(request, context)
            response.headers.setCookie(cookies.clearedSession)
            return response
        }
        context.principal = session.principal
        context.logger[metadataKey: "subject"] = .string(session.subject)
        return try await next(request, context)
    }
}

/// Sends requests for service paths to their service, refuses paths never routed from outside, and serves the
/// web app for the rest. Routes of the gateway itself (`/auth/*`, `/api/docs`, health) never reach here.
struct DispatchMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let gateway: GatewayServices

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        if GatewayRouteTable.isForbidden(path) { throw GatewayError.noRoute }
        if let route = GatewayRouteTable.match(path) {
            context.coreContext.endpointPath.value = route.prefix
            return try await gateway.proxyWithSession(request, to: route.service, context: context)
        }
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError where error.status == .notFound {
            guard StaticFiles.mayServe(request) else { throw GatewayError.noRoute }
            return try await gateway.staticFiles.respond(to: request, context: context)
        }
    }
}
