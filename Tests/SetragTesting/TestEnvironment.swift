import Crypto
import Foundation
import Logging
import SQLKit
import SetragKernel
import SetragMySQL

/// Where the tests' private MariaDB and Mosquitto are (started by script/test; env `SETRAG_TEST_*`).
public enum TestEnvironment {
    static var env: [String: String] { ProcessInfo.processInfo.environment }

    public static var dbHost: String { env["SETRAG_TEST_DB_HOST"] ?? "127.0.0.1" }
    public static var dbPort: Int { Int(env["SETRAG_TEST_DB_PORT"] ?? "") ?? 3308 }
    public static var dbUser: String { env["SETRAG_TEST_DB_USER"] ?? "root" }
    public static var dbPassword: String { env["SETRAG_TEST_DB_PASSWORD"] ?? "" }
    public static var mqttHost: String { env["SETRAG_TEST_MQTT_HOST"] ?? "127.0.0.1" }
    public static var mqttPort: Int { Int(env["SETRAG_TEST_MQTT_PORT"] ?? "") ?? 1885 }

    public static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    public static func mysql(database: String?, maxConnections: Int = 8) -> MySQLConfiguration {
        MySQLConfiguration(host: dbHost, port: dbPort, username: dbUser, password: dbPassword, database: database,
                           maxConnections: maxConnections)
    }

    /// A fresh, empty database for one suite; drop it with `drop()`.
    public static func freshDatabase(_ label: String) async throws -> TestDatabase {
        let name = "t_\(label)_\(UInt32.random(in: 0...UInt32.max))"
        let admin = MySQLPool(configuration: mysql(database: nil, maxConnections: 1), logger: logger)
        _ = try await admin.exec(SQLRaw("CREATE DATABASE `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        await admin.shutdown()
        return TestDatabase(name: name, pool: MySQLPool(configuration: mysql(database: name), logger: logger))
    }

    /// Settings a test instance needs (keys are random per call).
    public static func settings(_ extra: [String: String] = [:]) -> Settings {
        func key() -> String { Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() }
        var values = [
            "crypto.field_keys": "1:\(key())", "crypto.lookup_key": key(), "identity.bcrypt_cost": "4",
            "environment": "test",
        ]
        values.merge(extra) { $1 }
        return Settings.values(values)
    }
}

public struct TestDatabase: Sendable {
    public let name: String
    public let pool: MySQLPool

    /// Applies migrations to this database.
    public func migrate(_ migrations: [Migration]) async throws {
        try await MigrationRunner(database: pool, migrations: migrations, logger: TestEnvironment.logger).apply()
    }

    public func drop() async {
        await pool.shutdown()
        let admin = MySQLPool(configuration: TestEnvironment.mysql(database: nil, maxConnections: 1),
                              logger: TestEnvironment.logger)
        _ = try? await admin.exec(SQLRaw("DROP DATABASE IF EXISTS `\(name)`"))
        await admin.shutdown()
    }
}

import AsyncHTTPClient
import Prometheus

extension TestEnvironment {
    /// A module context for route tests: the given settings and database, the shared HTTP client, a private
    /// metrics registry, and a verifier fed by `jwks` (identity passes its own key ring).
    public static func moduleContext(
        name: String, settings: Settings, database: MySQLPool?,
        jwks: @escaping @Sendable () async throws -> String = { "{\"keys\":[]}" }
    ) -> ModuleContext {
        let kernel = KernelSettings(settings)
        return ModuleContext(
            name: name, settings: settings, kernel: kernel, endpoints: ServiceEndpoints(settings), logger: logger,
            database: database, broker: nil, httpClient: HTTPClient.shared, metrics: PrometheusCollectorRegistry(),
            verifier: AccessTokenVerifier(issuer: kernel.issuer, audience: kernel.audience, logger: logger,
                                          refetchInterval: .zero, source: jwks))
    }
}
