import CMariaDB
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a connection needs to (re)connect.
struct MySQLConnectSettings: Sendable {
    var host: String
    var port: Int
    var unixSocket: String?
    var username: String
    var password: String
    var database: String?
    var connectTimeoutSeconds: UInt32
    /// Idle connections older than this are pinged before reuse.
    var pingAfterIdle: Duration = .seconds(3)
    /// How many prepared statements each connection keeps (per SQL text).
    var statementCacheSize = 64

    init(_ configuration: MySQLConfiguration) {
        host = configuration.host
        port = configuration.port
        unixSocket = configuration.unixSocket
        username = configuration.username
        password = configuration.password
        database = configuration.database
        let seconds = configuration.connectTimeout.components.seconds
            + (configuration.connectTimeout.components.attoseconds > 0 ? 1 : 0)
        connectTimeoutSeconds = UInt32(clamping: max(1, seconds))
    }
}

/// One connection of the pool. Its C state lives behind a mutex: only one thread uses it at a time, and only
/// the pool's worker threads ever call into it (the calls block).
final class MySQLConnection: Sendable {
    /// Pool-local number, for logs.
    let number: Int
    private let session: Mutex<MySQLSession>

    init(number: Int, settings: MySQLConnectSettings) {
        self.number = number
        self.session = Mutex(MySQLSession(settings: settings))
    }

    /// Runs `body` with the session locked. Call on a worker thread only.
    func withSession<T: Sendable>(_ body: (inout MySQLSession) throws -> T) throws -> T {
        try session.withLock { (session: inout MySQLSession) throws -> T in
            try body(&session)
        }
    }
}

/// Connector/C handle plus per-connection state. Not thread-safe: always used under ``MySQLConnection``'s lock.
struct MySQLSession {
    let settings: MySQLConnectSettings
    private(set) var mysql: UnsafeMutablePointer<MYSQL>?
    private var statements: [String: UnsafeMutablePointer<MYSQL_STMT>] = [:]
    private var statementOrder: [String] = []
    /// `CONNECTION_ID()` of the current server session (0 before the first connect).
    private(set) var serverConnectionID: UInt64 = 0
    private var maxAllowedPacket = 16 << 20
    private var lastUsed = ContinuousClock.now
    /// Set by the pool when it lends the connection out: the next use checks the connection is still alive.
    var needsValidation = false
    /// The connection failed in a way that makes it unusable; the pool discards it.
    private(set) var isBroken = false
    /// A connection was established at least once (later failures are not repaired silently).
    private var everConnected = false

    init(settings: MySQLConnectSettings) {
        self.settings = settings
    }

    var isConnected: Bool { mysql != nil }

    /// Marks the connection unusable (the pool discards it when it comes back).
    mutating func markBroken() { isBroken = true }

    /// Whether the server reports an open transaction on this session.
    var inTransaction: Bool {
        guard let mysql else { return false }
        return mysql.pointee.server_status & UInt32(SERVER_STATUS_IN_TRANS) != 0
    }

    // MARK: Connecting

    mutating func connect() throws {
        close()
        isBroken = false
        guard let handle = mysql_init(nil) else {
            throw MySQLError.connectFailed(message: "mysql_init failed (out of memory)")
        }
        var timeout = settings.connectTimeoutSeconds
        mysql_options(handle, MYSQL_OPT_CONNECT_TIMEOUT, &timeout)
        // utf8mb4 for accents and emoji.
        _ = "utf8mb4".withCString { mysql_options(handle, MYSQL_SET_CHARSET_NAME, $0) }
        // Never reconnect silently: that would lose transactions and session state behind the caller's back.
        var reconnect: my_bool = 0
        mysql_options(handle, MYSQL_OPT_RECONNECT, &reconnect)
        var reportTruncation: my_bool = 1
        mysql_options(handle, MYSQL_REPORT_DATA_TRUNCATION, &reportTruncation)

        // Client flags: 0. In particular no CLIENT_FOUND_ROWS, so affected-row counts are rows actually
        // changed (a conditional UPDATE writing identical values counts 0), and no CLIENT_MULTI_STATEMENTS.
        let flags: UInt = 0
        let socket = settings.unixSocket
        let host: String? = socket == nil ? settings.host : "localhost"
        let connected = withOptionalCString(host) { hostPtr in
            withOptionalCString(socket) { socketPtr in
                withOptionalCString(settings.database) { dbPtr in
                    mysql_real_connect(
                        handle, hostPtr, settings.username, settings.password, dbPtr,
                        UInt32(clamping: settings.port), socketPtr, flags
                    )
                }
            }
        }
        guard connected != nil else {
            let code = mysql_errno(handle)
            let message = String(cString: mysql_error(handle))
            mysql_close(handle)
            isBroken = true
            throw MySQLError.connectFailed(message: "\(code): \(message)")
        }
        mysql = handle
        everConnected = true
        // Connector/C opens its socket without close-on-exec: a process this one spawns would inherit it and
        // keep the session (and its locks) alive at the server after this process is gone.
        setCloseOnExec(mysql_get_socket(handle))
        serverConnectionID = UInt64(mysql_thread_id(handle))
        do {
            // Dates are exchanged in UTC whatever the server's or the process's time zone.
            try query("SET time_zone = '+00:00'")
            if let packet = try scalar("SELECT @@max_allowed_packet"), let value = Int(packet) {
                maxAllowedPacket = value
            }
        } catch {
            close()
            isBroken = true
            throw MySQLError.connectFailed(message: "session set-up failed: \(error)")
        }
        lastUsed = .now
        needsValidation = false
    }

    /// Closes statements and the connection (harmless if already closed).
    mutating func close() {
        for statement in statements.values {
            mysql_stmt_close(statement)
        }
        statements.removeAll()
        statementOrder.removeAll()
        if let mysql {
            mysql_close(mysql)
        }
        mysql = nil
    }

    /// Makes sure the connection is open and, after it sat idle in the pool, still alive: a socket the
    /// server closed (KILL, restart) shows as readable/hung up; one idle for longer than
    /// `pingAfterIdle` is also pinged. A dead idle connection is replaced by a new one — safe because
    /// nothing has been sent on it for the current caller yet. A connection that broke while lent out is
    /// never silently replaced (that would leave a transaction or session state behind): every further
    /// use in the same lease throws ``MySQLError/connectionLost(message:)``.
    mutating func ensureUsable() throws {
        if !everConnected {
            try connect()
            return
        }
        guard let mysql, !isBroken else {
            throw MySQLError.connectionLost(message: "the connection was lost earlier in this session")
        }
        guard needsValidation else { return }
        needsValidation = false
        var alive = socketLooksAlive(mysql)
        if alive, ContinuousClock.now - lastUsed > settings.pingAfterIdle {
            alive = mysql_ping(mysql) == 0
        }
        if !alive {
            try connect()
        }
    }

    private func socketLooksAlive(_ mysql: UnsafeMutablePointer<MYSQL>) -> Bool {
        let fd = mysql_get_socket(mysql)
        guard fd >= 0 else { return false }
        var descriptor = pollfd(fd: Int32(fd), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 0)
        if ready < 0 { return false }
        // An idle connection has nothing to read: data (an error packet) or hang-up means the server left.
        return ready == 0 || descriptor.revents & Int16(POLLIN | POLLHUP | POLLERR | POLLNVAL) == 0
    }

    mutating func ping() throws {
        try ensureUsable()
        guard let mysql else { throw MySQLError.connectionLost(message: "not connected") }
        if mysql_ping(mysql) != 0 {
            throw connectionError()
        }
        lastUsed = .now
    }

    // MARK: Text protocol (control statements without values)

    /// Runs a statement without parameters over the text protocol and discards any result.
    mutating func query(_ sql: String) throws {
        guard let mysql else { throw MySQLError.connectionLost(message: "not connected") }
        let rc = sql.withCString { mysql_real_query(mysql, $0, UInt(strlen($0))) }
        if rc != 0 { throw connectionError() }
        if let result = mysql_store_result(mysql) {
            mysql_free_result(result)
        } else if mysql_field_count(mysql) > 0 {
            throw connectionError()
        }
        lastUsed = .now
    }

    /// First column of the first row of a text-protocol query.
    mutating func scalar(_ sql: String) throws -> String? {
        guard let mysql else { throw MySQLError.connectionLost(message: "not connected") }
        let rc = sql.withCString { mysql_real_query(mysql, $0, UInt(strlen($0))) }
        if rc != 0 { throw connectionError() }
        guard let result = mysql_store_result(mysql) else { throw connectionError() }
        defer { mysql_free_result(result) }
        guard let row = mysql_fetch_row(result), let first = row[0] else { return nil }
        return String(cString: first)
    }

    /// The error of the last call on the connection; marks the connection broken when it is.
    private mutating func connectionError() -> MySQLError {
        guard let mysql else { return .connectionLost(message: "not connected") }
        let code = mysql_errno(mysql)
        let error = MySQLError.from(
            code: code, sqlState: String(cString: mysql_sqlstate(mysql)), message: String(cString: mysql_error(mysql))
        )
        if MySQLError.breaksConnection(code) { isBroken = true }
        return error
    }

    private mutating func statementError(_ statement: UnsafeMutablePointer<MYSQL_STMT>) -> MySQLError {
        let code = mysql_stmt_errno(statement)
        let error = MySQLError.from(
            code: code,
            sqlState: String(cString: mysql_stmt_sqlstate(statement)),
            message: String(cString: mysql_stmt_error(statement))
        )
        if MySQLError.breaksConnection(code) { isBroken = true }
        return error
    }

    // MARK: Prepared statements

    /// Runs one statement through the binary protocol with `binds` as its parameters.
    /// Returns the rows when `collectRows` (otherwise a result set is read and dropped).
    mutating func execute(sql: String, binds: [MySQLBindValue], collectRows: Bool) throws -> ([MySQLRow], MySQLExecResult) {
        try ensureUsable()
        do {
            let result = try executePrepared(sql: sql, binds: binds, collectRows: collectRows)
            lastUsed = .now
            return result
        } catch {
            if isBroken { close() }
            throw error
        }
    }

    private static let cacheableKeywords: Set<String> = ["SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"]

    private static func firstKeyword(_ sql: String) -> String {
        sql.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "(" }.prefix { $0.isLetter }.uppercased()
    }

    private func isCacheable(_ sql: String) -> Bool {
        sql.utf8.count <= 8192 && Self.cacheableKeywords.contains(Self.firstKeyword(sql))
    }

    private mutating func prepare(_ sql: String) throws -> (UnsafeMutablePointer<MYSQL_STMT>, cached: Bool) {
        if let statement = statements[sql] { return (statement, true) }
        guard let mysql else { throw MySQLError.connectionLost(message: "not connected") }
        guard let statement = mysql_stmt_init(mysql) else { throw connectionError() }
        let rc = sql.withCString { mysql_stmt_prepare(statement, $0, UInt(strlen($0))) }
        if rc != 0 {
            let error = statementError(statement)
            mysql_stmt_close(statement)
            throw error
        }
        // Compute each column's longest value on store_result so result buffers fit in one fetch.
        var updateMaxLength: my_bool = 1
        mysql_stmt_attr_set(statement, STMT_ATTR_UPDATE_MAX_LENGTH, &updateMaxLength)
        guard isCacheable(sql) else { return (statement, false) }
        if statementOrder.count >= settings.statementCacheSize {
            let evicted = statementOrder.removeFirst()
            if let old = statements.removeValue(forKey: evicted) { mysql_stmt_close(old) }
        }
        statements[sql] = statement
        statementOrder.append(sql)
        return (statement, true)
    }

    private mutating func evict(_ sql: String) {
        if let statement = statements.removeValue(forKey: sql) {
            mysql_stmt_close(statement)
        }
        statementOrder.removeAll { $0 == sql }
    }

    private mutating func executePrepared(
        sql: String, binds: [MySQLBindValue], collectRows: Bool, isRetry: Bool = false
    ) throws -> ([MySQLRow], MySQLExecResult) {
        let (statement, cached) = try prepare(sql)
        defer {
            if !cached { mysql_stmt_close(statement) }
        }
        let parameterCount = Int(mysql_stmt_param_count(statement))
        guard parameterCount == binds.count else {
            throw MySQLError.encoding(message: "statement has \(parameterCount) placeholders but \(binds.count) values were bound")
        }

        // Parameters: buffers at fixed addresses until execute completes.
        let parameters = ParameterBuffers(binds: binds, maxAllowedPacket: maxAllowedPacket)
        defer { parameters.deallocate() }
        if let problem = parameters.problem {
            throw MySQLError.encoding(message: problem)
        }
        if !binds.isEmpty {
            if mysql_stmt_bind_param(statement, parameters.binds) != 0 {
                throw statementError(statement)
            }
            for (index, bytes) in parameters.longData {
                try sendLongData(statement, parameter: index, bytes: bytes)
            }
        }

        if mysql_stmt_execute(statement) != 0 {
            // CR_NEW_STMT_METADATA: the result's columns changed since this cached statement was prepared
            // (ALTER TABLE by anyone). A query is prepared afresh and run once more; a statement that may have
            // changed data (INSERT … RETURNING) is not repeated: the error surfaces and the next call re-prepares.
            if cached, mysql_stmt_errno(statement) == 2057 {
                evict(sql)
                let keyword = Self.firstKeyword(sql)
                guard !isRetry, keyword == "SELECT" || keyword == "WITH" else {
                    throw MySQLError.server(code: 2057, sqlState: "HY000", message: "result columns changed since the statement was prepared")
                }
                return try executePrepared(sql: sql, binds: binds, collectRows: collectRows, isRetry: true)
            }
            let error = statementError(statement)
            if !isBroken { mysql_stmt_reset(statement) }
            throw error
        }

        var rows: [MySQLRow] = []
        if mysql_stmt_field_count(statement) > 0 {
            defer { mysql_stmt_free_result(statement) }
            if mysql_stmt_store_result(statement) != 0 {
                throw statementError(statement)
            }
            if collectRows {
                rows = try fetchRows(statement)
            }
        }
        let outcome = MySQLExecResult(
            affectedRows: mysql_stmt_affected_rows(statement),
            lastInsertID: mysql_stmt_insert_id(statement)
        )
        // Stored procedures add a status result: drain it so the connection stays in sync.
        while mysql_stmt_more_results(statement) != 0 {
            let next = mysql_stmt_next_result(statement)
            if next > 0 { throw statementError(statement) }
            if next < 0 { break }
            mysql_stmt_free_result(statement)
        }
        return (rows, outcome)
    }

    private mutating func sendLongData(_ statement: UnsafeMutablePointer<MYSQL_STMT>, parameter: Int, bytes: [UInt8]) throws {
        let chunkSize = max(4096, min(1 << 20, maxAllowedPacket / 2))
        var failed = false
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let length = min(chunkSize, raw.count - offset)
                let chunk = raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
                if mysql_stmt_send_long_data(statement, UInt32(parameter), chunk, UInt(length)) != 0 {
                    failed = true
                    return
                }
                offset += length
            }
        }
        if failed { throw statementError(statement) }
    }

    private mutating func fetchRows(_ statement: UnsafeMutablePointer<MYSQL_STMT>) throws -> [MySQLRow] {
        guard let metadata = mysql_stmt_result_metadata(statement) else { throw statementError(statement) }
        defer { mysql_free_result(metadata) }
        let count = Int(mysql_num_fields(metadata))
        guard let fields = mysql_fetch_fields(metadata) else { throw statementError(statement) }
        let result = ResultBuffers(fields: fields, count: count)
        defer { result.deallocate() }
        if mysql_stmt_bind_result(statement, result.binds) != 0 {
            throw statementError(statement)
        }
        var rows: [MySQLRow] = []
        rows.reserveCapacity(Int(mysql_stmt_num_rows(statement)))
        while true {
            let rc = mysql_stmt_fetch(statement)
            if rc == MYSQL_NO_DATA { break }
            if rc == 1 { throw statementError(statement) }
            // 0, or MYSQL_DATA_TRUNCATED: long values are re-read below.
            var values: [MySQLValue] = []
            values.reserveCapacity(count)
            for column in 0..<count {
                values.append(try result.value(at: column, statement: statement) { self.statementError(statement) })
            }
            rows.append(MySQLRow(columns: result.columns, values: values))
        }
        return rows
    }
}

private func withOptionalCString<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}

// MARK: - Bind buffers

/// MYSQL_BIND array and value buffers for a statement's parameters, allocated at fixed addresses.
private struct ParameterBuffers {
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    let lengths: UnsafeMutablePointer<UInt>
    private var allocations: [UnsafeMutableRawPointer] = []
    /// Parameters sent with `mysql_stmt_send_long_data` (large strings and blobs).
    private(set) var longData: [(Int, [UInt8])] = []
    private(set) var problem: String?

    /// Values at least this large go through `mysql_stmt_send_long_data` in chunks rather than in the
    /// execute packet.
    static let longDataThreshold = 256 * 1024

    init(binds values: [MySQLBindValue], maxAllowedPacket: Int) {
        let capacity = max(values.count, 1)
        binds = .allocate(capacity: capacity)
        binds.initialize(repeating: MYSQL_BIND(), count: capacity)
        lengths = .allocate(capacity: capacity)
        lengths.initialize(repeating: 0, count: capacity)

        // max_allowed_packet bounds each value and the execute packet holding the inline ones.
        let inlineTotal = values.reduce(0) { $0 + ($1.payloadSize < Self.longDataThreshold ? $1.payloadSize : 0) }
        let inlineBudget = maxAllowedPacket / 2
        for (index, value) in values.enumerated() {
            var bind = MYSQL_BIND()
            switch value {
            case .null:
                bind.buffer_type = MYSQL_TYPE_NULL
            case .int(let v):
                bind.buffer_type = MYSQL_TYPE_LONGLONG
                bind.buffer = store(v)
            case .uint(let v):
                bind.buffer_type = MYSQL_TYPE_LONGLONG
                bind.is_unsigned = 1
                bind.buffer = store(v)
            case .double(let v):
                bind.buffer_type = MYSQL_TYPE_DOUBLE
                bind.buffer = store(v)
            case .float(let v):
                bind.buffer_type = MYSQL_TYPE_FLOAT
                bind.buffer = store(v)
            case .dateTime(let v):
                var time = MYSQL_TIME()
                time.year = UInt32(clamping: v.year)
                time.month = UInt32(clamping: v.month)
                time.day = UInt32(clamping: v.day)
                time.hour = UInt32(clamping: v.hour)
                time.minute = UInt32(clamping: v.minute)
                time.second = UInt32(clamping: v.second)
                time.second_part = UInt(clamping: v.microsecond)
                time.neg = v.negative ? 1 : 0
                switch v.kind {
                case .date:
                    time.time_type = MYSQL_TIMESTAMP_DATE
                    bind.buffer_type = MYSQL_TYPE_DATE
                case .dateTime:
                    time.time_type = MYSQL_TIMESTAMP_DATETIME
                    bind.buffer_type = MYSQL_TYPE_DATETIME
                case .time:
                    time.time_type = MYSQL_TIMESTAMP_TIME
                    bind.buffer_type = MYSQL_TYPE_TIME
                }
                bind.buffer = store(time)
            case .text(let bytes), .bytes(let bytes):
                if case .text = value {
                    bind.buffer_type = MYSQL_TYPE_STRING
                } else {
                    bind.buffer_type = MYSQL_TYPE_BLOB
                }
                if bytes.count > maxAllowedPacket - 1024 {
                    problem = "a value of \(bytes.count) bytes exceeds the server's max_allowed_packet (\(maxAllowedPacket))"
                }
                let long = bytes.count >= Self.longDataThreshold || (inlineTotal > inlineBudget && bytes.count >= 1024)
                if long {
                    longData.append((index, bytes))
                } else {
                    let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
                    allocations.append(buffer)
                    bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                    bind.buffer = buffer
                    bind.buffer_length = UInt(bytes.count)
                    lengths[index] = UInt(bytes.count)
                    bind.length = lengths + index
                }
            }
            binds[index] = bind
        }
    }

    private mutating func store<T>(_ value: T) -> UnsafeMutableRawPointer {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment)
        buffer.storeBytes(of: value, as: T.self)
        allocations.append(buffer)
        return buffer
    }

    func deallocate() {
        for allocation in allocations { allocation.deallocate() }
        binds.deallocate()
        lengths.deallocate()
    }
}

/// How one result column is fetched.
private enum ColumnKind {
    case signed(Int)
    case unsigned(Int)
    case float
    case double
    case time(MySQLDateTime.Kind)
    case text
    case binary
}

/// MYSQL_BIND array and buffers for a result set, sized from the columns' max_length.
private final class ResultBuffers {
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    let columns: MySQLColumns
    private let kinds: [ColumnKind]
    private let count: Int
    private let lengths: UnsafeMutablePointer<UInt>
    private let nulls: UnsafeMutablePointer<my_bool>
    private let errors: UnsafeMutablePointer<my_bool>
    private var buffers: [UnsafeMutableRawPointer]

    init(fields: UnsafeMutablePointer<MYSQL_FIELD>, count: Int) {
        self.count = count
        let capacity = max(count, 1)
        binds = .allocate(capacity: capacity)
        binds.initialize(repeating: MYSQL_BIND(), count: capacity)
        lengths = .allocate(capacity: capacity)
        lengths.initialize(repeating: 0, count: capacity)
        nulls = .allocate(capacity: capacity)
        nulls.initialize(repeating: 0, count: capacity)
        errors = .allocate(capacity: capacity)
        errors.initialize(repeating: 0, count: capacity)
        var names: [String] = []
        var kinds: [ColumnKind] = []
        var buffers: [UnsafeMutableRawPointer] = []
        for index in 0..<count {
            let field = fields[index]
            names.append(field.name.map { String(cString: $0) } ?? "")
            let unsigned = field.flags & UInt32(UNSIGNED_FLAG) != 0
            var bind = MYSQL_BIND()
            let kind: ColumnKind
            var size: Int
            switch field.type {
            case MYSQL_TYPE_TINY:
                kind = unsigned ? .unsigned(1) : .signed(1); size = 1; bind.buffer_type = MYSQL_TYPE_TINY
            case MYSQL_TYPE_SHORT, MYSQL_TYPE_YEAR:
                kind = unsigned ? .unsigned(2) : .signed(2); size = 2; bind.buffer_type = MYSQL_TYPE_SHORT
            case MYSQL_TYPE_INT24, MYSQL_TYPE_LONG:
                kind = unsigned ? .unsigned(4) : .signed(4); size = 4; bind.buffer_type = MYSQL_TYPE_LONG
            case MYSQL_TYPE_LONGLONG:
                kind = unsigned ? .unsigned(8) : .signed(8); size = 8; bind.buffer_type = MYSQL_TYPE_LONGLONG
            case MYSQL_TYPE_FLOAT:
                kind = .float; size = 4; bind.buffer_type = MYSQL_TYPE_FLOAT
            case MYSQL_TYPE_DOUBLE:
                kind = .double; size = 8; bind.buffer_type = MYSQL_TYPE_DOUBLE
            case MYSQL_TYPE_DATE, MYSQL_TYPE_NEWDATE:
                kind = .time(.date); size = MemoryLayout<MYSQL_TIME>.size; bind.buffer_type = MYSQL_TYPE_DATE
            case MYSQL_TYPE_DATETIME:
                kind = .time(.dateTime); size = MemoryLayout<MYSQL_TIME>.size; bind.buffer_type = MYSQL_TYPE_DATETIME
            case MYSQL_TYPE_TIMESTAMP:
                kind = .time(.dateTime); size = MemoryLayout<MYSQL_TIME>.size; bind.buffer_type = MYSQL_TYPE_TIMESTAMP
            case MYSQL_TYPE_TIME:
                kind = .time(.time); size = MemoryLayout<MYSQL_TIME>.size; bind.buffer_type = MYSQL_TYPE_TIME
            case MYSQL_TYPE_BIT, MYSQL_TYPE_GEOMETRY:
                kind = .binary; size = Int(field.max_length); bind.buffer_type = MYSQL_TYPE_BLOB
            case MYSQL_TYPE_DECIMAL, MYSQL_TYPE_NEWDECIMAL:
                kind = .text; size = Int(field.max_length); bind.buffer_type = MYSQL_TYPE_STRING
            default:
                // Strings, blobs, JSON, ENUM/SET, NULL: charset 63 is binary.
                let binary = field.charsetnr == 63 && field.type != MYSQL_TYPE_NULL
                kind = binary ? .binary : .text
                size = Int(field.max_length)
                bind.buffer_type = binary ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING
            }
            size = max(size, 1)
            let alignment = max(MemoryLayout<MYSQL_TIME>.alignment, 8)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: alignment)
            buffers.append(buffer)
            bind.buffer = buffer
            bind.buffer_length = UInt(size)
            bind.is_unsigned = unsigned ? 1 : 0
            bind.length = lengths + index
            bind.is_null = nulls + index
            bind.error = errors + index
            binds[index] = bind
            kinds.append(kind)
        }
        self.columns = MySQLColumns(names: names)
        self.kinds = kinds
        self.buffers = buffers
    }

    func deallocate() {
        for buffer in buffers { buffer.deallocate() }
        binds.deallocate()
        lengths.deallocate()
        nulls.deallocate()
        errors.deallocate()
    }

    /// The value of `column` in the row just fetched; a value longer than its buffer is re-read whole with
    /// `mysql_stmt_fetch_column`.
    func value(
        at column: Int,
        statement: UnsafeMutablePointer<MYSQL_STMT>,
        error: () -> MySQLError
    ) throws -> MySQLValue {
        if nulls[column] != 0 { return .null }
        let buffer = buffers[column]
        switch kinds[column] {
        case .signed(let size):
            switch size {
            case 1: return .int(Int64(buffer.load(as: Int8.self)))
            case 2: return .int(Int64(buffer.load(as: Int16.self)))
            case 4: return .int(Int64(buffer.load(as: Int32.self)))
            default: return .int(buffer.load(as: Int64.self))
            }
        case .unsigned(let size):
            switch size {
            case 1: return .uint(UInt64(buffer.load(as: UInt8.self)))
            case 2: return .uint(UInt64(buffer.load(as: UInt16.self)))
            case 4: return .uint(UInt64(buffer.load(as: UInt32.self)))
            default: return .uint(buffer.load(as: UInt64.self))
            }
        case .float:
            return .double(Double(buffer.load(as: Float.self)))
        case .double:
            return .double(buffer.load(as: Double.self))
        case .time(let kind):
            let t = buffer.load(as: MYSQL_TIME.self)
            return .dateTime(MySQLDateTime(
                year: Int(t.year), month: Int(t.month), day: Int(t.day),
                hour: Int(t.hour), minute: Int(t.minute), second: Int(t.second),
                microsecond: Int(t.second_part), negative: t.neg != 0, kind: kind
            ))
        case .text, .binary:
            let length = Int(lengths[column])
            let available = Int(binds[column].buffer_length)
            let bytes: [UInt8]
            if length <= available {
                bytes = Array(UnsafeRawBufferPointer(start: buffer, count: length))
            } else {
                // Re-read the whole value into a buffer of its size (fixed address for the call).
                let whole = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 1)
                defer { whole.deallocate() }
                let wholeLength = UnsafeMutablePointer<UInt>.allocate(capacity: 1)
                defer { wholeLength.deallocate() }
                wholeLength.initialize(to: 0)
                let wholeBind = UnsafeMutablePointer<MYSQL_BIND>.allocate(capacity: 1)
                defer { wholeBind.deallocate() }
                wholeBind.initialize(to: MYSQL_BIND())
                wholeBind.pointee.buffer_type = binds[column].buffer_type
                wholeBind.pointee.buffer = whole
                wholeBind.pointee.buffer_length = UInt(length)
                wholeBind.pointee.length = wholeLength
                if mysql_stmt_fetch_column(statement, wholeBind, UInt32(column), 0) != 0 { throw error() }
                bytes = Array(UnsafeRawBufferPointer(start: whole, count: min(length, Int(wholeLength.pointee))))
            }
            if case .binary = kinds[column] { return .bytes(bytes) }
            return .text(bytes)
        }
    }
}

/// Marks a descriptor close-on-exec (no-op for an invalid one).
func setCloseOnExec(_ fd: Int32) {
    guard fd >= 0 else { return }
    let current = fcntl(fd, F_GETFD)
    if current >= 0, current & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, current | FD_CLOEXEC) }
}
