import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SQLKit
import SetragMySQL

/// The table each service that takes `Idempotency-Key` adds to its own migrations.
public enum IdempotencyMigrations {
    /// One row per (caller, key): the request's fingerprint, then the answer once there is one. `key_hash` is
    /// SHA-256 of the caller and the key (keys are the caller's own text: only their hash is kept). `use_id` is
    /// random per use of the key (a key used again after it expired gets a new one).
    /// state: `running` (the first request is being handled, until `locked_until`) or `done` (the answer is kept).
    public static func table(service: String) -> Migration {
        Migration("\(service)_idempotency_0001_keys", [
            """
            CREATE TABLE idempotency_keys (
                key_hash BINARY(32) NOT NULL PRIMARY KEY,
                caller VARCHAR(190) NOT NULL,
                use_id BINARY(16) NOT NULL,
                request_hash BINARY(32) NOT NULL,
                state VARCHAR(8) NOT NULL,
                locked_until DATETIME(6) NULL,
                response_status SMALLINT UNSIGNED NULL,
                response_headers TEXT NULL,
                response_body MEDIUMBLOB NULL,
                created_at DATETIME(6) NOT NULL,
                expires_at DATETIME(6) NOT NULL,
                KEY idempotency_keys_expiry (expires_at),
                CONSTRAINT idempotency_keys_state CHECK (state IN ('running', 'done'))
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
        ])
    }
}

extension ProblemType {
    public static let idempotencyKeyMissing = ProblemType(
        code: "idempotency-key-missing", title: "This request needs an Idempotency-Key header")
    public static let idempotencyKeyInvalid = ProblemType(
        code: "idempotency-key-invalid", title: "The Idempotency-Key header cannot be used")
    public static let idempotencyKeyReused = ProblemType(
        code: "idempotency-key-reused", title: "The Idempotency-Key was used for another request")
    public static let idempotencyKeyInUse = ProblemType(
        code: "idempotency-key-in-use", title: "A request with this Idempotency-Key is still being handled")
}

/// An answer worth keeping for a repeated request: status, the headers that matter, and the body's bytes.
public struct IdempotentAnswer: Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: [UInt8]

    public init(status: HTTPResponse.Status, headers: HTTPFields, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer encoded like `JSONResponse`.
    public init(json value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        self.init(status: status, headers: headers, body: [UInt8](try encoder.encode(value)))
    }

    public var response: Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Runs a request's handler once per (caller, `Idempotency-Key`), as the platform's API conventions ask:
/// - the same key with the same request (method, path and body; JSON bodies compared after sorting their keys)
///   gets the first answer again, with `Idempotent-Replayed: true`, and the handler does not run;
/// - the same key with another request is a 422 (`idempotency-key-reused`);
/// - the same key while its first request is still being handled is a 409 (`idempotency-key-in-use`);
/// - a missing or unusable key is a 400.
/// Only answers the handler returns are kept; when it throws (invalid input, seats taken, a failure), the key is
/// freed and the same request may be sent again. Keys are kept `lifetime` (24 h), then forgotten.
///
/// A first request whose process died is retried once its `lease` has passed. Handlers whose work must happen at
/// most once even then store `IdempotentCall.useID` with what they create, in the same transaction, and look for
/// it before doing the work again.
public struct IdempotencyKeys: Sendable {
    public static let header = HTTPField.Name("Idempotency-Key")!
    public static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!
    /// The headers of an answer that are kept and replayed (besides the status and the body).
    public static let keptHeaders: [HTTPField.Name] = [.contentType, .location, .cacheControl]
    public static let maxKeyLength = 255

    /// What the handler gets: the request with its body read, and the id of this use of the key to store beside
    /// its work (16 bytes: the same when a request is run again after a crash, new when the key is used again after
    /// it expired).
    public struct IdempotentCall: Sendable {
        public var request: Request
        public var useID: Data
    }

    let database: any MySQLDatabase
    let lifetime: TimeInterval
    let lease: TimeInterval
    let now: @Sendable () -> Date
    let logger: Logger

    public init(database: any MySQLDatabase, lifetime: TimeInterval = 86_400, lease: TimeInterval = 60,
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.lifetime = lifetime
        self.lease = lease
        self.logger = logger
        self.now = now
    }

    /// Runs `handler` unless this caller already sent this key: see the type's description.
    public func run(_ request: Request, context: some SetragContext, caller: String,
                    _ handler: (IdempotentCall) async throws -> IdempotentAnswer) async throws -> Response {
        let key = try Self.key(of: request)
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            throw ProblemError(.bodyTooLarge, status: .contentTooLarge,
                               detail: "The body may not exceed \(context.maxUploadSize) bytes")
        }
        let keyHash = Data(SHA256.hash(data: Data("\(caller)\u{0}\(key)".utf8)))
        let fingerprint = Self.fingerprint(method: request.method.rawValue, path: request.uri.path,
                                           body: Data(buffer: body))
        let useID: Data
        switch try await claim(keyHash: keyHash, caller: caller, fingerprint: fingerprint) {
        case .replay(let response): return response
        case .run(let id): useID = id
        }
        let answer: IdempotentAnswer
        do {
            answer = try await handler(IdempotentCall(request: request, useID: useID))
        } catch {
            await forget(keyHash)
            throw error
        }
        await keep(answer, keyHash: keyHash)
        return answer.response
    }

    /// Deletes keys past their lifetime, at most `limit` at a time; returns how many.
    @discardableResult
    public func purgeExpired(limit: Int = 1000) async throws -> Int {
        Int(try await database.exec(SQLQueryString("""
            DELETE FROM idempotency_keys WHERE expires_at <= \(bind: now()) LIMIT \(literal: max(1, limit))
            """)).affectedRows)
    }

    // MARK: steps

    /// The key of the request: 1 to 255 visible ASCII characters.
    static func key(of request: Request) throws -> String {
        guard let raw = request.headers[header] else {
            throw ProblemError(.idempotencyKeyMissing, status: .badRequest,
                               detail: "Send a unique Idempotency-Key header (a UUID, for example) with this request")
        }
        let key = raw.trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, key.utf8.count <= maxKeyLength, key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw ProblemError(.idempotencyKeyInvalid, status: .badRequest,
                               detail: "An Idempotency-Key is 1 to \(maxKeyLength) visible ASCII characters")
        }
        return key
    }

    /// SHA-256 of the method, the path and the body (a JSON body with its object keys sorted, so that two encodings
    /// of the same values match).
    static func fingerprint(method: String, path: String, body: Data) -> Data {
        var canonical = body
        if !body.isEmpty, let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]),
           let sorted = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]) {
            canonical = sorted
        }
        var hasher = SHA256()
        hasher.update(data: Data("\(method) \(path)\u{0}".utf8))
        hasher.update(data: canonical)
        return Data(hasher.finalize())
    }

    struct KeyRow: Decodable {
        let use_id: Data
        let request_hash: Data
        let state: String
        let locked_until: Date?
        let response_status: Int?
        let response_headers: String?
        let response_body: Data?
        let expires_at: Date
    }

    enum Claim {
        /// Run the handler for this use of the key.
        case run(useID: Data)
        /// The key holds an answer already.
        case replay(Response)
    }

    /// Takes the key for this request, or answers from what the key already holds.
    func claim(keyHash: Data, caller: String, fingerprint: Data) async throws -> Claim {
        for _ in 0..<3 {
            let now = now()
            let useID = Data(randomBytes(16))
            do {
                _ = try await database.exec(SQLQueryString("""
                    INSERT INTO idempotency_keys (key_hash, caller, use_id, request_hash, state, locked_until,
                        created_at, expires_at)
                    VALUES (\(bind: keyHash), \(bind: String(caller.prefix(190))), \(bind: useID), \(bind: fingerprint),
                        'running', \(bind: now.addingTimeInterval(lease)), \(bind: now),
                        \(bind: now.addingTimeInterval(lifetime)))
                    """))
                return .run(useID: useID)
            } catch MySQLError.duplicateKey {}
            guard let row = try await database.raw("""
                SELECT use_id, request_hash, state, locked_until, response_status, response_headers, response_body,
                    expires_at
                FROM idempotency_keys WHERE key_hash = \(bind: keyHash)
                """).first(decoding: KeyRow.self) else { continue }
            if row.expires_at <= now {
                _ = try await database.exec(SQLQueryString("""
                    DELETE FROM idempotency_keys WHERE key_hash = \(bind: keyHash) AND expires_at <= \(bind: now)
                    """))
                continue
            }
            guard row.request_hash == fingerprint else {
                throw ProblemError(.idempotencyKeyReused, status: .unprocessableContent,
                                   detail: "This Idempotency-Key was sent with another request; use a new key")
            }
            if row.state == "done", let status = row.response_status {
                return .replay(Self.replay(status: status, headers: row.response_headers, body: row.response_body))
            }
            if let lockedUntil = row.locked_until, lockedUntil <= now {
                // The first request's process died before answering: this one takes over.
                let taken = try await database.exec(SQLQueryString("""
                    UPDATE idempotency_keys SET locked_until = \(bind: now.addingTimeInterval(lease))
                    WHERE key_hash = \(bind: keyHash) AND state = 'running' AND locked_until <= \(bind: now)
                    """))
                if taken.affectedRows == 1 { return .run(useID: row.use_id) }
            }
            throw ProblemError(.idempotencyKeyInUse, status: .conflict,
                               detail: "The first request with this Idempotency-Key is still being handled; "
                                   + "send it again in a moment", headers: [.retryAfter: "1"])
        }
        throw ProblemError(.idempotencyKeyInUse, status: .conflict, headers: [.retryAfter: "1"])
    }

    static func replay(status: Int, headers: String?, body: Data?) -> Response {
        var fields = HTTPFields()
        if let headers, let stored = try? JSONDecoder().decode([String: String].self, from: Data(headers.utf8)) {
            for (name, value) in stored {
                if let name = HTTPField.Name(name) { fields[name] = value }
            }
        }
        fields[replayedHeader] = "true"
        return Response(status: .init(code: status), headers: fields,
                        body: .init(byteBuffer: ByteBuffer(bytes: body ?? Data())))
    }

    /// Keeps the answer for repeats. A failure here is logged: the caller still gets the answer, and a repeat after
    /// the lease runs the handler again (which is why handlers that create things also store the key's hash).
    func keep(_ answer: IdempotentAnswer, keyHash: Data) async {
        var headers: [String: String] = [:]
        for name in Self.keptHeaders {
            if let value = answer.headers[name] { headers[name.canonicalName] = value }
        }
        let encoded = (try? JSONEncoder().encode(headers)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        do {
            _ = try await database.exec(SQLQueryString("""
                UPDATE idempotency_keys SET state = 'done', locked_until = NULL,
                    response_status = \(bind: Int(answer.status.code)), response_headers = \(bind: encoded),
                    response_body = \(bind: Data(answer.body))
                WHERE key_hash = \(bind: keyHash) AND state = 'running'
                """))
        } catch {
            logger.warning("could not keep an idempotent answer", metadata: ["error": "\(error)"])
        }
    }

    /// Frees the key after the handler failed: the same request may be sent again.
    func forget(_ keyHash: Data) async {
        do {
            _ = try await database.exec(SQLQueryString("""
                DELETE FROM idempotency_keys WHERE key_hash = \(bind: keyHash) AND state = 'running'
                """))
        } catch {
            logger.warning("could not free an idempotency key", metadata: ["error": "\(error)"])
        }
    }
}
