import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SetragKernel

/// A simulator of the E-Billing (Digitech, Gabon) mobile-money and card aggregator, run as its own process by
/// `setrag simulate ebilling`. It is a tool for tests and development, not a platform service.
///
/// Merchant API (HTTP Basic `username:shared_key` on each call, else 401):
/// - `POST /api/v1/merchant/e_bills` `{payer_msisdn, payer_email?, payer_name?, amount, short_description,
///   external_reference, expiry_period, currency: "XAF", return_url?}` -> 201 `{"e_bill": {...}}`
/// - `GET /api/v1/merchant/e_bills/{bill_id}` -> 200 `{"e_bill": {...}}`
/// - `POST /api/v1/merchant/e_bills/{bill_id}/ussd_push` `{payment_system_name, payer_msisdn}` -> 202 `{"message"}`
/// - `POST /api/v1/merchant/disbursements` `{payee_msisdn, amount, external_reference, payment_system_name}` -> 201
///   (200 when the same reference and details repeat an earlier payout), `GET /api/v1/merchant/disbursements/{id}`
///
/// Payer's browser: `GET /pay/{bill_id}` (the hosted page), `POST /pay/{bill_id}` (its buttons).
/// Tests: `PUT|DELETE /_sim/scenarios/{msisdn|default}`, `GET /_sim/scenarios`, `GET /_sim/bills`,
/// `GET /_sim/disbursements`, `POST /_sim/bills/{bill_id}/expire`, `POST /_sim/reset`. Also `GET /healthz`.
///
/// Errors are problem+json (400 unreadable JSON, 415 not JSON, 422 invalid fields, 401, 404, 409). Callbacks: see
/// `CallbackSigner` (signature) and `CallbackBody` (bodies); outcomes: see `EBillingSimulator`.
public enum EBillingServer {
    public typealias App = Application<RouterResponder<AppContext>>

    /// The simulator and the application serving it on `configuration.host:port`: the one function both
    /// `setrag simulate ebilling` and the tests call. `onListening` gets `http://host:port` once the port is bound.
    public static func build(
        configuration: EBillingConfiguration, httpClient: HTTPClient = .shared, logger: Logger,
        onListening: @escaping @Sendable (_ url: String) async -> Void = { _ in }
    ) -> (application: App, simulator: EBillingSimulator) {
        let simulator = EBillingSimulator(configuration: configuration, httpClient: httpClient, logger: logger)
        let router = Router(context: AppContext.self)
        router.middlewares.add(RequestIDMiddleware(maxUploadSize: 64 << 10))
        router.middlewares.add(ProblemMiddleware())
        router.middlewares.add(LimitsMiddleware())
        ServiceHTTP.addHealthRoutes(to: router, metrics: nil, checks: [])
        EBillingRoutes.add(to: router, simulator: simulator, configuration: configuration)
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                 serverName: "setrag-ebilling-simulator"),
            services: [Lifetime(simulator: simulator)],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                await simulator.serverStarted(port: port)
                let url = EBillingSimulator.url(host: configuration.host, port: port)
                logger.info("E-Billing simulator listening", metadata: ["url": "\(url)"])
                await onListening(url)
            },
            logger: logger)
        return (application, simulator)
    }

    /// Stops the simulator's timers and pending callbacks when the application shuts down.
    struct Lifetime: Service {
        let simulator: EBillingSimulator

        func run() async throws {
            try? await gracefulShutdown()
            await simulator.shutdown()
        }
    }
}
