import Foundation
import SQLKit
import SetragMySQL
import Testing

@Suite("MySQL transactions, affected rows and typed errors", .serialized)
struct MySQLTransactionTests {
    struct Boom: Error {}

    static func createAccounts(_ pool: MySQLPool) async throws {
        _ = try await pool.exec(SQLRaw("CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL) ENGINE=InnoDB"))
        _ = try await pool.exec(SQLRaw("INSERT INTO accounts VALUES (1, 0), (2, 0)"))
    }

    @Test("a committed transaction is visible to other connections")
    func commitIsVisible() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            try await Self.createAccounts(pool)
            let value = try await pool.withTransaction { db in
                _ = try await db.exec(SQLQueryString("UPDATE accounts SET balance = \(bind: 100) WHERE id = 1"))
                _ = try await db.exec(SQLQueryString("INSERT INTO accounts VALUES (\(bind: 3), \(bind: 7))"))
                return try await db.count("accounts")
            }
            #expect(value == 3)
            #expect(try await pool.count("accounts", where: "balance = 100") == 1)
            #expect(try await pool.withConnection { try await $0.count("accounts") } == 3)
        }
    }

    @Test("a throwing body rolls back and rethrows")
    func rollbackOnThrow() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            try await Self.createAccounts(pool)
            await #expect(throws: Boom.self) {
                try await pool.withTransaction { db in
                    _ = try await db.exec(SQLQueryString("INSERT INTO accounts VALUES (\(bind: 3), 0)"))
                    // Nested call: same transaction, no savepoint.
                    try await db.withTransaction { inner in
                        _ = try await inner.exec(SQLRaw("INSERT INTO accounts VALUES (4, 0)"))
                    }
                    #expect(try await db.count("accounts") == 4)
                    throw Boom()
                }
            }
            #expect(try await pool.count("accounts") == 2)
            // The connection went back clean: the next transaction works.
            try await pool.withTransaction { db in
                _ = try await db.exec(SQLRaw("INSERT INTO accounts VALUES (5, 0)"))
            }
            #expect(try await pool.count("accounts") == 3)
        }
    }

    @Test("a transaction left open in withConnection is rolled back before reuse")
    func openTransactionInReservedConnection() async throws {
        try await withTestDatabase(maxConnections: 1) { pool, _, _ async throws in
            try await Self.createAccounts(pool)
            try await pool.withConnection { db in
                _ = try await db.exec(SQLRaw("START TRANSACTION"))
                _ = try await db.exec(SQLRaw("DELETE FROM accounts"))
            }
            #expect(try await pool.count("accounts") == 2)
        }
    }

    @Test("affected rows of a conditional UPDATE count rows actually changed; lastInsertID")
    func affectedRows() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            _ = try await pool.exec(SQLRaw("""
                CREATE TABLE seats (id INT AUTO_INCREMENT PRIMARY KEY, state VARCHAR(10) NOT NULL, holder VARCHAR(20) NULL)
                """))
            let first = try await pool.exec(SQLRaw("INSERT INTO seats (state) VALUES ('free'), ('free'), ('free')"))
            #expect(first == MySQLExecResult(affectedRows: 3, lastInsertID: 1))
            let single = try await pool.exec(SQLQueryString("INSERT INTO seats (state) VALUES (\(bind: "free"))"))
            #expect(single.lastInsertID == 4)

            func book(_ id: Int, for holder: String) -> SQLUpdateBuilder {
                pool.update("seats").set("state", to: "booked").set("holder", to: holder)
                    .where("id", .equal, id).where("state", .equal, "free")
            }
            #expect(try await pool.exec(book(2, for: "ada").query).affectedRows == 1)
            #expect(try await pool.exec(book(2, for: "bob").query).affectedRows == 0)
            // Matching rows whose values do not change count 0 (CLIENT_FOUND_ROWS is not set).
            let same = try await pool.exec(SQLRaw("UPDATE seats SET state = 'free' WHERE state = 'free'"))
            #expect(same.affectedRows == 0)
            let freed = try await pool.exec(SQLRaw("UPDATE seats SET state = 'free', holder = NULL"))
            #expect(freed.affectedRows == 1)
            #expect(try await pool.exec(SQLQueryString("DELETE FROM seats WHERE id > \(bind: 2)")).affectedRows == 2)
        }
    }

    @Test("a duplicate key surfaces as .duplicateKey")
    func duplicateKey() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            try await Self.createAccounts(pool)
            let error = await #expect(throws: MySQLError.self) {
                try await pool.exec(SQLQueryString("INSERT INTO accounts VALUES (\(bind: 1), 5)"))
            }
            guard case .duplicateKey(let message) = error else {
                Issue.record("expected .duplicateKey, got \(String(describing: error))")
                return
            }
            #expect(message.contains("PRIMARY"))
            // Inside a transaction the error propagates out of withTransaction and nothing stays.
            await #expect(throws: MySQLError.self) {
                try await pool.withTransaction { db in
                    _ = try await db.exec(SQLRaw("INSERT INTO accounts VALUES (9, 0)"))
                    _ = try await db.exec(SQLRaw("INSERT INTO accounts VALUES (2, 0)"))
                }
            }
            #expect(try await pool.count("accounts") == 2)
        }
    }

    /// Two transactions lock rows 1 and 2 in opposite order.
    static func crossedTransactions(_ pool: MySQLPool, retrying: Bool) async -> [Result<Void, any Error>] {
        let firstLocked = Gate()
        let secondLocked = Gate()
        @Sendable func a() async throws {
            try await pool.withTransaction { db in
                _ = try await db.exec(SQLRaw("UPDATE accounts SET balance = balance + 1 WHERE id = 1"))
                await firstLocked.open()
                await secondLocked.wait()
                _ = try await db.exec(SQLRaw("UPDATE accounts SET balance = balance + 1 WHERE id = 2"))
            }
        }
        @Sendable func b() async throws {
            try await pool.withTransaction { db in
                await firstLocked.wait()
                _ = try await db.exec(SQLRaw("UPDATE accounts SET balance = balance + 10 WHERE id = 2"))
                await secondLocked.open()
                try await Task.sleep(for: .milliseconds(300))  // let A block on row 2
                _ = try await db.exec(SQLRaw("UPDATE accounts SET balance = balance + 10 WHERE id = 1"))
            }
        }
        async let resultA = outcome { retrying ? try await retryingDeadlocks { try await a() } : try await a() }
        async let resultB = outcome { retrying ? try await retryingDeadlocks { try await b() } : try await b() }
        return await [resultA, resultB]
    }

    @Test("a provoked deadlock surfaces as .deadlock; retryingDeadlocks makes both succeed")
    func deadlock() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            try await Self.createAccounts(pool)
            let results = await Self.crossedTransactions(pool, retrying: false)
            #expect(results.filter(\.succeeded).count == 1)
            #expect(results.compactMap(\.mysqlError) == [.deadlock])
            struct Account: Decodable, Equatable { let id: Int; let balance: Int }
            let afterOne = try await pool.select().columns("id", "balance").from("accounts").orderBy("id").all(decoding: Account.self)
            #expect(afterOne == [Account(id: 1, balance: 1), Account(id: 2, balance: 1)]
                || afterOne == [Account(id: 1, balance: 10), Account(id: 2, balance: 10)])

            _ = try await pool.exec(SQLRaw("UPDATE accounts SET balance = 0"))
            let retried = await Self.crossedTransactions(pool, retrying: true)
            let allSucceeded = retried.allSatisfy { $0.succeeded }
            #expect(allSucceeded)
            let afterBoth = try await pool.select().columns("id", "balance").from("accounts").orderBy("id").all(decoding: Account.self)
            #expect(afterBoth == [Account(id: 1, balance: 11), Account(id: 2, balance: 11)])
        }
    }

    @Test("retryingDeadlocks gives up after maxAttempts and leaves other errors alone")
    func retryLimits() async throws {
        let attempts = AttemptCounter()
        await #expect(throws: MySQLError.deadlock) {
            try await retryingDeadlocks(maxAttempts: 3) {
                await attempts.increment()
                throw MySQLError.deadlock
            }
        }
        #expect(await attempts.value == 3)
        await #expect(throws: MySQLError.poolTimeout) {
            try await retryingDeadlocks {
                await attempts.increment()
                throw MySQLError.poolTimeout
            }
        }
        #expect(await attempts.value == 4)
        let value = try await retryingDeadlocks { () async throws -> Int in
            await attempts.increment()
            if await attempts.value < 6 { throw MySQLError.lockWaitTimeout }
            return 42
        }
        #expect(value == 42)
    }

    @Test("waiting on a row lock past innodb_lock_wait_timeout surfaces as .lockWaitTimeout")
    func lockWaitTimeout() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            try await Self.createAccounts(pool)
            let locked = Gate()
            let done = Gate()
            async let holder: Void = pool.withTransaction { db in
                _ = try await db.raw("SELECT balance FROM accounts WHERE id = 1 FOR UPDATE").all()
                await locked.open()
                await done.wait()
            }
            await locked.wait()
            let started = ContinuousClock.now
            let result = await outcome {
                try await pool.withConnection { db in
                    _ = try await db.exec(SQLRaw("SET SESSION innodb_lock_wait_timeout = 1"))
                    let result = await outcome { try await db.exec(SQLRaw("UPDATE accounts SET balance = 5 WHERE id = 1")) }
                    _ = try await db.exec(SQLRaw("SET SESSION innodb_lock_wait_timeout = DEFAULT"))
                    return try result.get()
                }
            }
            await done.open()
            try await holder
            #expect(result.mysqlError == .lockWaitTimeout)
            #expect(ContinuousClock.now - started >= .milliseconds(900))
            #expect(try await pool.count("accounts", where: "balance = 5") == 0)
        }
    }
}

actor AttemptCounter {
    private(set) var value = 0
    func increment() { value += 1 }
}
