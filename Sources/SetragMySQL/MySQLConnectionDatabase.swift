import Logging
import NIOCore
import SQLKit
import Synchronization

/// Valid while the `withConnection` / `withTransaction` body that received the handle runs.
final class MySQLLease: Sendable {
    private let valid = Mutex(true)

    func invalidate() { valid.withLock { $0 = false } }

    func check() throws {
        guard valid.withLock({ $0 }) else {
            throw MySQLError.invalidUse(message: "a connection-bound handle was used after its withConnection/withTransaction body returned")
        }
    }
}

/// A handle bound to one connection of the pool, given to `withConnection` / `withTransaction` bodies.
/// Statements through it run on that connection, in order (concurrent calls from child tasks are
/// serialised). `withTransaction` on a handle already inside a transaction just runs the body.
struct MySQLConnectionDatabase: MySQLDatabase {
    let pool: MySQLPool
    let connection: MySQLConnection
    let inTransaction: Bool
    let lease: MySQLLease

    init(pool: MySQLPool, connection: MySQLConnection, inTransaction: Bool, lease: MySQLLease = MySQLLease()) {
        self.pool = pool
        self.connection = connection
        self.inTransaction = inTransaction
        self.lease = lease
    }

    var logger: Logger { pool.logger }
    var eventLoop: any EventLoop { pool.eventLoop }
    var dialect: any SQLDialect { pool.dialect }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try lease.check()
        let (sql, binds) = try pool.encode(query)
        let (rows, _) = try await pool.runStatement(on: connection, sql: sql, binds: binds, collectRows: true)
        for row in rows { onRow(row) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try lease.check()
        return try await closure(self)
    }

    func exec(_ query: any SQLExpression) async throws -> MySQLExecResult {
        try lease.check()
        let (sql, binds) = try pool.encode(query)
        return try await pool.runStatement(on: connection, sql: sql, binds: binds, collectRows: false).1
    }

    func withTransaction<T: Sendable>(_ body: @Sendable (any MySQLDatabase) async throws -> T) async throws -> T {
        try lease.check()
        if inTransaction {
            return try await body(self)
        }
        let handle = MySQLConnectionDatabase(pool: pool, connection: connection, inTransaction: true, lease: lease)
        return try await pool.transaction(on: connection, handle: handle, body)
    }

    func withConnection<T: Sendable>(_ body: @Sendable (any MySQLDatabase) async throws -> T) async throws -> T {
        try lease.check()
        return try await body(self)
    }
}
