/// Errors surfaced by ``MySQLPool`` and the handles it lends.
public enum MySQLError: Error, Sendable, Equatable {
    /// 1062 (ER_DUP_ENTRY) or 1586 (ER_DUP_ENTRY_WITH_KEY_NAME): a unique key already holds the value.
    case duplicateKey(message: String)
    /// 1213 (ER_LOCK_DEADLOCK): the server rolled back the whole transaction; retry it
    /// (see ``retryingDeadlocks(maxAttempts:_:)``).
    case deadlock
    /// 1205 (ER_LOCK_WAIT_TIMEOUT): only the statement was rolled back (unless
    /// `innodb_rollback_on_timeout`); ``MySQLDatabase/withTransaction(_:)`` rolls back the rest.
    case lockWaitTimeout
    /// The connection died (2006, 2013, 2055, 1927 killed, 1053 server shutdown, 4031 …). The connection
    /// is discarded; the statement may or may not have been applied. The next call gets a fresh connection.
    case connectionLost(message: String)
    /// No connection became free within `acquireTimeout`.
    case poolTimeout
    /// ``MySQLPool/shutdown()`` was called.
    case poolClosed
    /// Opening a connection failed (server down, bad credentials, unknown database …).
    case connectFailed(message: String)
    /// Any other error reported by the server or Connector/C.
    case server(code: UInt32, sqlState: String, message: String)
    /// A column could not be decoded into the requested Swift type.
    case decoding(column: String, message: String)
    /// A bound value could not be encoded.
    case encoding(message: String)
    /// A connection-bound handle was used after its `withConnection`/`withTransaction` body returned.
    case invalidUse(message: String)
}

extension MySQLError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .duplicateKey(let message): "MySQL duplicate key: \(message)"
        case .deadlock: "MySQL deadlock (1213)"
        case .lockWaitTimeout: "MySQL lock wait timeout (1205)"
        case .connectionLost(let message): "MySQL connection lost: \(message)"
        case .poolTimeout: "MySQL pool: no connection free within the acquire timeout"
        case .poolClosed: "MySQL pool is shut down"
        case .connectFailed(let message): "MySQL connect failed: \(message)"
        case .server(let code, let sqlState, let message): "MySQL error \(code) (\(sqlState)): \(message)"
        case .decoding(let column, let message): "MySQL decoding column '\(column)': \(message)"
        case .encoding(let message): "MySQL encoding a bound value: \(message)"
        case .invalidUse(let message): "MySQL invalid use: \(message)"
        }
    }
}

extension MySQLError {
    /// Server and client error codes meaning the connection is gone.
    static let connectionLostCodes: Set<UInt32> = [
        1053,  // ER_SERVER_SHUTDOWN
        1152, 1153, 1154, 1155, 1156, 1157, 1158, 1159, 1160, 1161,  // ER_ABORTING_CONNECTION, ER_NET_*
        1927,  // ER_CONNECTION_KILLED (MariaDB)
        2006,  // CR_SERVER_GONE_ERROR
        2013,  // CR_SERVER_LOST
        2055,  // CR_SERVER_LOST_EXTENDED
        4031,  // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
    ]

    /// Client errors about one prepared statement that leave the connection itself in a known state
    /// (CR_NO_PREPARE_STMT, CR_PARAMS_NOT_BOUND, CR_INVALID_PARAMETER_NO, CR_UNSUPPORTED_PARAM_TYPE,
    /// CR_NO_DATA, CR_NO_STMT_METADATA, CR_NOT_IMPLEMENTED, CR_STMT_CLOSED, CR_NEW_STMT_METADATA).
    static let statementOnlyClientCodes: Set<UInt32> = [2030, 2031, 2034, 2036, 2051, 2052, 2054, 2056, 2057]

    /// Whether an error code leaves the connection unusable (lost, or the client library's state is unknown).
    static func breaksConnection(_ code: UInt32) -> Bool {
        connectionLostCodes.contains(code) || ((2000..<3000).contains(code) && !statementOnlyClientCodes.contains(code))
    }

    /// Maps a server / client error to the typed error.
    static func from(code: UInt32, sqlState: String, message: String) -> MySQLError {
        switch code {
        case 1062, 1586: .duplicateKey(message: message)
        case 1213: .deadlock
        case 1205: .lockWaitTimeout
        case _ where connectionLostCodes.contains(code): .connectionLost(message: "\(code): \(message)")
        default: .server(code: code, sqlState: sqlState, message: message)
        }
    }
}
