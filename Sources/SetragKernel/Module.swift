import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import SetragMQTT
import SetragMySQL

/// What a module needs from the process before it can start.
public struct ModuleNeeds: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Its own database `setrag_<name>` with its migrations applied.
    public static let database = ModuleNeeds(rawValue: 1)
    /// The MQTT broker.
    public static let broker = ModuleNeeds(rawValue: 2)
}

/// A row of the module table: a module's name, what it needs, its migrations, and how it starts.
///
/// `configure` reads the module's settings (every problem is noted, none thrown) and returns the function that
/// starts it, so that the process can list all configuration problems before starting anything.
public struct ModuleDefinition: Sendable {
    public typealias Starter = @Sendable (ModuleContext) async throws -> [any Service]
    /// Loads the module's reference data (and demo data when asked); returns lines to show the person seeding.
    public typealias Seeder = @Sendable (ModuleContext, SeedOptions) async throws -> [String]
    public let name: String
    public let needs: ModuleNeeds
    public let migrations: [Migration]
    public let configure: @Sendable (Settings) -> Starter
    public let seed: Seeder?

    public init(name: String, needs: ModuleNeeds, migrations: [Migration] = [], seed: Seeder? = nil,
                configure: @escaping @Sendable (Settings) -> Starter) {
        self.name = name
        self.needs = needs
        self.migrations = migrations
        self.seed = seed
        self.configure = configure
    }
}

public struct SeedOptions: Sendable {
    /// Also create demo data (one account per role): never in production.
    public var demo: Bool
    /// The demo accounts' password; when nil a random one is made and printed once.
    public var demoPassword: String?
    public init(demo: Bool, demoPassword: String?) {
        self.demo = demo
        self.demoPassword = demoPassword
    }
}

/// Where each service listens, by name: `<service>.http.address` (host:port) and the URL others use to reach it,
/// `<service>.url`. In `all` mode everything is on 127.0.0.1 with the default ports below.
public struct ServiceEndpoints: Sendable {
    public static let defaultPorts: [String: Int] = [
        "gateway": 8080, "identity": 8101, "inventory": 8102, "booking": 8103, "payments": 8104,
        "shipping": 8105, "tracking": 8106, "notifications": 8107, "assistant": 8108, "analytics": 8109,
    ]
    public var listen: [String: (host: String, port: Int)]
    public var urls: [String: String]

    public init(_ settings: Settings) {
        listen = [:]
        urls = [:]
        for (service, port) in Self.defaultPorts {
            let address = settings.address("\(service).http.address", default: "127.0.0.1:\(port)")
            listen[service] = address
            let host = address.host == "0.0.0.0" ? "127.0.0.1" : address.host
            urls[service] = settings.string("\(service).url", default: "http://\(host):\(address.port)")
        }
    }

    public func url(_ service: String) -> String { urls[service] ?? "http://127.0.0.1:\(Self.defaultPorts[service] ?? 0)" }
}

/// Settings every service's HTTP server shares: `http.body_limit` (bytes), `http.idle_timeout` (seconds before an
/// idle connection is closed), `auth.issuer`, `auth.audience`. (Calls between services have their own deadlines:
/// the gateway's `gateway.upstream_timeout`.)
public struct KernelSettings: Sendable {
    public var bodyLimit: Int
    public var idleTimeout: Duration
    public var issuer: String
    public var audience: String
    public var environment: String

    public init(_ settings: Settings) {
        bodyLimit = settings.int("http.body_limit", default: 1 << 20, range: 1024...(64 << 20))
        idleTimeout = settings.seconds("http.idle_timeout", default: 60)
        issuer = settings.string("auth.issuer", default: "http://127.0.0.1:8080")
        audience = settings.string("auth.audience", default: "setrag-api")
        environment = settings.string("environment", default: "development")
        if !["development", "test", "production"].contains(environment) {
            settings.invalid("environment", "must be development, test or production, not \(environment)")
        }
    }

    public var isProduction: Bool { environment == "production" }
}

/// What the process gives a module when it starts it.
public struct ModuleContext: Sendable {
    public let name: String
    public let settings: Settings
    public let kernel: KernelSettings
    public let endpoints: ServiceEndpoints
    public let logger: Logger
    public let database: MySQLPool?
    public let broker: MQTTClient?
    public let httpClient: HTTPClient
    public let metrics: PrometheusCollectorRegistry
    public let verifier: AccessTokenVerifier

    public init(name: String, settings: Settings, kernel: KernelSettings, endpoints: ServiceEndpoints,
                logger: Logger, database: MySQLPool?, broker: MQTTClient?, httpClient: HTTPClient,
                metrics: PrometheusCollectorRegistry, verifier: AccessTokenVerifier) {
        self.name = name
        self.settings = settings
        self.kernel = kernel
        self.endpoints = endpoints
        self.logger = logger
        self.database = database
        self.broker = broker
        self.httpClient = httpClient
        self.metrics = metrics
        self.verifier = verifier
    }

    /// The module's database; only modules that declared `.database` may ask.
    public func requireDatabase() -> MySQLPool {
        guard let database else { preconditionFailure("module \(name) did not declare that it needs a database") }
        return database
    }

    /// The readiness checks for what the module declared it needs.
    public var readinessChecks: [ReadinessCheck] {
        var checks: [ReadinessCheck] = []
        if let database { checks.append(ReadinessCheck(name: "database") { try await database.ping() }) }
        if let broker {
            checks.append(ReadinessCheck(name: "broker") {
                guard broker.isConnected else { throw MQTTError.notConnected }
            })
        }
        return checks
    }
}
