import Foundation
import Logging
import SQLKit
import SetragMySQL
import Testing

/// Connection settings from the environment set by `script/lib/services.sh` (fallback 127.0.0.1:3307 root).
enum MySQLTestEnvironment {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func configuration(
        database: String?,
        maxConnections: Int = 4,
        acquireTimeout: Duration = .seconds(10)
    ) -> MySQLConfiguration {
        MySQLConfiguration(
            host: environment["SETRAG_DB_HOST"] ?? "127.0.0.1",
            port: Int(environment["SETRAG_DB_PORT"] ?? "") ?? 3307,
            username: environment["SETRAG_DB_USER"] ?? "root",
            password: environment["SETRAG_DB_PASSWORD"] ?? "",
            database: database,
            maxConnections: maxConnections,
            acquireTimeout: acquireTimeout
        )
    }

    static var socketPath: String? {
        guard let path = environment["SETRAG_DB_SOCKET"], FileManager.default.fileExists(atPath: path) else { return nil }
        return path
    }

    static var logger: Logger {
        var logger = Logger(label: "setrag.mysql.tests")
        logger.logLevel = environment["SETRAG_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }
}

/// A fresh database `setrag_t_mysql_<random>` with a pool on it; dropped afterwards, whatever happens.
/// `admin` is a separate one-connection pool (no default schema) for KILL, PROCESSLIST and such.
func withTestDatabase<T: Sendable>(
    maxConnections: Int = 4,
    acquireTimeout: Duration = .seconds(10),
    _ body: (_ pool: MySQLPool, _ admin: MySQLPool, _ database: String) async throws -> T
) async throws -> T {
    let name = "setrag_t_mysql_" + String(UInt64.random(in: 0..<UInt64.max), radix: 36)
    let admin = MySQLPool(configuration: MySQLTestEnvironment.configuration(database: nil, maxConnections: 2), logger: MySQLTestEnvironment.logger)
    _ = try await admin.exec(SQLQueryString("CREATE DATABASE \(ident: name) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    let pool = MySQLPool(
        configuration: MySQLTestEnvironment.configuration(database: name, maxConnections: maxConnections, acquireTimeout: acquireTimeout),
        logger: MySQLTestEnvironment.logger
    )
    let outcome: Result<T, any Error>
    do {
        outcome = .success(try await body(pool, admin, name))
    } catch {
        outcome = .failure(error)
    }
    await pool.shutdown()
    _ = try? await admin.exec(SQLQueryString("DROP DATABASE IF EXISTS \(ident: name)"))
    await admin.shutdown()
    return try outcome.get()
}

/// The result of an async throwing call, to inspect errors of concurrent work.
func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

extension Result {
    var mysqlError: MySQLError? {
        if case .failure(let error) = self { return error as? MySQLError }
        return nil
    }

    var succeeded: Bool {
        if case .success = self { return true }
        return false
    }
}

/// A one-shot gate: `wait()` suspends until `open()` (immediately once open).
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}

/// Polls `condition` every 20 ms until true or `timeout`.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

struct CountRow: Decodable { let n: Int }

extension SQLDatabase {
    func count(_ table: String, where condition: SQLQueryString = "1 = 1") async throws -> Int {
        try await raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table) WHERE \(condition)").first(decoding: CountRow.self)?.n ?? -1
    }

    func connectionID() async throws -> UInt64 {
        try await raw("SELECT CONNECTION_ID() AS id").first()!.decode(column: "id", as: UInt64.self)
    }
}
