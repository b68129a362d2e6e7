import Foundation
import HummingbirdTesting
import SetragKernel
import Testing
@testable import Tracking

/// Each run's track downsampled to a point a minute (`run_history`), written with the positions and kept long after
/// them (`tracking.history_days`).
@Suite(.serialized)
struct RunHistoryTests {
    @Test func aRunsTrackIsKeptAPointAMinuteOnceAndForgottenAfterItsDays() async throws {
        try await TrackingFixture.run { fixture, client in
            let trip = try await fixture.trip()
            let (_, authorization) = try await fixture.device(client, trip: trip.id)
            let plan = try await fixture.plan(trip: trip.id)
            let start = try plan.time(plan.stops[0].departure)
            let firstPK = try #require(plan.pk[plan.stops[0].station])
            let way: Double = try #require(plan.pk[plan.stops[1].station]) > firstPK ? 1 : -1
            // Six minutes of fixes, one every 15 s, moving along the line towards the next stop.
            let fixes = (0..<24).map { index in
                (ts: start.addingTimeInterval(Double(index) * 15), pk: firstPK + way * Double(index) * 0.25)
            }
            fixture.clock.advance(seconds: fixes.last!.ts.timeIntervalSince(fixture.clock.now()) + 30)
            let formatter = ISO8601DateFormatter()
            let items: [[String: Any]] = fixes.enumerated().map { index, fix in
                let point = plan.line.point(atPK: fix.pk)
                return ["ts": formatter.string(from: fix.ts), "lat": point.lat, "lon": point.lon, "speed": 60,
                        "seq": index + 1]
            }
            let body = try fixture.json(["fixes": items])
            #expect(try await fixture.send(client, .post, "/api/v1/positions", authorization: authorization,
                                           body: body).status == .ok)

            let minutes = Dictionary(grouping: fixes) { Int(($0.ts.timeIntervalSince1970 / 60).rounded(.down)) }
            let history = try await fixture.send(client, .get, "/api/v1/trains/\(trip.id)/history")
            #expect(history.status == .ok)
            #expect(history["runId"] as? Int == trip.id && history["trainNumber"] as? Int == trip.trainNumber)
            let points = history.objects("points")
            #expect(points.count == minutes.count)
            // Each point is its minute's first fix, in order.
            let pks = points.compactMap { $0["pk"] as? Double }
            let firstOfEach = minutes.keys.sorted().map { minutes[$0]!.min { $0.ts < $1.ts }!.pk }
            #expect(pks.count == firstOfEach.count)
            for (found, expected) in zip(pks, firstOfEach) {
                #expect(abs(found - expected) < 0.05)
            }
            // On the whole minute, in Libreville time.
            #expect(points.allSatisfy { ($0["ts"] as? String)?.hasSuffix(":00+01:00") == true })

            // The same fixes again (a device resending its buffer): nothing new.
            _ = try await fixture.send(client, .post, "/api/v1/positions", authorization: authorization, body: body)
            #expect(try await fixture.send(client, .get, "/api/v1/trains/\(trip.id)/history").objects("points").count
                        == minutes.count)

            // Past its days, the history goes (the maintainer's round does this with tracking.history_days).
            let maintainer = PartitionMaintainer(store: fixture.parts.store, daysAhead: 1, retentionDays: 90,
                                                 historyDays: 1, interval: .seconds(60), logger: fixture.logs.logger)
            try await maintainer.maintain(now: fixes.last!.ts.addingTimeInterval(86_400 - 3600))
            #expect(try await fixture.send(client, .get, "/api/v1/trains/\(trip.id)/history").objects("points").count
                        == minutes.count)
            try await maintainer.maintain(now: fixes.last!.ts.addingTimeInterval(86_400 + 3600))
            #expect(try await fixture.send(client, .get, "/api/v1/trains/\(trip.id)/history").objects("points").isEmpty)
            #expect(try await fixture.send(client, .get, "/api/v1/trains/987654/history").status == .notFound)
        }
    }
}
