import Foundation
import SQLKit
import SetragMySQL
import Testing

/// A throwaway MariaDB server on a Unix socket only (no TCP port to collide with), in a temporary directory.
final class ScratchMariaDB: Sendable {
    static let serverBinary = ["/usr/sbin/mariadbd", "/usr/bin/mariadbd"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let installBinary = ["/usr/bin/mariadb-install-db", "/usr/sbin/mariadb-install-db"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var available: Bool { serverBinary != nil && installBinary != nil }

    let directory: String
    var socket: String { directory + "/s.sock" }
    private let process = LockedProcess()

    init() throws {
        directory = FileManager.default.temporaryDirectory.path + "/setrag-mysql-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let install = Process()
        install.executableURL = URL(fileURLWithPath: Self.installBinary!)
        install.arguments = [
            "--no-defaults", "--datadir=\(directory)/data", "--auth-root-authentication-method=normal", "--skip-test-db",
        ]
        install.standardOutput = FileHandle.nullDevice
        install.standardError = FileHandle.nullDevice
        try install.run()
        install.waitUntilExit()
        guard install.terminationStatus == 0 else { throw ScratchError("mariadb-install-db failed") }
    }

    func start() throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Self.serverBinary!)
        server.arguments = [
            "--no-defaults", "--user=root", "--datadir=\(directory)/data", "--socket=\(socket)", "--skip-networking",
            "--pid-file=\(directory)/server.pid", "--log-error=\(directory)/error.log",
            "--innodb-buffer-pool-size=32M", "--character-set-server=utf8mb4",
        ]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        process.set(server)
    }

    /// SIGTERM and wait for the server to exit.
    func stop() async throws {
        guard let server = process.take() else { return }
        server.terminate()
        let deadline = ContinuousClock.now + .seconds(30)
        while server.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits until a fresh connection can ping the server.
    func waitUntilReady() async throws {
        var configuration = MySQLTestEnvironment.configuration(database: nil, maxConnections: 1)
        configuration.unixSocket = socket
        configuration.password = ""
        configuration.username = "root"
        let probe = MySQLPool(configuration: configuration, logger: MySQLTestEnvironment.logger)
        let deadline = ContinuousClock.now + .seconds(30)
        var ready = false
        while !ready, ContinuousClock.now < deadline {
            ready = (try? await probe.ping()) != nil
            if !ready { try? await Task.sleep(for: .milliseconds(50)) }
        }
        await probe.shutdown()
        if !ready { throw ScratchError("scratch MariaDB did not start") }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct ScratchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A `Process` behind a lock, so the scratch server object can be `Sendable`.
final class LockedProcess: @unchecked Sendable {
    private let lock = NSLock()
    private var process: Process?

    func set(_ process: Process) { lock.withLock { self.process = process } }
    func take() -> Process? { lock.withLock { defer { process = nil }; return process } }
}

@Suite("MySQL pool across a server restart", .serialized, .enabled(if: ScratchMariaDB.available))
struct MySQLRestartTests {
    @Test("the pool fails cleanly while the server is down and recovers once it is back")
    func serverRestart() async throws {
        let server = try ScratchMariaDB()
        defer { server.remove() }
        try server.start()
        do {
            try await server.waitUntilReady()
            var configuration = MySQLTestEnvironment.configuration(database: nil, maxConnections: 3, acquireTimeout: .seconds(5))
            configuration.unixSocket = server.socket
            configuration.username = "root"
            configuration.password = ""
            configuration.connectTimeout = .seconds(2)
            let pool = MySQLPool(configuration: configuration, logger: MySQLTestEnvironment.logger)

            // Open three connections.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 { group.addTask { _ = try await pool.exec(SQLRaw("SELECT SLEEP(0.1)")) } }
                try await group.waitForAll()
            }
            #expect(pool.statistics.open == 3)
            _ = try await pool.exec(SQLRaw("CREATE DATABASE restart_check"))
            _ = try await pool.exec(SQLRaw("CREATE TABLE restart_check.t (id INT PRIMARY KEY)"))

            try await server.stop()
            let down = await outcome { try await pool.exec(SQLRaw("INSERT INTO restart_check.t VALUES (1)")) }
            switch down.mysqlError {
            case .connectFailed?, .connectionLost?: break
            default: Issue.record("expected .connectFailed or .connectionLost while down, got \(down)")
            }

            try server.start()
            try await server.waitUntilReady()
            // Every call succeeds at the first try: dead idle connections are replaced before use.
            for id in 2...7 {
                _ = try await pool.exec(SQLQueryString("INSERT INTO restart_check.t VALUES (\(bind: id))"))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 { group.addTask { _ = try await pool.exec(SQLRaw("SELECT SLEEP(0.05)")) } }
                try await group.waitForAll()
            }
            #expect(try await pool.count("restart_check.t") == 6)
            #expect(pool.statistics.open <= 3)
            try await pool.ping()
            await pool.shutdown()
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }
}
