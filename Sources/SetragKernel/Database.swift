import Foundation
import Logging
import SQLKit
import SetragMySQL

/// Where the MySQL server is and how each service reaches its own database `setrag_<service>`.
///
/// Settings: `db.host`, `db.port`, `db.socket`, `db.user` and `db.password` (an account that may create databases
/// and accounts: used by `setrag migrate`), `db.pool_size`, `db.prefix` (default `setrag`). When
/// `<service>.db.password` is set, the service connects as its own account `<prefix>_<service>`, which
/// `migrate` creates with rights on that service's database only.
public struct DatabaseSettings: Sendable {
    public var host: String
    public var port: Int
    public var socket: String?
    public var adminUser: String
    public var adminPassword: String
    public var poolSize: Int
    public var prefix: String
    public var servicePasswords: [String: String]

    public init(_ settings: Settings, services: [String]) {
        host = settings.string("db.host", default: "127.0.0.1")
        port = settings.int("db.port", default: 3306, range: 1...65535)
        socket = settings.optionalString("db.socket")
        adminUser = settings.string("db.user", default: "root")
        adminPassword = settings.optionalString("db.password", secret: true) ?? ""
        poolSize = settings.int("db.pool_size", default: 10, range: 1...500)
        prefix = settings.string("db.prefix", default: "setrag")
        if prefix.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
            settings.invalid("db.prefix", "may hold only letters, digits and _")
        }
        servicePasswords = [:]
        for service in services {
            if let password = settings.optionalString("\(service).db.password", secret: true) {
                // Account statements take no placeholders, so the password is written inline: keep it plain.
                if password.count < 16 || password.contains(where: { !($0.isLetter || $0.isNumber || "+/=_-".contains($0)) }) {
                    settings.invalid("\(service).db.password", "must be at least 16 characters of [A-Za-z0-9+/=_-]")
                }
                servicePasswords[service] = password
            }
        }
    }

    public func databaseName(_ service: String) -> String { "\(prefix)_\(service)" }

    public func adminConfiguration(database: String? = nil, maxConnections: Int = 2) -> MySQLConfiguration {
        MySQLConfiguration(host: host, port: port, unixSocket: socket, username: adminUser, password: adminPassword,
                           database: database, maxConnections: maxConnections)
    }

    public func serviceConfiguration(_ service: String) -> MySQLConfiguration {
        var configuration = adminConfiguration(database: databaseName(service), maxConnections: poolSize)
        if let password = servicePasswords[service] {
            configuration.username = databaseName(service)
            configuration.password = password
        }
        return configuration
    }

    /// Creates the service's database, and its account when it has one (idempotent).
    public func provision(_ service: String, logger: Logger) async throws {
        let name = databaseName(service)
        let password = servicePasswords[service]
        try await withAdmin(logger: logger) { admin in
            _ = try await admin.exec(SQLRaw(
                "CREATE DATABASE IF NOT EXISTS `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
            if let password {
                _ = try await admin.exec(SQLRaw("CREATE USER IF NOT EXISTS '\(name)'@'%' IDENTIFIED BY '\(password)'"))
                _ = try await admin.exec(SQLRaw("ALTER USER '\(name)'@'%' IDENTIFIED BY '\(password)'"))
                _ = try await admin.exec(SQLRaw("GRANT ALL PRIVILEGES ON `\(name)`.* TO '\(name)'@'%'"))
            }
        }
    }

    /// Runs body with a short-lived admin pool, closed afterwards whatever happens.
    func withAdmin<T: Sendable>(logger: Logger, _ body: (MySQLPool) async throws -> T) async throws -> T {
        let admin = MySQLPool(configuration: adminConfiguration(), logger: logger)
        do {
            let result = try await body(admin)
            await admin.shutdown()
            return result
        } catch {
            await admin.shutdown()
            throw error
        }
    }
}
