import AsyncHTTPClient
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import SetragMQTT
import SetragMySQL

/// Assembles the selected modules into one process: reads and checks every setting, opens each module's
/// database and the broker, checks migrations, starts the modules, and runs them until SIGTERM/SIGINT.
public struct Platform: Sendable {
    public let modules: [ModuleDefinition]
    public let settings: Settings
    public let logger: Logger
    public let metrics: PrometheusCollectorRegistry

    /// `all` or a comma list of module names from the table.
    public static func select(_ table: [ModuleDefinition], targets: String) throws -> [ModuleDefinition] {
        let names = targets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if names == ["all"] { return table }
        let unknown = names.filter { name in !table.contains { $0.name == name } }
        guard unknown.isEmpty, !names.isEmpty else {
            throw PlatformError.unknownTargets(unknown, known: table.map(\.name))
        }
        return table.filter { names.contains($0.name) }
    }

    public init(modules: [ModuleDefinition], settings: Settings, logger: Logger, metrics: PrometheusCollectorRegistry) {
        self.modules = modules
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
    }

    /// The platform's broker connection: `mqtt.host`, `mqtt.port`, `mqtt.client_id`, `mqtt.username`,
    /// `mqtt.password`, `mqtt.keep_alive`.
    public static func brokerConfiguration(_ settings: Settings) -> MQTTConfiguration {
        var mqtt = MQTTConfiguration(
            clientID: settings.string("mqtt.client_id", default: "setrag-\(ProcessInfo.processInfo.processIdentifier)"),
            host: settings.string("mqtt.host", default: "127.0.0.1"),
            port: settings.int("mqtt.port", default: 1883, range: 1...65535),
            username: settings.optionalString("mqtt.username"),
            password: settings.optionalString("mqtt.password", secret: true))
        mqtt.keepAlive = settings.int("mqtt.keep_alive", default: 30, range: 5...3600)
        return mqtt
    }

    struct Prepared {
        let kernel: KernelSettings
        let endpoints: ServiceEndpoints
        let database: DatabaseSettings
        let broker: MQTTConfiguration?
        let starters: [(ModuleDefinition, ModuleDefinition.Starter)]
        let autoMigrate: Bool
    }

    /// Reads every setting of the process and of each module, then fails with all problems at once.
    func prepare() throws -> Prepared {
        let kernel = KernelSettings(settings)
        let endpoints = ServiceEndpoints(settings)
        let database = DatabaseSettings(settings, services: modules.map(\.name))
        var broker: MQTTConfiguration?
        if modules.contains(where: { $0.needs.contains(.broker) }) {
            broker = Self.brokerConfiguration(settings)
        }
        let autoMigrate = settings.bool("db.auto_migrate", default: false)
        let starters = modules.map { ($0, $0.configure(settings)) }
        try settings.validate()
        return Prepared(kernel: kernel, endpoints: endpoints, database: database, broker: broker, starters: starters,
                        autoMigrate: autoMigrate)
    }

    /// Runs body with the shared resources open, and closes them afterwards whatever happens.
    func withResources<T>(
        _ prepared: Prepared, connectBroker: Bool,
        _ body: (HTTPClient, MQTTClient?, [String: MySQLPool], AccessTokenVerifier) async throws -> T
    ) async throws -> T {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var pools: [String: MySQLPool] = [:]
        for module in modules where module.needs.contains(.database) {
            pools[module.name] = MySQLPool(configuration: prepared.database.serviceConfiguration(module.name),
                                           logger: logger)
        }
        var broker: MQTTClient?
        let jwksURL = prepared.endpoints.url("identity") + "/.well-known/jwks.json"
        let verifier = AccessTokenVerifier(issuer: prepared.kernel.issuer, audience: prepared.kernel.audience,
                                           logger: logger) {
            let response = try await http.execute(HTTPClientRequest(url: jwksURL), timeout: .seconds(5))
            guard response.status == .ok else { throw PlatformError.jwksUnavailable(Int(response.status.code)) }
            let body = try await response.body.collect(upTo: 1 << 20)
            return String(buffer: body)
        }
        func close() async {
            for pool in pools.values { await pool.shutdown() }
            await broker?.disconnect()
            try? await http.shutdown()
        }
        do {
            if connectBroker, let configuration = prepared.broker {
                let client = MQTTClient(configuration: configuration, logger: logger)
                try await client.connect()
                broker = client
            }
            let result = try await body(http, broker, pools, verifier)
            await close()
            return result
        } catch {
            await close()
            throw error
        }
    }

    func context(_ module: ModuleDefinition, _ prepared: Prepared, http: HTTPClient, broker: MQTTClient?,
                 pools: [String: MySQLPool], verifier: AccessTokenVerifier) -> ModuleContext {
        var moduleLogger = logger
        moduleLogger[metadataKey: "module"] = .string(module.name)
        return ModuleContext(
            name: module.name, settings: settings, kernel: prepared.kernel, endpoints: prepared.endpoints,
            logger: moduleLogger, database: pools[module.name],
            broker: module.needs.contains(.broker) ? broker : nil, httpClient: http, metrics: metrics,
            verifier: verifier)
    }

    /// Runs `body` with the first module's context open (its database, the broker unless `connectBroker` is false,
    /// the HTTP client), for tools that act as that module (the train simulator registers its trackers in tracking's
    /// database; `setrag mqtt-auth write` writes the broker's logins, which the broker may need before anyone can
    /// log in).
    public func withContext<T>(connectBroker: Bool = true, _ body: (ModuleContext) async throws -> T) async throws
        -> T
    {
        let prepared = try prepare()
        return try await withResources(prepared, connectBroker: connectBroker) { http, broker, pools, verifier in
            try await checkMigrations(prepared, pools: pools)
            let module = modules[0]
            return try await body(context(module, prepared, http: http, broker: broker, pools: pools,
                                          verifier: verifier))
        }
    }

    /// Creates each module's database (and account) and applies its migrations.
    public func migrate() async throws -> [String] {
        let prepared = try prepare()
        for module in modules where module.needs.contains(.database) {
            try await prepared.database.provision(module.name, logger: logger)
        }
        return try await withResources(prepared, connectBroker: false) { _, _, pools, _ in
            var lines: [String] = []
            for module in modules where module.needs.contains(.database) {
                let applied = try await MigrationRunner(database: pools[module.name]!, migrations: module.migrations,
                                                        logger: logger).apply()
                lines.append("\(module.name): \(applied.isEmpty ? "up to date" : "applied " + applied.joined(separator: ", "))")
            }
            return lines
        }
    }

    public func seed(_ options: SeedOptions) async throws -> [String] {
        let prepared = try prepare()
        return try await withResources(prepared, connectBroker: false) { http, broker, pools, verifier in
            try await checkMigrations(prepared, pools: pools)
            var lines: [String] = []
            for module in modules {
                guard let seed = module.seed else { continue }
                lines += try await seed(context(module, prepared, http: http, broker: broker, pools: pools,
                                                verifier: verifier), options)
            }
            return lines
        }
    }

    func checkMigrations(_ prepared: Prepared, pools: [String: MySQLPool]) async throws {
        var missing: [String] = []
        for module in modules where module.needs.contains(.database) {
            let runner = MigrationRunner(database: pools[module.name]!, migrations: module.migrations, logger: logger)
            let pending: [String]
            do {
                pending = try await runner.pending()
            } catch MySQLError.server(code: 1049, _, _) {
                missing.append("the database \(prepared.database.databaseName(module.name)) does not exist")
                continue
            } catch MySQLError.connectFailed(let message) {
                // Unknown database or account: both are made by `migrate`.
                missing.append("\(module.name) cannot reach its database \(prepared.database.databaseName(module.name)): \(message)")
                continue
            }
            if !pending.isEmpty { missing.append(MigrationError.pending(service: module.name, names: pending).description) }
        }
        if !missing.isEmpty { throw PlatformError.unmigrated(missing) }
    }

    /// Starts every selected module and runs until a shutdown signal.
    public func serve() async throws {
        let prepared = try prepare()
        if prepared.autoMigrate {
            for module in modules where module.needs.contains(.database) {
                try await prepared.database.provision(module.name, logger: logger)
            }
        }
        try await withResources(prepared, connectBroker: true) { http, broker, pools, verifier in
            if prepared.autoMigrate {
                for module in modules where module.needs.contains(.database) {
                    try await MigrationRunner(database: pools[module.name]!, migrations: module.migrations,
                                              logger: logger).apply()
                }
            }
            try await checkMigrations(prepared, pools: pools)
            var services: [any Service] = []
            for (module, start) in prepared.starters {
                services += try await start(context(module, prepared, http: http, broker: broker, pools: pools,
                                                    verifier: verifier))
            }
            logger.info("starting", metadata: ["modules": "\(modules.map(\.name).joined(separator: ","))"])
            let group = ServiceGroup(configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

public enum PlatformError: Error, CustomStringConvertible {
    case unknownTargets([String], known: [String])
    case unmigrated([String])
    case jwksUnavailable(Int)

    public var description: String {
        switch self {
        case .unknownTargets(let names, let known):
            return "unknown target(s) \(names.joined(separator: ", ")); known: all, \(known.joined(separator: ", "))"
        case .unmigrated(let lines):
            return "the database is not migrated:\n" + lines.map { "  - \($0)" }.joined(separator: "\n")
                + "\nrun `setrag migrate`, or set SETRAG_DB_AUTO_MIGRATE=true"
        case .jwksUnavailable(let status):
            return "identity's key set answered \(status)"
        }
    }
}
