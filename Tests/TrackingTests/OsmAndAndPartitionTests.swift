import Foundation
import HummingbirdTesting
import SQLKit
import SetragKernel
import SetragTesting
import Testing
@testable import Tracking

/// Phones and trackers speaking the OsmAnd protocol (Traccar Client, OsmAnd's live tracking).
@Suite(.serialized)
struct OsmAndTests {
    struct Row: Decodable {
        let speed_kmh: Double?
        let heading: Double?
        let altitude_m: Double?
        let pk_km: Double?
    }

    @Test func osmAndFixesAreStoredFromQueriesAndFormsWithTheKeyInEitherPlace() async throws {
        try await TrackingFixture.run { fixture, client in
            let trip = try await fixture.trip()
            let (device, authorization) = try await fixture.device(client, trip: trip.id)
            let key = String(authorization.split(separator: ":").last!)
            let encodedKey = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key
            let now = Int(fixture.clock.now().timeIntervalSince1970)
            // At Ndjolé (PK 182), 20 knots.
            let query = "id=\(device)&lat=-0.1811&lon=10.7682&timestamp=\(now - 60)&speed=20&bearing=90&altitude=55"
            let stored = try await fixture.send(client, .get, "/osmand?\(query)&key=\(encodedKey)")
            #expect(stored.status == .ok && stored["accepted"] as? Int == 1)
            let row = try #require(try await fixture.trackingDB.pool.raw(
                "SELECT speed_kmh, heading, altitude_m, pk_km FROM positions").first(decoding: Row.self))
            #expect(row.speed_kmh == 37.0 && row.heading == 90 && row.altitude_m == 55)
            #expect(abs((row.pk_km ?? 0) - 182) < 0.5)

            // The same fix again: a duplicate, not an error.
            let again = try await fixture.send(client, .get, "/osmand?\(query)&key=\(encodedKey)")
            #expect(again.status == .ok && again["duplicates"] as? Int == 1)
            // A form body, the key in the Authorization header.
            let form = "id=\(device)&lat=-0.1500&lon=10.8&timestamp=\(now - 30)&speed=0"
            let posted = try await fixture.send(client, .post, "/osmand", authorization: authorization,
                                                contentType: "application/x-www-form-urlencoded", body: form)
            #expect(posted.status == .ok && posted["accepted"] as? Int == 1)

            let wrongKey = try await fixture.send(client, .get, "/osmand?\(query)&key=nope")
            #expect(wrongKey.status == .unauthorized)
            let noKey = try await fixture.send(client, .get, "/osmand?\(query)")
            #expect(noKey.status == .unauthorized)
            let otherID = try await fixture.send(
                client, .get, "/osmand?\(query.replacingOccurrences(of: "id=\(device)", with: "id=\(device + 1)"))",
                authorization: authorization)
            #expect(otherID.status == .unauthorized)
            let missing = try await fixture.send(client, .get, "/osmand?id=\(device)&lat=-0.18&key=\(encodedKey)")
            #expect(missing.status == .unprocessableContent && missing.errors == ["lon:required", "timestamp:required"])
            let json = try await fixture.send(client, .post, "/osmand", authorization: authorization,
                                              contentType: "application/json", body: "{}")
            #expect(json.status == .unsupportedMediaType)
            let impossible = try await fixture.send(
                client, .get, "/osmand?id=\(device)&lat=-97&lon=10.8&timestamp=\(now)&key=\(encodedKey)")
            #expect(impossible.status == .unprocessableContent)
            #expect(impossible.errors == ["fixes.0:impossible-coordinates"])
            let fast = try await fixture.send(
                client, .get, "/osmand?id=\(device)&lat=-0.15&lon=10.8&timestamp=\(now)&speed=120&key=\(encodedKey)")
            #expect(fast.status == .unprocessableContent && fast.errors == ["fixes.0:too-fast"])

            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM positions") == 2)
            #expect(fixture.counter("tracking_fixes_accepted_total", #"source="osmand""#) == 2)
            #expect(fixture.counter("tracking_fixes_duplicate_total", #"source="osmand""#) == 1)
            #expect(fixture.counter("tracking_fixes_rejected_total", #"reason="impossible-coordinates""#,
                                    #"source="osmand""#) == 1)
            #expect(fixture.counter("tracking_fixes_rejected_total", #"reason="too-fast""#, #"source="osmand""#) == 1)
            let trains = try await fixture.send(client, .get, "/api/v1/trains")
            #expect(trains.objects("trains").first?["motion"] as? String == "moving")
        }
    }
}

/// The positions table's day partitions on the real server: made ahead, old ones dropped with their fixes.
@Suite(.serialized)
struct PartitionTests {
    struct PartitionCount: Decodable { let n: Int }

    @Test func dayPartitionsAreMadeAheadAndDroppedAfterTheRetentionPeriod() async throws {
        try await TrackingFixture.run { fixture, client in
            let store = fixture.parts.store
            let today = PositionDay.of(fixture.clock.now())
            let names = try await store.partitions().map(\.name)
            #expect(names == (today - 1...today + 7).map(PositionDay.partitionName) + ["p_future"])

            // Fixes of today and of three days ago, each in the partition of its day (the lowest holds the older).
            let trip = try await fixture.trip()
            let (_, authorization) = try await fixture.device(client, trip: trip.id)
            let batch = try fixture.json(["fixes": [
                IngestionTests.fix(ts: fixture.iso(-3 * 86_400), 0.2), IngestionTests.fix(ts: fixture.iso(-60), 0.4),
            ]])
            let stored = try await fixture.send(client, .post, "/api/v1/positions", authorization: authorization,
                                                body: batch)
            #expect(stored["accepted"] as? Int == 2)
            func rows(_ partition: String) async throws -> Int {
                try await fixture.count("SELECT COUNT(*) AS n FROM positions PARTITION (\(partition))")
            }
            #expect(try await rows(PositionDay.partitionName(today)) == 1)
            #expect(try await rows(PositionDay.partitionName(today - 1)) == 1)

            let maintainer = TrackingModule.maintainer(parts: fixture.parts, logger: TestEnvironment.logger)
            // The same day again: nothing to do.
            let idle = try await maintainer.maintain(now: fixture.clock.now())
            #expect(idle.add.isEmpty && idle.drop.isEmpty)
            // Ninety-two days on: the partitions of those fixes are past the 90 days kept.
            let later = fixture.clock.now().addingTimeInterval(92 * 86_400)
            let plan = try await maintainer.maintain(now: later)
            #expect(plan.drop.contains(PositionDay.partitionName(today)))
            let after = try await store.partitions()
            #expect(after.last?.name == "p_future")
            #expect(after.compactMap(\.lessThan).min() == today + 92 - 90 + 1)
            #expect(after.compactMap(\.lessThan).max() == today + 92 + 7 + 1)
            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM positions") == 0)
        }
    }
}
