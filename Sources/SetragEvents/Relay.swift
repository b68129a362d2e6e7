import Foundation
import Logging
import SQLKit
import ServiceLifecycle
import SetragKernel
import SetragMQTT
import SetragMySQL

/// Publishes a service's outbox to MQTT (QoS 1, completing on the broker's acknowledgement) and then marks the
/// rows sent. A crash between the two republishes the rows later: consumers' inboxes make that harmless. Rows are
/// claimed with `FOR UPDATE SKIP LOCKED`, so several relays (one per process) share the work.
public struct OutboxRelay: Service {
    public struct Options: Sendable {
        public var batchSize = 100
        public var idleDelay: Duration = .milliseconds(200)
        public var errorDelay: Duration = .seconds(1)
        public init() {}
    }

    let service: String
    let database: any MySQLDatabase
    let broker: MQTTClient
    let options: Options
    let logger: Logger
    /// Called after publishing and before marking (tests use it to crash the relay in between).
    let afterPublish: (@Sendable ([EventEnvelope]) async throws -> Void)?

    public init(service: String, database: any MySQLDatabase, broker: MQTTClient, options: Options = Options(),
                logger: Logger, afterPublish: (@Sendable ([EventEnvelope]) async throws -> Void)? = nil) {
        self.service = service
        self.database = database
        self.broker = broker
        self.options = options
        self.logger = logger
        self.afterPublish = afterPublish
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let sent = try await relayOnce()
                    if sent == 0 { try await Task.sleep(for: options.idleDelay) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("outbox relay failed; retrying", metadata: ["error": "\(error)"])
                    try await Task.sleep(for: options.errorDelay)
                }
            }
        }
    }

    /// Publishes one batch; returns how many events went out.
    @discardableResult
    public func relayOnce() async throws -> Int {
        let service = self.service
        let broker = self.broker
        let batchSize = self.options.batchSize
        let afterPublish = self.afterPublish
        return try await database.withTransaction { tx in
            let rows = try await tx.raw("""
                SELECT sequence, id, name, version, occurred_at, request_id, payload FROM event_outbox
                WHERE published_at IS NULL ORDER BY sequence LIMIT \(bind: batchSize) FOR UPDATE SKIP LOCKED
                """).all(decoding: Outbox.Row.self)
            guard !rows.isEmpty else { return 0 }
            let events = rows.map { Outbox.envelope($0, service: service) }
            for event in events {
                try await broker.publish(topic: event.topic, payload: try event.encoded(), qos: .atLeastOnce)
            }
            try await afterPublish?(events)
            let sequences = SQLList(events.map { SQLBind($0.sequence) })
            _ = try await tx.exec(SQLQueryString(
                "UPDATE event_outbox SET published_at = \(bind: Date()) WHERE sequence IN (\(sequences))"))
            return events.count
        }
    }
}
