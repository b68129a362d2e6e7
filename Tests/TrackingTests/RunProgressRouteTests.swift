import Foundation
import HummingbirdTesting
import SQLKit
import SetragKernel
import Testing
@testable import Tracking

/// A run driven through the real ingestion (HTTP batches) against inventory's timetable: its arrivals, departures
/// and delay thresholds go to the outbox once each, and the trains' routes show the delay and the live ETAs.
@Suite(.serialized)
struct RunProgressRouteTests {
    struct EventRow: Decodable {
        let name: String
        let payload: String
    }

    @Test func aRunHeldUpBetweenStationsAnnouncesEachThresholdOnceAndShowsItsDelay() async throws {
        try await TrackingFixture.run { fixture, client in
            let trip = try await fixture.trip()
            let (_, authorization) = try await fixture.device(client, trip: trip.id)
            let plan = try await fixture.plan(trip: trip.id)
            let (pk, stops) = (plan.pk, plan.stops)
            try #require(stops.count >= 4)
            func time(_ text: String?) throws -> Date { try plan.time(text) }
            let (first, second, third) = (stops[0], stops[1], stops[2])
            let leaves = try time(first.departure)
            let legTwo = try time(third.arrival).timeIntervalSince(try time(second.departure))
            // On time to the second stop; held 70 minutes halfway to the third; then the leg's second half.
            let halfway = (pk[second.station]! + pk[third.station]!) / 2
            let heldFrom = try time(second.departure).addingTimeInterval(legTwo / 2)
            let heldUntil = heldFrom.addingTimeInterval(70 * 60)
            let arrives = heldUntil.addingTimeInterval(legTwo / 2)
            let keyframes: [(Date, Double)] = [
                (leaves.addingTimeInterval(-300), pk[first.station]!), (leaves, pk[first.station]!),
                (try time(second.arrival), pk[second.station]!), (try time(second.departure), pk[second.station]!),
                (heldFrom, halfway), (heldUntil, halfway), (arrives, pk[third.station]!),
                (arrives.addingTimeInterval(300), pk[third.station]!),
            ]
            // Fixes for the trip running in the coming days: the test clock just after the last one.
            let batches = try await fixture.drive(client, authorization: authorization, plan: plan,
                                                  keyframes: keyframes, clockAfter: 60).bodies
            let events = try await fixture.trackingDB.pool.raw(
                "SELECT name, payload FROM event_outbox ORDER BY sequence").all(decoding: EventRow.self)
            func payloads(_ name: String) -> [[String: Any]] {
                events.filter { $0.name == name }.compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.payload.utf8)) as? [String: Any]
                }
            }
            #expect(payloads("TrainDelayed").compactMap { $0["thresholdMinutes"] as? Int } == [15, 30, 60])
            #expect(payloads("TrainDeparted").compactMap { $0["station"] as? String } == [first.station, second.station])
            #expect(payloads("TrainArrived").compactMap { $0["station"] as? String } == [second.station, third.station])
            let late = try #require(payloads("TrainArrived").last?["delayMinutes"] as? Int)
            #expect(late >= 65 && late <= 75)
            #expect(payloads("TrainDelayed").allSatisfy { $0["tripId"] as? Int == trip.id
                && $0["trainNumber"] as? Int == trip.trainNumber })

            // Sent again (a device resending what it buffered): nothing new is announced.
            for batch in batches {
                _ = try await fixture.send(client, .post, "/api/v1/positions", authorization: authorization, body: batch)
            }
            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM event_outbox") == events.count)

            let trains = try await fixture.send(client, .get, "/api/v1/trains")
            let train = try #require(trains.objects("trains").first { $0["runId"] as? Int == trip.id })
            // About 70 minutes late at the third stop, less the dwell a late train cuts short there.
            #expect((train["delayMinutes"] as? Int ?? 0) >= 50)
            let next = try #require(train["nextStop"] as? [String: Any])
            #expect(next["station"] as? String == third.station)

            let run = try await fixture.send(client, .get, "/api/v1/trains/\(trip.id)")
            #expect(run.status == .ok)
            let rows = run.objects("stops")
            #expect(rows.count == stops.count)
            #expect(rows.map { $0["state"] as? String }.prefix(3) == ["departed", "departed", "at"])
            #expect(rows[0]["actualDeparture"] as? String != nil && rows[1]["actualArrival"] as? String != nil)
            #expect(rows[1]["name"] as? String != rows[1]["station"] as? String)
            // The stops ahead are expected about as late as the train is now.
            let upcoming = try #require(rows.dropFirst(3).first)
            let scheduled = try time(upcoming["scheduledArrival"] as? String)
            let expected = try time(upcoming["eta"] as? String)
            #expect(expected.timeIntervalSince(scheduled) >= 50 * 60)
        }
    }
}
