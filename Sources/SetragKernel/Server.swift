import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// One thing `/readyz` checks: the database answers, the broker is connected.
public struct ReadinessCheck: Sendable {
    public let name: String
    public let check: @Sendable () async throws -> Void
    public init(name: String, check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }
}

/// The HTTP edge every service shares: the same middleware, health, readiness and metrics routes.
public enum ServiceHTTP {
    /// A router with the platform's middleware and `/healthz`, `/readyz`, `/metrics`. Services add their routes.
    public static func router(_ context: ModuleContext, checks: [ReadinessCheck]? = nil) -> Router<AppContext> {
        router(kernel: context.kernel, verifier: context.verifier, metrics: context.metrics,
               checks: checks ?? context.readinessChecks)
    }

    public static func router(
        kernel: KernelSettings, verifier: AccessTokenVerifier?, metrics: PrometheusCollectorRegistry,
        checks: [ReadinessCheck], metricsRoute: Bool = true, trustForwardedFor: Bool = true
    ) -> Router<AppContext> {
        let router = Router(context: AppContext.self)
        router.middlewares.add(RequestIDMiddleware(maxUploadSize: kernel.bodyLimit, trustForwardedFor: trustForwardedFor))
        router.middlewares.add(ProblemMiddleware())
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(LimitsMiddleware())
        if let verifier { router.middlewares.add(BearerAuthMiddleware(verifier: verifier)) }
        addHealthRoutes(to: router, metrics: metricsRoute ? metrics : nil, checks: checks)
        return router
    }

    /// `/healthz`, `/readyz`, and `/metrics` when given a registry to show.
    public static func addHealthRoutes(
        to router: Router<AppContext>, metrics: PrometheusCollectorRegistry?, checks: [ReadinessCheck]
    ) {
        router.get("/healthz") { _, _ in
            jsonResponse(["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            var results: [String: String] = [:]
            var ready = true
            await withTaskGroup(of: (String, Bool).self) { group in
                for check in checks {
                    group.addTask {
                        do {
                            try await withTimeout(.seconds(2)) { try await check.check() }
                            return (check.name, true)
                        } catch {
                            return (check.name, false)
                        }
                    }
                }
                for await (name, ok) in group {
                    results[name] = ok ? "ok" : "failing"
                    ready = ready && ok
                }
            }
            var body: [String: Any] = ["status": ready ? "ready" : "not-ready"]
            body["checks"] = results
            return jsonResponse(body, status: ready ? .ok : .serviceUnavailable)
        }
        guard let metrics else { return }
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            metrics.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }

    /// The service as a lifecycle `Service`, listening on `host:port`.
    public static func application(
        name: String, router: Router<AppContext>, address: (host: String, port: Int), kernel: KernelSettings,
        logger: Logger, onServerRunning: (@Sendable (any Channel) async -> Void)? = nil
    ) -> some Service {
        var serviceLogger = logger
        serviceLogger[metadataKey: "service"] = .string(name)
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .init(kernel.idleTimeout))),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "setrag-\(name)"),
            onServerRunning: onServerRunning ?? { _ in },
            logger: serviceLogger
        )
    }
}

/// A small JSON answer built from plain values (health routes).
public func jsonResponse(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    return Response(status: status, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// A Codable answer with a status, for routes that create things.
public struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator {
    public var value: Value
    public var status: HTTPResponse.Status
    public var headers: HTTPFields

    public init(_ value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.value = value
        self.status = status
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try encoder.encode(value)
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Runs body, giving up with `CancellationError` after `duration`.
public func withTimeout<T: Sendable>(_ duration: Duration, _ body: @escaping @Sendable () async throws -> T)
    async throws -> T
{
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: duration)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw CancellationError() }
        return value
    }
}
