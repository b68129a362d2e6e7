import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SQLKit
import SetragEvents
import SetragKernel
import SetragMQTT
import SetragMySQL
import SetragTesting
import Testing

struct SeatsSold: DomainEvent {
    static let name = "SeatsSold"
    static let version = 1
    let trip: String
    let seats: Int
}

struct CrashBetweenPublishAndMark: Error {}

/// The consumer's effect: one row per event, counting how often the event was applied.
let effectHandler: EventConsumer.Handler = { event, tx in
    let sold = try event.decode(SeatsSold.self)
    _ = try await tx.exec(SQLQueryString("""
        INSERT INTO effects (event_id, trip, applied) VALUES (\(bind: event.id), \(bind: sold.trip), 1)
        ON DUPLICATE KEY UPDATE applied = applied + 1
        """))
}

struct EffectRow: Decodable {
    let event_id: String
    let applied: Int
}

func effects(_ db: any MySQLDatabase) async throws -> [EffectRow] {
    try await db.raw("SELECT event_id, applied FROM effects").all(decoding: EffectRow.self)
}

func eventuallyTrue(_ seconds: Double = 20, _ check: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await check() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await check()
}

func appendEvents(_ count: Int, on db: any MySQLDatabase, trip: String) async throws {
    for i in 0..<count {
        try await db.withTransaction { tx in
            try await Outbox.append(SeatsSold(trip: trip, seats: i), on: tx)
        }
    }
}

@Suite(.serialized) struct EventsTests {
    @Test func outboxRowsExistOnlyWithTheirTransaction() async throws {
        let db = try await TestEnvironment.freshDatabase("events_tx")
        try await db.migrate([EventsMigrations.outbox(service: "booking")])
        struct Failure: Error {}
        await #expect(throws: Failure.self) {
            try await db.pool.withTransaction { tx in
                try await Outbox.append(SeatsSold(trip: "t1", seats: 1), on: tx)
                throw Failure()
            }
        }
        try await appendEvents(2, on: db.pool, trip: "t2")
        let events = try await Outbox.events(after: 0, limit: 10, service: "booking", on: db.pool)
        let trips = try events.map { try $0.decode(SeatsSold.self).trip }
        #expect(trips == ["t2", "t2"])
        #expect(events[0].sequence < events[1].sequence)
        await db.drop()
    }

    /// The relay dies between publishing and marking; later the broker is killed with messages queued for an
    /// offline consumer. Every event is applied exactly once all the same.
    @Test func noEventLostAndNoEffectAppliedTwice() async throws {
        let db = try await TestEnvironment.freshDatabase("events")
        try await db.migrate([EventsMigrations.outbox(service: "booking"), EventsMigrations.inbox(service: "notify")])
        _ = try await db.pool.exec(SQLRaw("""
            CREATE TABLE effects (event_id CHAR(36) PRIMARY KEY, trip VARCHAR(20) NOT NULL, applied INT NOT NULL)
            """))
        // No persistence: a killed broker certainly loses the messages queued for the offline consumer.
        let broker = try TestBroker(persistence: false)
        try await broker.start()
        let logger = TestEnvironment.logger

        let port = broker.port
        @Sendable func mqtt(_ id: String, persistent: Bool) -> MQTTClient {
            var configuration = MQTTConfiguration(clientID: id, port: port)
            configuration.reconnectDelayMin = 1
            configuration.reconnectDelayMax = 1
            if persistent {
                configuration.cleanStart = false
                configuration.sessionExpiry = 3600
            }
            return MQTTClient(configuration: configuration, logger: logger)
        }

        // The producer's catch-up feed, served over real HTTP.
        let router = Router(context: AppContext.self)
        EventFeedRoute.register(on: router, service: "booking", database: db.pool)
        let app = Application(router: router)
        try await app.test(.live) { client in
            let feed = HTTPEventFeed(baseURL: "http://127.0.0.1:\(client.port!)", client: .shared)
            var options = EventConsumer.Options()
            options.catchUpInterval = .milliseconds(500)
            options.cursorLag = 0

            let producer = mqtt("producer", persistent: false)
            try await producer.connect()
            let firstClient = mqtt("consumer", persistent: true)
            try await firstClient.connect()
            let first = EventConsumer(name: "notify", producer: "booking", database: db.pool, broker: firstClient,
                                      feed: feed, options: options, logger: logger, handler: effectHandler)
            let firstRun = Task { try await first.run() }

            // 1. The relay publishes, then dies before marking the rows sent.
            try await appendEvents(20, on: db.pool, trip: "first")
            let crashing = OutboxRelay(service: "booking", database: db.pool, broker: producer, logger: logger) { _ in
                throw CrashBetweenPublishAndMark()
            }
            await #expect(throws: CrashBetweenPublishAndMark.self) { try await crashing.relayOnce() }
            #expect(try await eventuallyTrue { try await effects(db.pool).count == 20 })
            // A new relay publishes the same rows again; the consumer's inbox ignores them.
            let relay = OutboxRelay(service: "booking", database: db.pool, broker: producer, logger: logger)
            #expect(try await relay.relayOnce() == 20)
            #expect(try await relay.relayOnce() == 0)
            try await Task.sleep(for: .seconds(1))
            #expect(try await effects(db.pool).allSatisfy { $0.applied == 1 })

            // 2. The consumer goes offline; events queue in the broker, which is then killed before saving them.
            firstRun.cancel()
            _ = try? await firstRun.value
            await firstClient.disconnect()
            try await appendEvents(30, on: db.pool, trip: "second")
            #expect(try await relay.relayOnce() == 30)
            broker.kill()
            try await broker.start()
            let secondClient = mqtt("consumer", persistent: true)
            try await secondClient.connect()
            let second = EventConsumer(name: "notify", producer: "booking", database: db.pool, broker: secondClient,
                                       feed: feed, options: options, logger: logger, handler: effectHandler)
            let secondRun = Task { try await second.run() }
            #expect(try await eventuallyTrue { try await effects(db.pool).count == 50 })
            try await Task.sleep(for: .seconds(1))
            let all = try await effects(db.pool)
            #expect(all.count == 50)
            #expect(all.allSatisfy { $0.applied == 1 })

            secondRun.cancel()
            _ = try? await secondRun.value
            await secondClient.disconnect()
            await producer.disconnect()
        }
        broker.kill()
        await db.drop()
    }
}
