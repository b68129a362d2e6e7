import Foundation
import HummingbirdTesting
import NIOCore
import SQLKit
import SetragKernel
import Testing
@testable import Tracking

/// Devices send fixes: stored once each with their PK, implausible ones refused and counted, bad input a 4xx.
@Suite(.serialized)
struct IngestionTests {
    /// A point `fraction` of the way from Abanga (PK 148) to Ndjolé (PK 182), on the polyline.
    static func nearNdjole(_ fraction: Double) -> (lat: Double, lon: Double) {
        (-0.049 + (-0.1811 + 0.049) * fraction, 10.535 + (10.7682 - 10.535) * fraction)
    }

    static func fix(ts: String, _ fraction: Double, speed: Double = 60, seq: Int? = nil) -> [String: Any] {
        let point = nearNdjole(fraction)
        var fix: [String: Any] = ["ts": ts, "lat": point.lat, "lon": point.lon, "speed": speed, "heading": 120,
                                  "accuracy": 8]
        if let seq { fix["seq"] = seq }
        return fix
    }

    struct PositionRow: Decodable {
        let seq: Int?
        let trip_id: Int
        let pk_km: Double?
        let speed_kmh: Double?
        let ts: Date
    }

    static func positions(_ fixture: TrackingFixture) async throws -> [PositionRow] {
        try await fixture.trackingDB.pool.raw("SELECT seq, trip_id, pk_km, speed_kmh, ts FROM positions ORDER BY ts")
            .all(decoding: PositionRow.self)
    }

    @Test func aBatchIsStoredOnceWithItsPKAndDuplicatesAndLateFixesAreHandled() async throws {
        try await TrackingFixture.run { fixture, client in
            let trip = try await fixture.trip()
            let (device, authorization) = try await fixture.device(client, trip: trip.id)
            let times = (0..<6).map { fixture.iso(Double($0 * 20) - 200) }
            let batch = try fixture.json(["fixes": [
                Self.fix(ts: times[1], 0.2, seq: 1), Self.fix(ts: times[2], 0.4, seq: 2),
                Self.fix(ts: times[3], 0.6, seq: 3),
            ]])
            let unsigned = try await fixture.send(client, .post, "/api/v1/positions", body: batch)
            #expect(unsigned.status == .unauthorized && unsigned.contentType == "application/problem+json")
            let wrong = try await fixture.send(client, .post, "/api/v1/positions",
                                               authorization: "Device \(device):not-the-key", body: batch)
            #expect(wrong.status == .unauthorized)
            let otherDevice = try await fixture.send(
                client, .post, "/api/v1/positions",
                authorization: authorization.replacingOccurrences(of: "Device \(device):", with: "Device 999:"),
                body: batch)
            #expect(otherDevice.status == .unauthorized)
            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM positions") == 0)

            let first = try await fixture.send(client, .post, "/api/v1/positions", authorization: authorization,
                                               body: batch)
            #expect(first.status == .ok)
            #expect(first["accepted"] as? Int == 3 && first["duplicates"] as? Int == 0)
            let stored = try await Self.positions(fixture)
            #expect(stored.map(\.seq) == [1, 2, 3])
            #expect(stored.allSatisfy { $0.trip_id == trip.id })
            let pks = stored.compactMap(\.pk_km)
            #expect(pks.count == 3 && pks == pks.sorted() && pks.allSatisfy { (148...182).contains($0) })

            // Sent again with one more: only the new one is stored. Same seq at another time, same time with
            // another seq: duplicates too.
            let again = try fixture.json(["fixes": [
                Self.fix(ts: times[1], 0.2, seq: 1), Self.fix(ts: times[2], 0.4, seq: 2),
                Self.fix(ts: times[3], 0.6, seq: 3), Self.fix(ts: times[4], 0.8, seq: 4),
                Self.fix(ts: times[5], 0.9, seq: 2), Self.fix(ts: times[3], 0.6, seq: 30),
            ]])
            let second = try await fixture.send(client, .post, "/api/v1/positions", authorization: authorization,
                                                body: again)
            #expect(second["accepted"] as? Int == 1 && second["duplicates"] as? Int == 5)
            // A late fix, older than all the others, arrives last: stored; the latest position stays the newest.
            let late = try await fixture.send(client, .post, "/api/v1/positions", authorization: authorization,
                                              body: try fixture.json(["fixes": [Self.fix(ts: times[0], 0.1, seq: 0)]]))
            #expect(late["accepted"] as? Int == 1)
            #expect(try await Self.positions(fixture).map(\.seq) == [0, 1, 2, 3, 4])
            let latest = try #require(try await fixture.parts.store.latest(tripID: trip.id))
            #expect(abs(latest.fix.ts.timeIntervalSince(try #require(FixTime.iso(times[4])))) < 0.001)
            #expect(fixture.parts.live.latest(device: device, trip: trip.id)?.fix.ts == latest.fix.ts)

            #expect(fixture.counter("tracking_fixes_accepted_total", #"source="http""#) == 5)
            #expect(fixture.counter("tracking_fixes_duplicate_total", #"source="http""#) == 5)

            // The public views: the live train and its track.
            let trains = try await fixture.send(client, .get, "/api/v1/trains")
            #expect(trains.status == .ok)
            let train = try #require(trains.objects("trains").first)
            #expect(trains.objects("trains").count == 1)
            #expect(train["runId"] as? Int == trip.id && train["trainNumber"] as? Int == trip.trainNumber)
            let pk = try #require(train["pk"] as? Double)
            #expect(abs(pk - pks[2]) > 1 && pk > pks[2] && pk < 182)
            #expect(train["speed"] as? Double == 60 && train["motion"] as? String == "moving")
            let leg = try #require(train["leg"] as? [String: Any])
            #expect(leg["from"] as? String == "ABA" && leg["to"] as? String == "NDJ")
            #expect((train["updatedAt"] as? String)?.hasSuffix("+01:00") == true)

            let run = try await fixture.send(client, .get, "/api/v1/trains/\(trip.id)")
            #expect(run.status == .ok && run["trainNumber"] as? Int == trip.trainNumber)
            let track = run.objects("track")
            #expect(track.count == 5)
            let trackPKs = track.compactMap { $0["pk"] as? Double }
            #expect(trackPKs == trackPKs.sorted() && trackPKs.count == 5)
            #expect(try await fixture.send(client, .get, "/api/v1/trains/\(trip.id)?minutes=0").status
                        == .unprocessableContent)
            #expect(try await fixture.send(client, .get, "/api/v1/trains/987654").status == .notFound)

            // Half an hour later without a fix the train is no longer live.
            fixture.clock.advance(seconds: 31 * 60)
            #expect(try await fixture.send(client, .get, "/api/v1/trains").objects("trains").isEmpty)
        }
    }

    @Test func aBatchWithImplausibleFixesIsRefusedWholeAndTheyAreCounted() async throws {
        try await TrackingFixture.run { fixture, client in
            let trip = try await fixture.trip()
            let (_, authorization) = try await fixture.device(client, trip: trip.id)
            var impossible = Self.fix(ts: fixture.iso(-30), 0.5)
            impossible["lat"] = 95.0
            var abroad = Self.fix(ts: fixture.iso(-25), 0.5)
            abroad["lat"] = 48.85
            abroad["lon"] = 2.35
            let batch = try fixture.json(["fixes": [
                Self.fix(ts: fixture.iso(-40), 0.3), impossible, Self.fix(ts: fixture.iso(-20), 0.5, speed: 250),
                Self.fix(ts: fixture.iso(600), 0.6), abroad, Self.fix(ts: fixture.iso(-91 * 86_400), 0.6),
            ]])
            let refused = try await fixture.send(client, .post, "/api/v1/positions", authorization: authorization,
                                                 body: batch)
            #expect(refused.status == .unprocessableContent && refused.problemType == "fixes-rejected")
            #expect(refused.errors == ["fixes.1:impossible-coordinates", "fixes.2:too-fast", "fixes.3:in-the-future",
                                       "fixes.4:outside-gabon", "fixes.5:too-old"])
            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM positions") == 0)
            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM latest_positions") == 0)
            for reason in ["impossible-coordinates", "too-fast", "in-the-future", "outside-gabon", "too-old"] {
                #expect(fixture.counter("tracking_fixes_rejected_total", #"reason="\#(reason)""#,
                                        #"source="http""#) == 1, "\(reason)")
            }
            #expect(fixture.counter("tracking_fixes_accepted_total", #"source="http""#) == 0)
        }
    }

    @Test func badInputIsAProblemAndNothingIsStored() async throws {
        try await TrackingFixture.run { fixture, client in
            let (_, authorization) = try await fixture.device(client)
            func post(_ body: String, contentType: String = "application/json") async throws -> Answer {
                try await fixture.send(client, .post, "/api/v1/positions", authorization: authorization,
                                       contentType: contentType, body: body)
            }
            let good = Self.fix(ts: fixture.iso(-10), 0.5)
            let tooMany = try fixture.json(["fixes": Array(repeating: good, count: 1001)])
            let many = try await post(tooMany)
            #expect(many.status == .unprocessableContent && many.problemType == "batch-size")
            #expect(try await post(#"{"fixes": []}"#).problemType == "batch-size")
            #expect(try await post(#"{"fixes": [{"ts": "#).status == .badRequest)
            #expect(try await post("[]").status == .badRequest)
            var noLat = good
            noLat["lat"] = nil
            #expect(try await post(try fixture.json(["fixes": [good, noLat]])).errors == ["fixes.1.lat:required"])
            var extra = good
            extra["colour"] = "red"
            #expect(try await post(try fixture.json(["fixes": [extra]])).errors == ["fixes.0.colour:invalid"])
            var badTime = good
            badTime["ts"] = "yesterday"
            #expect(try await post(try fixture.json(["fixes": [badTime]])).errors == ["fixes.0.ts:invalid"])
            var textLat = good
            textLat["lat"] = "north"
            #expect(try await post(try fixture.json(["fixes": [textLat]])).errors == ["fixes.0.lat:wrong-type"])
            var negative = good
            negative["seq"] = -1
            #expect(try await post(try fixture.json(["fixes": [negative]])).errors == ["fixes.0.seq:invalid"])
            #expect(try await post(try fixture.json(["fixes": [good]]), contentType: "text/plain").status
                        == .unsupportedMediaType)
            #expect(try await post(try fixture.json(["fixes": [good], "device": 3])).errors == ["device:unknown-field"])

            // A 10 MB body is refused before it is read.
            let huge = String(repeating: " ", count: 10 << 20) + "{}"
            let tooLarge = try await post(huge)
            #expect(tooLarge.status == .contentTooLarge && tooLarge.contentType == "application/problem+json")
            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM positions") == 0)

            // A device assigned to no run: its fixes are kept (run 0) and shown in no train.
            let stored = try await post(try fixture.json(["fixes": [good]]))
            #expect(stored["accepted"] as? Int == 1)
            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM positions WHERE trip_id = 0") == 1)
            #expect(try await fixture.send(client, .get, "/api/v1/trains").objects("trains").isEmpty)
        }
    }

    @Test func parallelBatchesOfOneDeviceStoreEachFixOnce() async throws {
        try await TrackingFixture.run { fixture, client in
            let trip = try await fixture.trip()
            let (_, authorization) = try await fixture.device(client, trip: trip.id)
            let times = (0..<120).map { fixture.iso(Double($0) - 600) }
            // Eight batches of 40 fixes each, overlapping: 120 distinct fixes, 200 sent twice or more.
            let batches = try (0..<8).map { batch in
                try fixture.json(["fixes": (0..<40).map { offset in
                    let index = (batch * 11 + offset) % 120
                    return Self.fix(ts: times[index], Double(index) / 120, seq: index)
                }])
            }
            typealias Outcome = (status: HTTPResponse.Status, accepted: Int, duplicates: Int)
            let answers = try await withThrowingTaskGroup(of: Outcome.self) { group in
                for batch in batches {
                    group.addTask {
                        let answer = try await fixture.send(client, .post, "/api/v1/positions",
                                                            authorization: authorization, body: batch)
                        return (answer.status, answer["accepted"] as? Int ?? 0, answer["duplicates"] as? Int ?? 0)
                    }
                }
                return try await group.reduce(into: [Outcome]()) { $0.append($1) }
            }
            #expect(answers.count == 8 && answers.allSatisfy { $0.status == .ok })
            let distinct = Set((0..<8).flatMap { batch in (0..<40).map { (batch * 11 + $0) % 120 } }).count
            #expect(answers.reduce(0) { $0 + $1.accepted } == distinct)
            #expect(answers.reduce(0) { $0 + $1.duplicates } == 320 - distinct)
            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM positions") == distinct)
            let latest = try #require(try await fixture.parts.store.latest(tripID: trip.id))
            let newest = (0..<8).flatMap { batch in (0..<40).map { (batch * 11 + $0) % 120 } }.max()!
            #expect(abs(latest.fix.ts.timeIntervalSince(try #require(FixTime.iso(times[newest])))) < 0.001)
        }
    }
}
