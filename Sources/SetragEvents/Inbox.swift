import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import SQLKit
import ServiceLifecycle
import SetragKernel
import SetragMQTT
import SetragMySQL

/// Consumers record each event id in their inbox in the same transaction as the event's effect: a redelivered
/// event finds its id there and changes nothing.
public enum Inbox {
    /// True the first time `consumer` sees `eventID`; false for a redelivery. Call inside the effect's transaction.
    public static func claim(eventID: String, consumer: String, on transaction: any MySQLDatabase) async throws -> Bool {
        let result = try await transaction.exec(SQLQueryString("""
            INSERT IGNORE INTO event_inbox (event_id, consumer, received_at)
            VALUES (\(bind: eventID), \(bind: consumer), \(bind: Date()))
            """))
        return result.affectedRows == 1
    }
}

/// Where a consumer catches up on a producer's events: its `/internal/events?after=<sequence>` feed.
public protocol EventFeed: Sendable {
    func events(after sequence: UInt64, limit: Int) async throws -> [EventEnvelope]
}

/// The catch-up feed of a producer, over HTTP.
public struct HTTPEventFeed: EventFeed {
    let baseURL: String
    let client: HTTPClient

    public init(baseURL: String, client: HTTPClient) {
        self.baseURL = baseURL
        self.client = client
    }

    struct Page: Codable { let events: [EventEnvelope] }

    public func events(after sequence: UInt64, limit: Int) async throws -> [EventEnvelope] {
        let request = HTTPClientRequest(url: "\(baseURL)/internal/events?after=\(sequence)&limit=\(limit)")
        let response = try await client.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw EventsError.feedFailed(Int(response.status.code)) }
        let body = try await response.body.collect(upTo: 64 << 20)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Page.self, from: Data(buffer: body)).events
    }
}

public enum EventsError: Error { case feedFailed(Int) }

/// The producer side of catch-up: `GET /internal/events?after=<sequence>&limit=<n>` on the service's own port.
/// The gateway never routes `/internal/`.
public enum EventFeedRoute {
    public static func register(on router: Router<AppContext>, service: String, database: any MySQLDatabase) {
        router.get("/internal/events") { request, _ in
            let after = request.uri.queryParameters.get("after", as: UInt64.self) ?? 0
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 500, 1), 5000)
            let events = try await Outbox.events(after: after, limit: limit, service: service, on: database)
            return JSONResponse(HTTPEventFeed.Page(events: events))
        }
    }
}

/// Applies a producer's events exactly once: live from MQTT (a shared subscription, so replicas split the work)
/// and from the producer's catch-up feed at start-up and every `catchUpInterval`, which fills any gap the broker
/// left. Both paths go through the inbox, so an event seen twice has one effect.
public struct EventConsumer: Service {
    public typealias Handler = @Sendable (EventEnvelope, any MySQLDatabase) async throws -> Void

    public struct Options: Sendable {
        public var catchUpInterval: Duration = .seconds(30)
        /// Events younger than this may still have an older sequence committing beside them: the cursor stays
        /// behind them (the inbox absorbs the re-reading).
        public var cursorLag: TimeInterval = 10
        public var pageSize = 500
        public init() {}
    }

    public let name: String
    let producer: String
    let database: any MySQLDatabase
    let broker: MQTTClient
    let feed: any EventFeed
    let options: Options
    let logger: Logger
    let handler: Handler

    public init(name: String, producer: String, database: any MySQLDatabase, broker: MQTTClient, feed: any EventFeed,
                options: Options = Options(), logger: Logger, handler: @escaping Handler) {
        self.name = name
        self.producer = producer
        self.database = database
        self.broker = broker
        self.feed = feed
        self.options = options
        self.logger = logger
        self.handler = handler
    }

    public func run() async throws {
        let subscription = try await broker.subscribe(
            "$share/\(name)/" + EventTopics.all(of: producer), qos: .atLeastOnce)
        try? await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await message in subscription {
                        do {
                            try await apply(try EventEnvelope.decode(from: message.payload))
                        } catch {
                            // The catch-up feed will bring it again.
                            logger.warning("event not applied", metadata: ["error": "\(error)", "topic": "\(message.topic)"])
                        }
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await catchUp() } catch is CancellationError { return } catch {
                            logger.warning("event catch-up failed", metadata: ["error": "\(error)"])
                        }
                        try await Task.sleep(for: options.catchUpInterval)
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
        subscription.cancel()
    }

    /// Applies one event unless this consumer has already seen it; returns whether it had an effect.
    @discardableResult
    public func apply(_ event: EventEnvelope) async throws -> Bool {
        let name = self.name
        let handler = self.handler
        return try await retryingDeadlocks {
            try await database.withTransaction { tx in
                guard try await Inbox.claim(eventID: event.id, consumer: name, on: tx) else { return false }
                try await handler(event, tx)
                return true
            }
        }
    }

    struct CursorRow: Decodable { let last_sequence: UInt64 }

    /// Reads the producer's feed from this consumer's cursor to the end; returns how many events had an effect.
    @discardableResult
    public func catchUp(now: Date = Date()) async throws -> Int {
        var cursor = try await database.raw("""
            SELECT last_sequence FROM event_cursor WHERE consumer = \(bind: name) AND producer = \(bind: producer)
            """).first(decoding: CursorRow.self)?.last_sequence ?? 0
        var applied = 0
        var reading = cursor
        while true {
            let page = try await feed.events(after: reading, limit: options.pageSize)
            var blocked = false
            for event in page {
                if try await apply(event) { applied += 1 }
                reading = event.sequence
                if !blocked, now.timeIntervalSince(event.occurredAt) >= options.cursorLag { cursor = event.sequence }
                else { blocked = true }
            }
            if page.count < options.pageSize { break }
        }
        _ = try await database.exec(SQLQueryString("""
            INSERT INTO event_cursor (consumer, producer, last_sequence, updated_at)
            VALUES (\(bind: name), \(bind: producer), \(bind: cursor), \(bind: now))
            ON DUPLICATE KEY UPDATE last_sequence = GREATEST(last_sequence, VALUES(last_sequence)),
                updated_at = VALUES(updated_at)
            """))
        return applied
    }
}

/// What a service does with one kind of another service's events, in the transaction of each event's inbox claim:
/// `apply` is the effect; the consumer (live from MQTT, and catching up from the producer's feed) and the decoding
/// (events of other names are ignored, other versions logged and ignored) come with it.
public protocol EventApplier: Sendable {
    associatedtype Event: DomainEvent
    /// The service whose events these are.
    static var producer: String { get }
    /// The consumer's name: its inbox entries, its catch-up cursor and its MQTT shared-subscription group.
    static var consumerName: String { get }
    var database: any MySQLDatabase { get }
    var logger: Logger { get }
    func apply(_ event: Event, on tx: any MySQLDatabase) async throws
}

extension EventApplier {
    public func consumer(broker: MQTTClient, feed: any EventFeed, name: String = Self.consumerName,
                         options: EventConsumer.Options = EventConsumer.Options()) -> EventConsumer {
        EventConsumer(name: name, producer: Self.producer, database: database, broker: broker, feed: feed,
                      options: options, logger: logger) { event, tx in
            try await handle(event, on: tx)
        }
    }

    /// One event of the producer's, inside the inbox claim's transaction.
    public func handle(_ event: EventEnvelope, on tx: any MySQLDatabase) async throws {
        guard let payload = try event.decodeIfCurrent(Event.self, logger: logger) else { return }
        try await apply(payload, on: tx)
    }
}
