import Foundation
import Logging
import SQLKit
import SetragMySQL
import Synchronization
import Testing

@Suite("MySQL connection pool", .serialized)
struct MySQLPoolTests {
    /// Connections the server has open on `database` (from another connection).
    static func serverConnections(_ admin: MySQLPool, database: String) async throws -> Int {
        try await admin.count("information_schema.PROCESSLIST", where: "DB = \(bind: database)")
    }

    @Test("50 concurrent tasks over a pool of 8 all succeed with never more than 8 connections open")
    func concurrentTasks() async throws {
        try await withTestDatabase(maxConnections: 8) { pool, admin, database async throws in
            let maxOpen = Mutex(0)
            let maxServer = Mutex(0)
            let stop = Mutex(false)
            async let monitor: Void = {
                while !stop.withLock({ $0 }) {
                    let open = pool.statistics.open
                    maxOpen.withLock { $0 = max($0, open) }
                    let server = (try? await Self.serverConnections(admin, database: database)) ?? 0
                    maxServer.withLock { $0 = max($0, server) }
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }()
            let ids = try await withThrowingTaskGroup(of: UInt64.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        struct Out: Decodable { let id: UInt64; let n: Int }
                        let row = try await pool.raw("SELECT CONNECTION_ID() AS id, \(bind: index) AS n, SLEEP(0.05) AS s")
                            .first(decoding: Out.self)
                        #expect(row?.n == index)
                        return try #require(row).id
                    }
                }
                var ids: [UInt64] = []
                for try await id in group { ids.append(id) }
                return ids
            }
            stop.withLock { $0 = true }
            await monitor
            #expect(ids.count == 50)
            #expect(Set(ids).count <= 8)
            #expect(maxOpen.withLock { $0 } <= 8)
            #expect(maxServer.withLock { $0 } <= 8)
            #expect(maxServer.withLock { $0 } >= 2)
            let stats = pool.statistics
            #expect(stats.open <= 8)
            #expect(stats.inUse == 0)
            #expect(stats.waiting == 0)
            #expect(stats.idle == stats.open)
            #expect(try await Self.serverConnections(admin, database: database) == stats.open)
        }
    }

    /// Holds a connection until `release` opens; the second holder opens `holding`.
    static func hold(_ pool: MySQLPool, holders: Counter, holding: Gate, release: Gate) async throws {
        try await pool.withConnection { db in
            _ = try await db.exec(SQLRaw("SELECT 1"))
            if await holders.increment() == 2 { await holding.open() }
            await release.wait()
        }
    }

    @Test("an exhausted pool surfaces .poolTimeout after acquireTimeout")
    func acquireTimeout() async throws {
        // One second: long enough that, on a busy machine, the waiter below is still waiting when the holders
        // give their connections back; short enough to keep the test quick.
        try await withTestDatabase(maxConnections: 2, acquireTimeout: .seconds(1)) { pool, _, _ in
            let holding = Gate()
            let release = Gate()
            let holders = Counter()
            let first = Task { try await Self.hold(pool, holders: holders, holding: holding, release: release) }
            let second = Task { try await Self.hold(pool, holders: holders, holding: holding, release: release) }
            await holding.wait()
            #expect(pool.statistics.inUse == 2)
            let started = ContinuousClock.now
            let result = await outcome { try await pool.exec(SQLRaw("SELECT 1")) }
            let waited = ContinuousClock.now - started
            #expect(result.mysqlError == .poolTimeout)
            #expect(waited >= .milliseconds(950))
            #expect(waited < .seconds(5))
            #expect(pool.statistics.waiting == 0)
            // A waiter is served as soon as a connection comes back.
            async let third = outcome { try await pool.raw("SELECT 3 AS n").first(decoding: CountRow.self) }
            #expect(try await eventually { pool.statistics.waiting == 1 })
            await release.open()
            try await first.value
            try await second.value
            #expect(try await third.get()?.n == 3)
            #expect(pool.statistics.open <= 2)
        }
    }

    @Test("a killed idle connection is replaced: the next call succeeds on a new connection")
    func killedIdleConnection() async throws {
        try await withTestDatabase(maxConnections: 1) { pool, admin, _ async throws in
            let before = try await pool.connectionID()
            _ = try await admin.exec(SQLQueryString("KILL \(literal: Int(before))"))
            #expect(try await eventually {
                try await admin.count("information_schema.PROCESSLIST", where: "ID = \(bind: before)") == 0
            })
            let after = try await pool.connectionID()
            #expect(after != before)
            #expect(pool.statistics.open == 1)
        }
    }

    @Test("a connection killed while in use surfaces .connectionLost, then the pool recovers")
    func killedConnectionInUse() async throws {
        try await withTestDatabase(maxConnections: 1) { pool, admin, _ async throws in
            let result = await outcome {
                try await pool.withConnection { db in
                    let id = try await db.connectionID()
                    _ = try await admin.exec(SQLQueryString("KILL \(literal: Int(id))"))
                    let first = await outcome { try await db.exec(SQLRaw("SELECT 1")) }
                    // Never silently reconnected inside the session.
                    let second = await outcome { try await db.exec(SQLRaw("SELECT 1")) }
                    guard case .connectionLost = second.mysqlError else {
                        Issue.record("second use after the loss: \(second)")
                        return try first.get()
                    }
                    return try first.get()
                }
            }
            guard case .connectionLost = result.mysqlError else {
                Issue.record("expected .connectionLost, got \(result)")
                return
            }
            #expect(try await pool.raw("SELECT 1 AS n").first(decoding: CountRow.self)?.n == 1)
            #expect(pool.statistics.open == 1)
        }
    }

    @Test("a statement killed mid-flight (long SLEEP) surfaces .connectionLost; no connection leaks")
    func killedDuringStatement() async throws {
        try await withTestDatabase(maxConnections: 2) { pool, admin, database async throws in
            let result = await outcome {
                try await pool.withConnection { db in
                    let id = try await db.connectionID()
                    async let killer: Void = {
                        try await Task.sleep(for: .milliseconds(200))
                        _ = try await admin.exec(SQLQueryString("KILL \(literal: Int(id))"))
                    }()
                    let result = await outcome { try await db.exec(SQLRaw("SELECT SLEEP(5)")) }
                    try await killer
                    return try result.get()
                }
            }
            guard case .connectionLost = result.mysqlError else {
                Issue.record("expected .connectionLost, got \(result)")
                return
            }
            #expect(try await eventually { pool.statistics.open == 0 })
            #expect(try await pool.connectionID() > 0)
            // The killed session may linger a moment in the processlist while the server tears it down.
            #expect(try await eventually { try await Self.serverConnections(admin, database: database) == 1 })
        }
    }

    @Test("after every connection is killed (as on a server restart) calls succeed again")
    func allConnectionsKilled() async throws {
        try await withTestDatabase(maxConnections: 4) { pool, admin, database async throws in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { _ = try await pool.exec(SQLRaw("SELECT SLEEP(0.1)")) }
                }
                try await group.waitForAll()
            }
            struct ID: Decodable { let ID: UInt64 }
            let ids = try await admin.raw("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = \(bind: database)").all(decoding: ID.self)
            #expect(!ids.isEmpty)
            for id in ids {
                _ = try await admin.exec(SQLQueryString("KILL \(literal: Int(id.ID))"))
            }
            #expect(try await eventually { try await Self.serverConnections(admin, database: database) == 0 })
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let n = try await pool.raw("SELECT 1 AS n").first(decoding: CountRow.self)?.n
                        #expect(n == 1)
                    }
                }
                try await group.waitForAll()
            }
            try await pool.ping()
        }
    }

    @Test("ping, a Unix-socket pool, and shutdown: later use throws .poolClosed")
    func pingSocketAndShutdown() async throws {
        try await withTestDatabase { pool, _, database async throws in
            try await pool.ping()
            #expect(pool.statistics.open == 1)
            if let socket = MySQLTestEnvironment.socketPath {
                var configuration = MySQLTestEnvironment.configuration(database: database, maxConnections: 1)
                configuration.host = "203.0.113.1"  // unused: the socket wins
                configuration.unixSocket = socket
                let socketPool = MySQLPool(configuration: configuration, logger: MySQLTestEnvironment.logger)
                try await socketPool.ping()
                #expect(try await socketPool.raw("SELECT DATABASE() AS db").first()?.decode(column: "db", as: String.self) == database)
                await socketPool.shutdown()
                #expect(socketPool.statistics.open == 0)
                await #expect(throws: MySQLError.poolClosed) { try await socketPool.ping() }
                await #expect(throws: MySQLError.poolClosed) { try await socketPool.exec(SQLRaw("SELECT 1")) }
                await socketPool.shutdown()  // idempotent
            }
        }
    }

    @Test("connect failures surface as .connectFailed and free the slot")
    func connectFailures() async throws {
        var configuration = MySQLTestEnvironment.configuration(database: nil, maxConnections: 1)
        configuration.password = "definitely-wrong-\(UInt32.random(in: 0...UInt32.max))"
        configuration.username = "setrag_nobody"
        let pool = MySQLPool(configuration: configuration, logger: MySQLTestEnvironment.logger)
        for _ in 0..<2 {
            let result = await outcome { try await pool.ping() }
            guard case .connectFailed(let message) = result.mysqlError else {
                Issue.record("expected .connectFailed, got \(result)")
                break
            }
            #expect(message.contains("1045"))
        }
        #expect(pool.statistics.open == 0)
        await pool.shutdown()

        var closed = MySQLTestEnvironment.configuration(database: "setrag_t_mysql_missing_db", maxConnections: 1)
        closed.connectTimeout = .seconds(1)
        let missing = MySQLPool(configuration: closed, logger: MySQLTestEnvironment.logger)
        guard case .connectFailed = await outcome({ try await missing.ping() }).mysqlError else {
            Issue.record("expected .connectFailed for an unknown database")
            await missing.shutdown()
            return
        }
        await missing.shutdown()
    }

    @Test("a connection-bound handle refuses use after its body returned")
    func handleOutlivingItsScope() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            let escaped = try await pool.withConnection { db in db }
            let error = await #expect(throws: MySQLError.self) { try await escaped.exec(SQLRaw("SELECT 1")) }
            guard case .invalidUse = error else {
                Issue.record("expected .invalidUse, got \(String(describing: error))")
                return
            }
        }
    }

    @Test("withConnection keeps session state (GET_LOCK) on one connection")
    func sessionState() async throws {
        try await withTestDatabase(maxConnections: 3) { pool, _, database async throws in
            let lockName = "\(database)_lock"
            try await pool.withConnection { db in
                let got = try await db.raw("SELECT GET_LOCK(\(bind: lockName), 0) AS n").first(decoding: CountRow.self)
                #expect(got?.n == 1)
                // Another connection cannot take it meanwhile.
                let other = try await pool.raw("SELECT GET_LOCK(\(bind: lockName), 0) AS n").first(decoding: CountRow.self)
                #expect(other?.n == 0)
                let mine = try await db.raw("SELECT IS_USED_LOCK(\(bind: lockName)) = CONNECTION_ID() AS n").first(decoding: CountRow.self)
                #expect(mine?.n == 1)
                _ = try await db.exec(SQLQueryString("DO RELEASE_LOCK(\(bind: lockName))"))
            }
            // SQLKit's withSession reserves a connection the same way.
            let same = try await pool.withSession { db in
                let a = try await db.raw("SELECT CONNECTION_ID() AS n").first(decoding: CountRow.self)?.n
                let b = try await db.raw("SELECT CONNECTION_ID() AS n").first(decoding: CountRow.self)?.n
                return a == b
            }
            #expect(same)
        }
    }
}

actor Counter {
    private var value = 0
    func increment() -> Int {
        value += 1
        return value
    }
}
