import Foundation
import HummingbirdTesting
import Testing
@testable import Tracking

/// Driving a run through the real ingestion: a trip as inventory times it, with its stations' PKs and the line, and
/// fixes sent along keyframes as a device would send them (HTTP batches).
extension TrackingFixture {
    struct RunPlan {
        let trip: InventoryTrip
        /// The trip's stops in order.
        let stops: [InventoryTrip.Stop]
        /// Each station's PK.
        let pk: [String: Double]
        let line: LineGeometry

        func time(_ text: String?) throws -> Date { try #require(text.flatMap(FixTime.iso)) }
    }

    func plan(trip id: Int) async throws -> RunPlan {
        let trip = try #require(try await parts.inventory.trip(id: id))
        let line = try await parts.ingest.geometry.geometry()
        return RunPlan(trip: trip, stops: trip.stops.sorted { $0.seq < $1.seq }, pk: line.stationPKs, line: line)
    }

    /// Sends a fix a minute along `keyframes` (stopped where the PK does not change, else at `speedKmh`) in batches
    /// of `batch`, after moving the test clock to `clockAfter` seconds past the last fix (the trips run in the
    /// coming days); the fixes' seqs count from `firstSeq`. Returns the fixes and the request bodies sent (to send
    /// them again).
    @discardableResult
    func drive(_ client: any TestClientProtocol, authorization: String, plan: RunPlan, keyframes: [(Date, Double)],
               speedKmh: Double = 60, heading: Double? = nil, batch: Int = 100, clockAfter: TimeInterval = 30,
               firstSeq: Int = 1) async throws -> (fixes: [RunProgressTests.Fix], bodies: [String])
    {
        let fixes = RunProgressTests.drive(keyframes)
        clock.advance(seconds: fixes.last!.ts.timeIntervalSince(clock.now()) + clockAfter)
        let formatter = ISO8601DateFormatter()
        var bodies: [String] = []
        for start in stride(from: 0, to: fixes.count, by: batch) {
            let items: [[String: Any]] = fixes[start..<min(start + batch, fixes.count)].enumerated().map {
                offset, fix in
                let point = plan.line.point(atPK: fix.pk)
                var item: [String: Any] = ["ts": formatter.string(from: fix.ts), "lat": point.lat, "lon": point.lon,
                                           "speed": fix.stopped ? 0 : speedKmh, "seq": firstSeq + start + offset]
                if let heading { item["heading"] = heading }
                return item
            }
            let body = try json(["fixes": items])
            let answer = try await send(client, .post, "/api/v1/positions", authorization: authorization, body: body)
            try #require(answer.status == .ok)
            bodies.append(body)
        }
        return (fixes, bodies)
    }
}
