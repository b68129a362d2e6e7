import AsyncHTTPClient
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
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
            let clients = GatewayClients(configuration: configuration)
            let application = buildApplication(configuration: configuration, context: context, clients: clients)
            // Listed first so that it stops last, after the server has finished its requests.
            return [GatewayClientsService(clients: clients), application]
        }
    }

    /// The gateway's router: the kernel's middleware and health routes, then the gateway's layers in order
    /// (edge: CORS and CSRF cookie; CSRF check; caller; quotas; dispatch to services or the web app).
    public static func buildRouter(
        configuration: GatewayConfiguration, context: ModuleContext, clients: GatewayClients
    ) -> Router<AppContext> {
        buildRouter(GatewayServices(configuration: configuration, endpoints: context.endpoints, clients: clients,
                                    logger: context.logger), context: context)
    }

    static func buildRouter(_ services: GatewayServices, context: ModuleContext) -> Router<AppContext> {
        let configuration = services.configuration
        let router = ServiceHTTP.router(kernel: context.kernel, verifier: nil, metrics: context.metrics,
                                        checks: readinessChecks(services, context: context),
                                        metricsRoute: configuration.publicMetrics, trustForwardedFor: false)
        router.middlewares.add(EdgeMiddleware(corsOrigins: configuration.corsOrigins, cookies: services.cookies))
        router.middlewares.add(CSRFMiddleware(publicOrigin: configuration.publicOrigin,
                                              corsOrigins: configuration.corsOrigins))
        router.middlewares.add(CallerMiddleware(verifier: context.verifier, cookies: services.cookies))
        router.middlewares.add(QuotaMiddleware(buckets: services.buckets))
        router.middlewares.add(DispatchMiddleware(gateway: services))
        GatewayRoutes(gateway: services).register(on: router)
        return router
    }

    /// The gateway is ready when the services it cannot work without answer their own `/readyz`: identity (no
    /// sign-in without it).
    static func readinessChecks(_ services: GatewayServices, context: ModuleContext) -> [ReadinessCheck] {
        let client = services.client
        return ["identity"].map { (name: String) -> ReadinessCheck in
            let url = context.endpoints.url(name) + "/readyz"
            return ReadinessCheck(name: name) {
                let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(2))
                guard response.status == .ok else { throw GatewayReadinessError.notReady(name) }
            }
        }
    }

    /// The gateway's HTTP server on `gateway.http.address`, with the WebSocket pass-through of `/api/v1/live`.
    public static func buildApplication(
        configuration: GatewayConfiguration, context: ModuleContext, clients: GatewayClients
    ) -> some ApplicationProtocol {
        let services = GatewayServices(configuration: configuration, endpoints: context.endpoints, clients: clients,
                                       logger: context.logger)
        let router = buildRouter(services, context: context)
        let live = LiveSocket(gateway: services, verifier: context.verifier)
        let address = context.endpoints.listen["gateway"] ?? ("127.0.0.1", 8080)
        var logger = context.logger
        logger[metadataKey: "service"] = "gateway"
        let serverName = "setrag-gateway"
        // With the short path, its handler keeps the idle timeout: the server's own timer does not see its requests.
        let idleTimeout = context.kernel.idleTimeout
        let websocket = WebSocketServerConfiguration(maxFrameSize: 1 << 16, autoPing: .enabled(timePeriod: .seconds(30)))
        let shouldUpgrade: @Sendable (HTTPRequest, any Channel, Logger) async throws
            -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> = { head, channel, logger in
                await live.shouldUpgrade(head, channel: channel, logger: logger)
            }
        let server: HTTPServerBuilder
        if configuration.fastPath {
            let fast = FastProxy(services: services, pool: clients.rawPool, stats: clients.fastPathStats,
                                 serverName: serverName, idleTimeout: idleTimeout, logger: logger)
            server = HTTPServerBuilder { responder in
                FastPathChannel(
                    inner: HTTP1WebSocketUpgradeChannel(
                        responder: responder,
                        configuration: .init(http1: .init(additionalChannelHandlers: [LongPathWatch()], idleTimeout: nil),
                                             ws: websocket),
                        shouldUpgrade: shouldUpgrade),
                    fast: fast)
            }
        } else {
            server = .http1WebSocketUpgrade(
                configuration: .init(http1: .init(idleTimeout: .init(idleTimeout)), ws: websocket),
                shouldUpgrade: shouldUpgrade)
        }
        return Application(
            responder: ClientAddressResponder(inner: router.buildResponder(),
                                              trustedProxies: configuration.trustedProxies),
            server: server,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: serverName),
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
        if !trustedProxies.isEmpty {
            context.clientAddress = Self.address(peer: context.clientAddress,
                                                 forwarded: request.headers[UpstreamProxy.forwardedFor],
                                                 trustedProxies: trustedProxies)
        }
        return try await inner.respond(to: request, context: context)
    }

    static func address(peer: String?, forwarded: String?, trustedProxies: Set<String>) -> String? {
        guard let peer, trustedProxies.contains(peer), let forwarded else { return peer }
        let hops = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return hops.last { !trustedProxies.contains($0) && !$0.isEmpty } ?? peer
    }
}

/// The gateway's outgoing connections: the proxy's keep-alive pool to services, and a general-purpose client for
/// its own calls (token exchange and refresh at identity, readiness checks).
public struct GatewayClients: Sendable {
    public let http: HTTPClient
    let pool: UpstreamPool
    /// The short path's connections to services (`FastProxy`).
    let rawPool: RawUpstreamPool
    /// Requests the proxy's short path answered.
    let fastPathStats = FastProxyStats()

    public init(configuration: GatewayConfiguration) {
        http = Self.makeHTTPClient()
        pool = UpstreamPool(responseTimeout: .nanoseconds(configuration.upstreamTimeout.nanoseconds))
        rawPool = RawUpstreamPool(responseTimeout: .nanoseconds(configuration.upstreamTimeout.nanoseconds))
    }

    /// The general-purpose client. It never follows redirects (they are the browser's to follow) and fails at once
    /// when a service refuses connections (a 503, not a wait).
    static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(3), read: .seconds(120)),
            connectionPool: .init(idleTimeout: .seconds(60))
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async throws {
        pool.shutdown()
        rawPool.shutdown()
        try await http.shutdown()
    }
}

/// Closes the gateway's outgoing connections once the process stops.
struct GatewayClientsService: Service {
    let clients: GatewayClients

    func run() async throws {
        try? await gracefulShutdown()
        try await clients.shutdown()
    }
}

enum GatewayReadinessError: Error { case notReady(String) }
