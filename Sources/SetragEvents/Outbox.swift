import Foundation
import Logging
import SQLKit
import SetragKernel
import SetragMySQL

/// A business event: past-tense name, a schema version owned by the producer, a JSON payload.
public protocol DomainEvent: Codable, Sendable {
    static var name: String { get }
    static var version: Int { get }
}

/// An event as it travels: over MQTT (QoS 1, topic `setrag/events/<service>/<name>`) and in the catch-up feed.
public struct EventEnvelope: Codable, Sendable, Equatable {
    /// The producer's outbox position: increasing, used by consumers' catch-up cursors.
    public var sequence: UInt64
    /// Globally unique: consumers record it in their inbox so a redelivery has no effect.
    public var id: String
    public var service: String
    public var name: String
    public var version: Int
    public var occurredAt: Date
    public var requestId: String?
    /// The event's own JSON object, as text.
    public var payload: String

    public var topic: String { EventTopics.topic(service: service, name: name) }

    public func decode<E: DomainEvent>(_ type: E.Type) throws -> E {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(E.self, from: Data(payload.utf8))
    }

    /// The payload as `E` when this is `E` in the version the consumer knows; nil for another event (consumers ignore
    /// what they do not use) and for another version of it (logged: the producer moved on).
    public func decodeIfCurrent<E: DomainEvent>(_ type: E.Type, logger: Logger) throws -> E? {
        guard name == E.name else { return nil }
        guard version == E.version else {
            logger.warning("unknown event version ignored", metadata: ["event": "\(name)", "version": "\(version)"])
            return nil
        }
        return try decode(E.self)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    public func encoded() throws -> [UInt8] { [UInt8](try Self.encoder.encode(self)) }

    public static func decode(from bytes: [UInt8]) throws -> EventEnvelope {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(EventEnvelope.self, from: Data(bytes))
    }
}

public enum EventTopics {
    public static func topic(service: String, name: String) -> String { "setrag/events/\(service)/\(name)" }
    /// Every event of a producer.
    public static func all(of service: String) -> String { "setrag/events/\(service)/#" }
}

/// The schema each service that produces or consumes events adds to its own migrations.
public enum EventsMigrations {
    public static func outbox(service: String) -> Migration {
        Migration("\(service)_events_0001_outbox", [
            """
            CREATE TABLE event_outbox (
                sequence BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                id CHAR(36) NOT NULL,
                name VARCHAR(100) NOT NULL,
                version INT NOT NULL,
                occurred_at DATETIME(6) NOT NULL,
                request_id VARCHAR(128) NULL,
                payload MEDIUMTEXT NOT NULL,
                published_at DATETIME(6) NULL,
                UNIQUE KEY event_outbox_id (id),
                KEY event_outbox_unpublished (published_at, sequence)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
        ])
    }

    public static func inbox(service: String) -> Migration {
        Migration("\(service)_events_0002_inbox", [
            """
            CREATE TABLE event_inbox (
                event_id CHAR(36) NOT NULL,
                consumer VARCHAR(100) NOT NULL,
                received_at DATETIME(6) NOT NULL,
                PRIMARY KEY (consumer, event_id)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
            """
            CREATE TABLE event_cursor (
                consumer VARCHAR(100) NOT NULL,
                producer VARCHAR(40) NOT NULL,
                last_sequence BIGINT UNSIGNED NOT NULL,
                updated_at DATETIME(6) NOT NULL,
                PRIMARY KEY (consumer, producer)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
        ])
    }
}

/// Writes events into the caller's transaction: the event exists if and only if the change that caused it was
/// committed.
public enum Outbox {
    @discardableResult
    public static func append<E: DomainEvent>(_ event: E, on transaction: any MySQLDatabase, requestID: String? = nil,
                                              now: Date = Date()) async throws -> String {
        let id = UUID().uuidString.lowercased()
        let payload = String(decoding: try EventEnvelope.encoder.encode(event), as: UTF8.self)
        _ = try await transaction.exec(SQLQueryString("""
            INSERT INTO event_outbox (id, name, version, occurred_at, request_id, payload)
            VALUES (\(bind: id), \(bind: E.name), \(bind: E.version), \(bind: now), \(bind: requestID), \(bind: payload))
            """))
        return id
    }

    struct Row: Decodable {
        let sequence: UInt64
        let id: String
        let name: String
        let version: Int
        let occurred_at: Date
        let request_id: String?
        let payload: String
    }

    static func envelope(_ row: Row, service: String) -> EventEnvelope {
        EventEnvelope(sequence: row.sequence, id: row.id, service: service, name: row.name, version: row.version,
                      occurredAt: row.occurred_at, requestId: row.request_id, payload: row.payload)
    }

    /// Events after `sequence`, oldest first (the catch-up feed).
    public static func events(after sequence: UInt64, limit: Int, service: String, on db: any MySQLDatabase)
        async throws -> [EventEnvelope]
    {
        try await db.raw("""
            SELECT sequence, id, name, version, occurred_at, request_id, payload FROM event_outbox
            WHERE sequence > \(bind: sequence) ORDER BY sequence LIMIT \(bind: limit)
            """).all(decoding: Row.self).map { envelope($0, service: service) }
    }
}
