import Logging
import NIOCore
import NIOPosix
import SQLKit
import Synchronization

/// Both the pool and a connection-bound handle (inside a transaction) conform.
public protocol MySQLDatabase: SQLDatabase {
    /// Runs one statement (values bound through a prepared statement), returns affected rows / last insert id.
    func exec(_ query: any SQLExpression) async throws -> MySQLExecResult
    /// Runs body on ONE connection inside BEGIN/COMMIT; rolls back if body throws (and rethrows).
    /// Nested calls on a connection-bound handle just run body (no nested transaction).
    func withTransaction<T: Sendable>(_ body: @Sendable (any MySQLDatabase) async throws -> T) async throws -> T
    /// Runs body with one connection reserved (for session state, e.g. GET_LOCK).
    func withConnection<T: Sendable>(_ body: @Sendable (any MySQLDatabase) async throws -> T) async throws -> T
}

/// A pool of MariaDB / MySQL connections over MariaDB Connector/C, usable as a SQLKit `SQLDatabase`.
///
/// - Connections open lazily, up to `maxConnections`; callers beyond that wait up to `acquireTimeout`
///   (then ``MySQLError/poolTimeout``).
/// - Every statement is a server-side prepared statement (cached per connection for SELECT / INSERT /
///   UPDATE / DELETE / REPLACE / WITH); values are always bound, never spliced into the SQL text.
/// - Connector/C blocks: all its calls run on the pool's own `NIOThreadPool` (one thread per connection),
///   never on event loops nor on Swift's cooperative threads. A connection is used by one thread at a time.
/// - Sessions use utf8mb4 and `time_zone = '+00:00'`; the client does not set `CLIENT_FOUND_ROWS`
///   (affected rows = rows actually changed) nor `CLIENT_MULTI_STATEMENTS`; auto-reconnect is off.
/// - A connection that fails with a lost-connection error is discarded and the error surfaces as
///   ``MySQLError/connectionLost(message:)`` (the statement is never retried behind the caller's back);
///   the next call gets a fresh connection. Idle connections are checked before reuse (closed socket →
///   reconnect; idle for more than 3 s → `mysql_ping`), so a server restart or a `KILL` of an idle
///   connection costs no failed call.
/// - SQL text is logged at debug level; bound values never are.
/// - Call ``shutdown()`` before dropping the pool.
///
/// Bound values (SQLKit binds): integers of every width, `Bool` (0/1), `Double`, `Float`, `String`,
/// `Decimal` (text), `Date` (`DATETIME(6)`, UTC, microseconds), `Data` / `[UInt8]` (binary; values of 256 KiB
/// and more are streamed with `mysql_stmt_send_long_data`; a value over the server's `max_allowed_packet`
/// is refused with ``MySQLError/encoding(message:)`` before anything is sent), `UUID` as its 36-character
/// lowercase text (store it in `CHAR(36)` or MariaDB's `UUID`; reading also accepts 16 raw bytes from
/// `BINARY(16)`), `nil` as NULL, single-value types (`RawRepresentable` enums, ID wrappers) as their value,
/// any other `Encodable` as JSON text. Rows decode as described on ``MySQLRow``.
public final class MySQLPool: MySQLDatabase, Sendable {
    public let logger: Logger
    public let eventLoop: any EventLoop
    public var dialect: any SQLDialect { MySQLDialect() }

    let configuration: MySQLConfiguration
    private let settings: MySQLConnectSettings
    private let threadPool: NIOThreadPool
    private let state: Mutex<PoolState>
    private let waiterIDs = Atomic<Int>(0)

    /// Lazy: no connection is opened until the first use.
    public init(configuration: MySQLConfiguration, logger: Logger) {
        precondition(configuration.maxConnections >= 1, "maxConnections must be at least 1")
        self.configuration = configuration
        self.logger = logger
        self.settings = MySQLConnectSettings(configuration)
        self.eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.maxConnections)
        self.threadPool.start()
        self.state = Mutex(PoolState())
    }

    deinit {
        let closed = state.withLock { $0.closed }
        if !closed {
            threadPool.shutdownGracefully { _ in }
        }
    }

    /// Open, idle, in-use connections and waiting callers.
    public var statistics: MySQLPoolStatistics {
        state.withLock { s in
            MySQLPoolStatistics(open: s.open, idle: s.idle.count, inUse: s.open - s.idle.count, waiting: s.waiters.count)
        }
    }

    /// Acquires a connection and pings the server (for readiness probes).
    public func ping() async throws {
        try await withLease { connection in
            try await self.run(on: connection) { try $0.ping() }
        }
    }

    /// Closes every connection (waiting for those lent out to come back); later use throws
    /// ``MySQLError/poolClosed``. Waiting callers get ``MySQLError/poolClosed`` at once.
    public func shutdown() async {
        let (idle, waiters, first) = state.withLock { s in
            let first = !s.closed
            s.closed = true
            let idle = s.idle
            let waiters = s.waiters
            s.idle.removeAll()
            s.waiters.removeAll()
            return (idle, waiters, first)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: MySQLError.poolClosed)
        }
        for connection in idle {
            discard(connection)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s in
                if s.open == 0 { return true }
                s.shutdownWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
        if first {
            try? await threadPool.shutdownGracefully()
            logger.debug("mysql pool shut down")
        }
    }

    // MARK: SQLDatabase

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let (sql, binds) = try encode(query)
        let rows = try await withLease { connection in
            try await self.runStatement(on: connection, sql: sql, binds: binds, collectRows: true).0
        }
        for row in rows { onRow(row) }
    }

    /// Runs the closure with one connection reserved (same as ``withConnection(_:)``).
    public func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let connection = try await acquire()
        let handle = MySQLConnectionDatabase(pool: self, connection: connection, inTransaction: false)
        do {
            let result = try await closure(handle)
            handle.lease.invalidate()
            await endSession(on: connection)
            release(connection)
            return result
        } catch {
            handle.lease.invalidate()
            await endSession(on: connection)
            release(connection)
            throw error
        }
    }

    // MARK: MySQLDatabase

    public func exec(_ query: any SQLExpression) async throws -> MySQLExecResult {
        let (sql, binds) = try encode(query)
        return try await withLease { connection in
            try await self.runStatement(on: connection, sql: sql, binds: binds, collectRows: false).1
        }
    }

    public func withTransaction<T: Sendable>(_ body: @Sendable (any MySQLDatabase) async throws -> T) async throws -> T {
        try await withLease { connection in
            let handle = MySQLConnectionDatabase(pool: self, connection: connection, inTransaction: true)
            defer { handle.lease.invalidate() }
            return try await self.transaction(on: connection, handle: handle, body)
        }
    }

    public func withConnection<T: Sendable>(_ body: @Sendable (any MySQLDatabase) async throws -> T) async throws -> T {
        try await withLease { connection in
            let handle = MySQLConnectionDatabase(pool: self, connection: connection, inTransaction: false)
            defer { handle.lease.invalidate() }
            do {
                let result = try await body(handle)
                await self.endSession(on: connection)
                return result
            } catch {
                await self.endSession(on: connection)
                throw error
            }
        }
    }

    // MARK: Internals shared with the connection-bound handle

    func encode(_ query: any SQLExpression) throws -> (String, [MySQLBindValue]) {
        let (sql, binds) = serialize(query)
        return (sql, try binds.map { try MySQLBindEncoding.encode($0) })
    }

    func runStatement(
        on connection: MySQLConnection, sql: String, binds: [MySQLBindValue], collectRows: Bool
    ) async throws -> ([MySQLRow], MySQLExecResult) {
        logger.debug("\(sql)", metadata: ["mysql.connection": "\(connection.number)"])
        do {
            return try await run(on: connection) { session in
                try session.execute(sql: sql, binds: binds, collectRows: collectRows)
            }
        } catch let error as MySQLError {
            switch error {
            case .connectionLost, .connectFailed:
                logger.warning("mysql: \(error)", metadata: ["mysql.connection": "\(connection.number)"])
            default:
                break
            }
            throw error
        }
    }

    /// BEGIN, body, COMMIT on one connection; ROLLBACK (and rethrow) if body or COMMIT throws.
    func transaction<T: Sendable>(
        on connection: MySQLConnection,
        handle: MySQLConnectionDatabase,
        _ body: @Sendable (any MySQLDatabase) async throws -> T
    ) async throws -> T {
        logger.debug("START TRANSACTION", metadata: ["mysql.connection": "\(connection.number)"])
        try await run(on: connection) { session in
            try session.ensureUsable()
            try session.query("START TRANSACTION")
        }
        let result: T
        do {
            result = try await body(handle)
            logger.debug("COMMIT", metadata: ["mysql.connection": "\(connection.number)"])
            try await run(on: connection) { try $0.query("COMMIT") }
        } catch {
            await rollback(on: connection)
            throw error
        }
        return result
    }

    func rollback(on connection: MySQLConnection) async {
        logger.debug("ROLLBACK", metadata: ["mysql.connection": "\(connection.number)"])
        _ = try? await run(on: connection) { session in
            guard session.isConnected, !session.isBroken else { return }
            do {
                try session.query("ROLLBACK")
            } catch {
                session.markBroken()
            }
        }
    }

    /// After a reserved session: a transaction the body left open is rolled back before the connection
    /// goes back to the pool. (Other session state — variables, `GET_LOCK` — is the body's to undo.)
    func endSession(on connection: MySQLConnection) async {
        let leftOpen = (try? await run(on: connection) { session -> Bool in
            guard session.isConnected, !session.isBroken, session.inTransaction else { return false }
            do {
                try session.query("ROLLBACK")
            } catch {
                session.markBroken()
            }
            return true
        }) ?? false
        if leftOpen {
            logger.warning("mysql: a reserved connection was returned inside a transaction; rolled back")
        }
    }

    /// Runs blocking Connector/C work for `connection` on the pool's worker threads.
    func run<T: Sendable>(
        on connection: MySQLConnection,
        _ body: @escaping @Sendable (inout MySQLSession) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            threadPool.submit { workState in
                guard case .active = workState else {
                    continuation.resume(throwing: MySQLError.poolClosed)
                    return
                }
                MySQLLibrary.prepareCurrentThread()
                continuation.resume(with: Result { try connection.withSession(body) })
            }
        }
    }

    // MARK: Leasing

    private func withLease<T: Sendable>(_ body: (MySQLConnection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        do {
            let result = try await body(connection)
            release(connection)
            return result
        } catch {
            release(connection)
            throw error
        }
    }

    private func acquire() async throws -> MySQLConnection {
        let immediate: Lease? = try state.withLock { s throws -> Lease? in
            if s.closed { throw MySQLError.poolClosed }
            guard s.waiters.isEmpty else { return nil }
            if let connection = s.idle.popLast() { return .reuse(connection) }
            if s.open < configuration.maxConnections {
                s.open += 1
                s.nextConnectionNumber += 1
                return .create(s.nextConnectionNumber)
            }
            return nil
        }
        let lease: Lease
        if let immediate {
            lease = immediate
        } else {
            lease = try await waitForLease()
        }
        switch lease {
        case .reuse(let connection):
            return connection
        case .create(let number):
            logger.debug("mysql: opening connection \(number)")
            return MySQLConnection(number: number, settings: settings)
        }
    }

    private func waitForLease() async throws -> Lease {
        let id = waiterIDs.add(1, ordering: .relaxed).newValue
        let timeout = configuration.acquireTimeout
        let maxConnections = configuration.maxConnections
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Lease, any Error>) in
                let armTimer: NIODeadline? = state.withLock { s in
                    if s.closed {
                        continuation.resume(throwing: MySQLError.poolClosed)
                    } else if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else if s.waiters.isEmpty, let connection = s.idle.popLast() {
                        continuation.resume(returning: .reuse(connection))
                    } else if s.waiters.isEmpty, s.open < maxConnections {
                        s.open += 1
                        s.nextConnectionNumber += 1
                        continuation.resume(returning: .create(s.nextConnectionNumber))
                    } else {
                        let deadline = ContinuousClock.now + timeout
                        s.waiters.append(Waiter(id: id, continuation: continuation, deadline: deadline))
                        if !s.timerArmed {
                            s.timerArmed = true
                            return NIODeadline.now() + TimeAmount(timeout)
                        }
                    }
                    return nil
                }
                if let armTimer { armWaiterTimer(at: armTimer) }
            }
        } onCancel: {
            self.failWaiter(id, with: CancellationError())
        }
    }

    /// One event-loop timer serves all waiters (they queue in FIFO order with the same timeout, so the head
    /// has the earliest deadline): it fails the expired ones and re-arms for the new head, if any. This keeps
    /// the event loop out of the hot path instead of scheduling (and cancelling) a task per waiter.
    private func armWaiterTimer(at deadline: NIODeadline) {
        eventLoop.scheduleTask(deadline: deadline) { [weak self] () -> Void in
            self?.expireWaiters()
        }
    }

    private func expireWaiters() {
        let now = ContinuousClock.now
        let (expired, next): ([Waiter], NIODeadline?) = state.withLock { s in
            let count = s.waiters.prefix { $0.deadline <= now }.count
            let expired = Array(s.waiters.prefix(count))
            s.waiters.removeFirst(count)
            guard let head = s.waiters.first else {
                s.timerArmed = false
                return (expired, nil)
            }
            return (expired, NIODeadline.now() + TimeAmount(head.deadline - now))
        }
        for waiter in expired {
            waiter.continuation.resume(throwing: MySQLError.poolTimeout)
        }
        if let next { armWaiterTimer(at: next) }
    }

    private func failWaiter(_ id: Int, with error: any Error) {
        let waiter: Waiter? = state.withLock { s in
            guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: index)
        }
        guard let waiter else { return }
        waiter.continuation.resume(throwing: error)
    }

    private func release(_ connection: MySQLConnection) {
        // Reading the session state takes the connection's lock only briefly: no C call happens here.
        let (usable, connected) = (try? connection.withSession { session -> (Bool, Bool) in
            let usable = session.isConnected && !session.isBroken
            if usable { session.needsValidation = true }
            return (usable, session.isConnected)
        }) ?? (false, true)
        guard usable else {
            if connected {
                discard(connection)
            } else {
                connectionClosed()  // never opened, or already closed after a failure: nothing to close
            }
            return
        }
        enum Next { case idle, handOff(Waiter), close }
        let next: Next = state.withLock { s in
            if s.closed { return .close }
            if !s.waiters.isEmpty { return .handOff(s.waiters.removeFirst()) }
            s.idle.append(connection)
            return .idle
        }
        switch next {
        case .idle:
            break
        case .handOff(let waiter):
            waiter.continuation.resume(returning: .reuse(connection))
        case .close:
            discard(connection)
        }
    }

    /// Closes a connection on a worker thread, then frees its slot (handing the slot to a waiter, if any).
    private func discard(_ connection: MySQLConnection) {
        logger.debug("mysql: closing connection \(connection.number)")
        threadPool.submit { _ in
            MySQLLibrary.prepareCurrentThread()
            _ = try? connection.withSession { $0.close() }
            self.connectionClosed()
        }
    }

    private func connectionClosed() {
        enum Next { case nothing, create(Waiter, Int), shutdownDone([CheckedContinuation<Void, Never>]) }
        let next: Next = state.withLock { s in
            s.open -= 1
            if s.closed {
                guard s.open == 0 else { return .nothing }
                let waiters = s.shutdownWaiters
                s.shutdownWaiters.removeAll()
                return .shutdownDone(waiters)
            }
            if !s.waiters.isEmpty, s.open < configuration.maxConnections {
                s.open += 1
                s.nextConnectionNumber += 1
                return .create(s.waiters.removeFirst(), s.nextConnectionNumber)
            }
            return .nothing
        }
        switch next {
        case .nothing:
            break
        case .create(let waiter, let number):
            waiter.continuation.resume(returning: .create(number))
        case .shutdownDone(let waiters):
            for waiter in waiters { waiter.resume() }
        }
    }
}

private enum Lease: Sendable {
    case reuse(MySQLConnection)
    case create(Int)
}

private struct Waiter {
    let id: Int
    let continuation: CheckedContinuation<Lease, any Error>
    let deadline: ContinuousClock.Instant
}

private struct PoolState {
    var idle: [MySQLConnection] = []
    /// Connections open, being opened or being closed.
    var open = 0
    var waiters: [Waiter] = []
    /// An event-loop timer is scheduled for the head waiter's deadline.
    var timerArmed = false
    var nextConnectionNumber = 0
    var closed = false
    var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
}

/// Retries body when it throws ``MySQLError/deadlock`` (or ``MySQLError/lockWaitTimeout``), up to
/// maxAttempts, with small jittered backoff (≈ 5-10 ms, then doubling, at most 200 ms). Wrap a whole
/// transaction, not a statement inside one: a deadlock rolls the transaction back.
public func retryingDeadlocks<T: Sendable>(maxAttempts: Int = 5, _ body: @Sendable () async throws -> T) async throws -> T {
    var attempt = 1
    while true {
        do {
            return try await body()
        } catch let error as MySQLError where (error == .deadlock || error == .lockWaitTimeout) && attempt < maxAttempts {
            let ceiling = min(200, 10 << (attempt - 1))
            try await Task.sleep(for: .milliseconds(Int.random(in: (ceiling / 2)...ceiling)))
            attempt += 1
        }
    }
}
