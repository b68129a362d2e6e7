import Foundation
import Logging
import SQLKit
import SetragMySQL

// Usage: MySQLBench setup | select | insert
// Settings from the environment: SETRAG_DB_HOST/PORT/USER/PASSWORD, BENCH_DB (setrag_bench),
// BENCH_SECONDS (10), BENCH_TASKS (32), BENCH_POOL (32), BENCH_ROWS (10000).
let environment = ProcessInfo.processInfo.environment
func setting(_ name: String, _ fallback: String) -> String { environment[name] ?? fallback }

let database = setting("BENCH_DB", "setrag_bench")
let seconds = Double(setting("BENCH_SECONDS", "10"))!
let tasks = Int(setting("BENCH_TASKS", "32"))!
let poolSize = Int(setting("BENCH_POOL", "32"))!
let seedRows = Int(setting("BENCH_ROWS", "10000"))!
let mode = CommandLine.arguments.dropFirst().first ?? "select"

func configuration(database: String?, maxConnections: Int) -> MySQLConfiguration {
    MySQLConfiguration(
        host: setting("SETRAG_DB_HOST", "127.0.0.1"),
        port: Int(setting("SETRAG_DB_PORT", "3317"))!,
        username: setting("SETRAG_DB_USER", "root"),
        password: setting("SETRAG_DB_PASSWORD", ""),
        database: database,
        maxConnections: maxConnections
    )
}

var logger = Logger(label: "mysql-bench")
logger.logLevel = .warning

struct Sample: Sendable {
    var operations = 0
    var latencies: [Double] = []
}

/// Runs `operation` from `tasks` concurrent tasks until the deadline; returns ops/s and latency percentiles.
func measure(_ name: String, _ operation: @escaping @Sendable (Int) async throws -> Void) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    let started = ContinuousClock.now
    let samples = try await withThrowingTaskGroup(of: Sample.self) { group in
        for task in 0..<tasks {
            group.addTask {
                var sample = Sample()
                var iteration = 0
                while ContinuousClock.now < deadline {
                    let begin = ContinuousClock.now
                    try await operation(task * 1_000_000 + iteration)
                    let elapsed = ContinuousClock.now - begin
                    sample.latencies.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
                    sample.operations += 1
                    iteration += 1
                }
                return sample
            }
        }
        var all: [Sample] = []
        for try await sample in group { all.append(sample) }
        return all
    }
    let elapsed = ContinuousClock.now - started
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let total = samples.reduce(0) { $0 + $1.operations }
    let latencies = samples.flatMap(\.latencies).sorted()
    func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
    print(String(
        format: "swift-pool %@: %.0f ops/s (%d ops in %.1f s, %d tasks, pool %d; p50 %.2f ms, p99 %.2f ms)",
        name, Double(total) / wall, total, wall, tasks, poolSize, percentile(0.5), percentile(0.99)
    ))
}

switch mode {
case "setup":
    let admin = MySQLPool(configuration: configuration(database: nil, maxConnections: 1), logger: logger)
    _ = try await admin.exec(SQLQueryString("DROP DATABASE IF EXISTS \(ident: database)"))
    _ = try await admin.exec(SQLQueryString("CREATE DATABASE \(ident: database) CHARACTER SET utf8mb4"))
    await admin.shutdown()
    let pool = MySQLPool(configuration: configuration(database: database, maxConnections: 4), logger: logger)
    _ = try await pool.exec(SQLRaw("""
        CREATE TABLE bench_rows (id BIGINT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, name VARCHAR(64) NOT NULL,
                                 created DATETIME(6) NOT NULL) ENGINE=InnoDB
        """))
    _ = try await pool.exec(SQLRaw("""
        CREATE TABLE bench_inserts (id BIGINT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, name VARCHAR(64) NOT NULL,
                                    created DATETIME(6) NOT NULL) ENGINE=InnoDB
        """))
    var next = 0
    while next < seedRows {
        let batch = min(1000, seedRows - next)
        let first = next
        try await pool.withTransaction { db in
            let insert = db.insert(into: "bench_rows").columns("k", "name", "created")
            for offset in 0..<batch {
                insert.values(SQLBind(first + offset), SQLBind("gare-\(first + offset)"), SQLBind(Date()))
            }
            try await insert.run()
        }
        next += batch
    }
    await pool.shutdown()
    print("seeded \(seedRows) rows into \(database).bench_rows")

case "select":
    struct Row: Decodable { let id: Int64; let k: Int; let name: String; let created: Date }
    let pool = MySQLPool(configuration: configuration(database: database, maxConnections: poolSize), logger: logger)
    try await measure("point select") { _ in
        let id = Int.random(in: 1...seedRows)
        let row = try await pool.raw("SELECT id, k, name, created FROM bench_rows WHERE id = \(bind: id)").first(decoding: Row.self)
        precondition(row?.id == Int64(id))
    }
    await pool.shutdown()

case "insert":
    let pool = MySQLPool(configuration: configuration(database: database, maxConnections: poolSize), logger: logger)
    let now = Date()
    try await measure("single-row insert") { n in
        let result = try await pool.exec(SQLQueryString(
            "INSERT INTO bench_inserts (k, name, created) VALUES (\(bind: n), \(bind: "voyageur-\(n)"), \(bind: now))"
        ))
        precondition(result.affectedRows == 1)
    }
    await pool.shutdown()

default:
    print("usage: MySQLBench setup | select | insert")
    exit(2)
}
