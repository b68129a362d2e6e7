import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SetragKernel

/// The gateway: the platform's only public port. It routes public paths to services, keeps browsers' sessions
/// (backend for frontend), checks tokens, CSRF, quotas and CORS, and serves the web app.
public enum GatewayModule {
    public static let definition = ModuleDefinition(name: "gateway", needs: []) { settings in
        let configuration = GatewayConfiguration(settings)
        return { context in
            let client = makeProxyClient()
            let application = buildApplication(configuration: configuration, context: context, client: client)
            // Listed first so that it stops last, after the server has finished its requests.
            return [HTTPClientService(client: client), application]
        }
    }

    /// The client the gateway forwards with. Unlike a general-purpose client it never follows redirects (they are
    /// the browser's to follow), fails at once when a service refuses connections (a 503, not a wait), and keeps
    /// enough connections per service for a busy gateway.
    public static func makeProxyClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(3), read: .seconds(120)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The gateway's router: the kernel's middleware and health routes, then the gateway's layers in order
    /// (edge: CORS and CSRF cookie; CSRF check; caller; quotas; dispatch to services or the web app).
    public static func buildRouter(configuration: GatewayConfiguration, context: ModuleContext, client: HTTPClient)
        -> Router<AppContext>
    {
        let router = ServiceHTTP.router(kernel: context.kernel, verifier: nil, metrics: context.metrics, checks: [])
        let services = GatewayServices(configuration: configuration, endpoints: context.endpoints, client: client,
                                       logger: context.logger)
        router.middlewares.add(EdgeMiddleware(corsOrigins: configuration.corsOrigins, cookies: services.cookies))
        router.middlewares.add(CSRFMiddleware(publicOrigin: configuration.publicOrigin,
                                              corsOrigins: configuration.corsOrigins))
        router.middlewares.add(CallerMiddleware(verifier: context.verifier, cookies: services.cookies))
        router.middlewares.add(QuotaMiddleware(buckets: QuotaBuckets(rules: configuration.quotas,
                                                                     capacity: configuration.maxTrackedClients)))
        router.middlewares.add(DispatchMiddleware(gateway: services))
        GatewayRoutes(gateway: services).register(on: router)
        return router
    }

    /// The gateway's HTTP server, listening on `gateway.http.address`.
    public static func buildApplication(configuration: GatewayConfiguration, context: ModuleContext, client: HTTPClient)
        -> some ApplicationProtocol
    {
        let router = buildRouter(configuration: configuration, context: context, client: client)
        let address = context.endpoints.listen["gateway"] ?? ("127.0.0.1", 8080)
        var logger = context.logger
        logger[metadataKey: "service"] = "gateway"
        return Application(
            responder: ClientAddressResponder(inner: router.buildResponder(),
                                              trustedProxies: configuration.trustedProxies),
            server: .http1(configuration: .init(idleTimeout: .init(context.kernel.idleTimeout))),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "setrag-gateway"),
            logger: logger
        )
    }
}

/// Decides the caller's address before anything else sees the request: the peer's, or, when the peer is a
/// trusted proxy, the nearest address in `X-Forwarded-For` that is not one. A caller cannot choose its own
/// address (and so its quota bucket) by sending the header.
struct ClientAddressResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == AppContext {
    let inner: Inner
    let trustedProxies: Set<String>

    func respond(to request: Request, context: AppContext) async throws -> Response {
        var context = context
        var address = context.clientAddress
        if let peer = address, trustedProxies.contains(peer),
           let forwarded = request.headers[UpstreamProxy.forwardedFor] {
            let hops = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            address = hops.last { !trustedProxies.contains($0) && !$0.isEmpty } ?? peer
        }
        var head = request.head
        head.headerFields[UpstreamProxy.forwardedFor] = address
        context.clientAddress = address
        return try await inner.respond(to: Request(head: head, body: request.body), context: context)
    }
}

/// Shuts the gateway's HTTP client down once the process stops.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
