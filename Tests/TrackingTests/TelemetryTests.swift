import Foundation
import HummingbirdTesting
import SetragKernel
import SetragMQTT
import SetragTesting
import Testing
@testable import Tracking

/// Devices publishing on `setrag/telemetry/<deviceId>`, read by tracking's shared subscription on a real broker.
@Suite(.serialized)
struct TelemetryTests {
    static func client(_ broker: TestBroker, _ id: String) async throws -> MQTTClient {
        let client = MQTTClient(configuration: broker.configuration(clientID: id), logger: TestEnvironment.logger)
        try await client.connect()
        return client
    }

    /// Waits until `condition` holds (at most 15 s).
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<150 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func fixesPublishedOverMQTTAreCheckedLikeHTTPOnesAndStoredInBatches() async throws {
        try await TrackingFixture.run { fixture, client in
            let broker = try TestBroker(persistence: false)
            try await broker.start()
            defer { broker.kill() }
            let trip = try await fixture.trip()
            let (device, authorization) = try await fixture.device(client, trip: trip.id)
            let key = String(authorization.split(separator: ":").last!)
            let listener = try await Self.client(broker, "tracking-1")
            let phone = try await Self.client(broker, "device-\(device)")
            let consumer = TrackingModule.telemetryConsumer(parts: fixture.parts, broker: listener,
                                                            logger: TestEnvironment.logger, now: fixture.clock.now)
            let subscription = try await consumer.subscribe()
            let running = Task { try await consumer.consume(subscription) }
            defer { running.cancel() }

            let topic = "setrag/telemetry/\(device)"
            func publish(_ object: [String: Any], to topic: String = topic,
                         properties: [MQTTUserProperty] = []) async throws {
                try await phone.publish(topic: topic, payload: Array(try fixture.json(object).utf8), qos: .atLeastOnce,
                                        userProperties: properties)
            }
            let fixes = (0..<5).map { IngestionTests.fix(ts: fixture.iso(Double($0 * 10) - 100), Double($0) / 5,
                                                         seq: $0) }
            try await publish(["key": key, "fixes": Array(fixes[0..<3])])
            // The key as an MQTT 5 user property; one fix sent again.
            try await phone.publish(topic: topic, payload: Array(try fixture.json(["fixes": Array(fixes[2..<5])]).utf8),
                                    qos: .atLeastOnce, userProperties: [MQTTUserProperty("key", key)])
            // Refused: a wrong key, another device's topic, a fix without key (this broker checks no login), a body
            // that is not a batch, an implausible fix.
            try await publish(["key": "wrong", "fixes": [fixes[4]]])
            try await publish(["key": key, "fixes": [fixes[4]]], to: "setrag/telemetry/\(device + 1)")
            try await publish(fixes[4])
            try await phone.publish(topic: topic, payload: Array("not json".utf8), qos: .atLeastOnce)
            try await publish(["key": key, "fixes": [], "extra": 1])
            try await publish(["key": key, "fixes": [IngestionTests.fix(ts: fixture.iso(-5), 0.9, speed: 260)]])

            // Every message handled: the counters are incremented once the batch is committed.
            let handled = try await Self.eventually {
                fixture.counter("tracking_fixes_accepted_total", #"source="mqtt""#) == 5
                    && fixture.counter("tracking_fixes_duplicate_total", #"source="mqtt""#) == 1
                    && fixture.counter("tracking_fixes_rejected_total", #"reason="too-fast""#, #"source="mqtt""#) == 1
                    && fixture.counter("tracking_messages_refused_total", #"reason="malformed""#) == 2
                    && fixture.counter("tracking_messages_refused_total", #"reason="unauthorized""#) == 3
            }
            #expect(handled)
            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM positions") == 5)
            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM positions WHERE trip_id = \(trip.id)") == 5)
            let train = try await fixture.send(client, .get, "/api/v1/trains").objects("trains").first
            #expect(train?["runId"] as? Int == trip.id)
            #expect(train?["leg"].flatMap { ($0 as? [String: Any])?["to"] as? String } == "NDJ")

            running.cancel()
            _ = try? await running.value
            await phone.disconnect()
            await listener.disconnect()
        }
    }

    /// A flush after a backlog holds more fixes than one statement may carry: stored in chunks, all of them, each
    /// device's latest position the newest of its fixes.
    @Test func aLargeFlushOfManyDevicesIsStoredWhole() async throws {
        try await TrackingFixture.run { fixture, client in
            var batches: [(DeviceRecord, [Fix])] = []
            for _ in 0..<3 {
                let (id, _) = try await fixture.device(client)
                let device = try #require(try await fixture.parts.store.device(id: id))
                let fixes = (0..<1700).map { n -> Fix in
                    let point = IngestionTests.nearNdjole(Double(n) / 1700)
                    return Fix(ts: fixture.clock.now().addingTimeInterval(Double(n) - 1800), lat: point.lat,
                               lon: point.lon, speedKmh: 60, seq: Int64(n))
                }
                batches.append((device, fixes))
            }
            let report = try await fixture.parts.ingest.save(batches, source: .mqtt, now: fixture.clock.now())
            #expect(report.accepted == 5100 && report.duplicates == 0)
            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM positions") == 5100)
            for (device, fixes) in batches {
                let latest = try #require(fixture.parts.live.latest(device: device.id, trip: 0))
                #expect(abs(latest.fix.ts.timeIntervalSince(fixes.last!.ts)) < 0.01)
            }
            // Sent again whole: nothing new, nothing lost.
            let again = try await fixture.parts.ingest.save(batches, source: .mqtt, now: fixture.clock.now())
            #expect(again.accepted == 0 && again.duplicates == 5100)
        }
    }
}

