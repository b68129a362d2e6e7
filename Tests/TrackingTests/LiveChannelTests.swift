import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import HummingbirdWebSocket
import SetragKernel
import SetragMQTT
import SetragTesting
import Synchronization
import Testing
@testable import Tracking

/// `/api/v1/live`: a subscriber gets the current state, then each train's update as soon as its fixes are stored;
/// a client that reconnects gets the state again; bad requests get an error message, not a dropped socket.
@Suite(.serialized)
struct LiveChannelTests {
    static func object(_ text: String?) -> [String: Any] {
        guard let text, let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }

    /// The live channel of the fixture's tracking on a live server (booking is not running: a booking's channel
    /// cannot be opened without a sign-in anyway).
    static func withLiveServer(_ fixture: TrackingFixture, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void)
        async throws
    {
        let channel = LiveChannel(hub: fixture.parts.hub, view: fixture.parts.view,
                                  bookings: HTTPBookingLink(baseURL: "http://127.0.0.1:1", http: HTTPClient.shared),
                                  verifier: nil, now: fixture.clock.now)
        let app = Application(
            router: Router(context: BasicRequestContext.self),
            server: .http1WebSocketUpgrade { head, _, logger in await channel.shouldUpgrade(head, logger: logger) },
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live, test)
    }

    @Test func aSubscriberGetsTheStateThenEachUpdateAsItIsStored() async throws {
        try await TrackingFixture.run { fixture, client in
            let trip = try await fixture.trip()
            let (_, authorization) = try await fixture.device(client, trip: trip.id)
            let batch = { @Sendable (seconds: Double, fraction: Double, seq: Int) throws -> String in
                try fixture.json(["fixes": [IngestionTests.fix(ts: fixture.iso(seconds), fraction, seq: seq)]])
            }
            try await Self.withLiveServer(fixture) { live in
                try await live.ws("/api/v1/live") { inbound, outbound, _ in
                    var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                    func next() async throws -> [String: Any] {
                        guard case .text(let text) = try await messages.next() else { return [:] }
                        return Self.object(text)
                    }
                    try await outbound.write(.text(#"{"subscribe": "trains"}"#))
                    let empty = try await next()
                    #expect(empty["type"] as? String == "snapshot" && (empty["trains"] as? [Any])?.isEmpty == true)

                    let sent = ContinuousClock.now
                    let stored = try await fixture.send(client, .post, "/api/v1/positions",
                                                        authorization: authorization, body: try batch(-30, 0.3, 1))
                    #expect(stored.status == .ok)
                    let update = try await next()
                    #expect(ContinuousClock.now - sent < .seconds(1))
                    #expect(update["type"] as? String == "train")
                    let train = update["train"] as? [String: Any] ?? [:]
                    #expect(train["runId"] as? Int == trip.id && train["trainNumber"] as? Int == trip.trainNumber)
                    #expect(train["pk"] as? Double != nil)

                    // A late fix (older than the newest) moves nothing back: the update is the newest position.
                    _ = try await fixture.send(client, .post, "/api/v1/positions", authorization: authorization,
                                               body: try batch(-10, 0.5, 2))
                    let newer = try await next()
                    _ = try await fixture.send(client, .post, "/api/v1/positions", authorization: authorization,
                                               body: try batch(-20, 0.4, 3))
                    let late = try await next()
                    let newest = (newer["train"] as? [String: Any])?["updatedAt"] as? String
                    #expect(newest != nil && (late["train"] as? [String: Any])?["updatedAt"] as? String == newest)

                    try await outbound.write(.text("nonsense"))
                    let invalid = try await next()
                    #expect(invalid["type"] as? String == "error" && invalid["code"] as? String == "invalid")
                    try await outbound.write(.text(#"{"subscribe": "booking", "pnr": "K7Q2ZB"}"#))
                    let unsigned = try await next()
                    #expect(unsigned["type"] as? String == "error" && unsigned["code"] as? String == "unauthorized")
                }
                // Reconnecting: the run's channel starts with its current state.
                try await live.ws("/api/v1/live") { inbound, outbound, _ in
                    var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                    try await outbound.write(.text(#"{"subscribe": "run", "runId": \#(trip.id)}"#))
                    guard case .text(let text) = try await messages.next() else { Issue.record("no snapshot"); return }
                    let snapshot = Self.object(text)
                    #expect(snapshot["type"] as? String == "snapshot" && snapshot["channel"] as? String == "run")
                    let trains = snapshot["trains"] as? [[String: Any]] ?? []
                    #expect(trains.count == 1 && trains.first?["runId"] as? Int == trip.id)
                    // Another run's channel hears nothing of this one.
                    try await outbound.write(.text(#"{"subscribe": "run", "runId": 999999}"#))
                    guard case .text(let other) = try await messages.next() else { return }
                    #expect((Self.object(other)["trains"] as? [Any])?.isEmpty == true)
                }
            }
            #expect(fixture.parts.hub.count == 0)
        }
    }

    static func train(run: Int) -> TrainJSON {
        let record = RunRecord(tripID: run, trainNumber: 211, serviceDate: "2026-11-24", service: "express",
                               origin: "OWE", destination: "FCV", departureAt: nil, arrivalAt: nil, status: "scheduled")
        let position = StoredPosition(deviceID: 1, tripID: run, fix: Fix(ts: Date(), lat: -0.1, lon: 10.7),
                                      line: nil, motion: .moving, receivedAt: Date())
        return TrainJSON(run: record, position: position, progress: nil)
    }

    @Test func updatesReachTheSubscribersOfEveryTrackingProcessThroughTheBroker() async throws {
        let broker = try TestBroker(persistence: false)
        try await broker.start()
        defer { broker.kill() }
        let (first, second) = (LiveHub(), LiveHub())
        let publisher = LiveUpdates(broker: try await TelemetryTests.client(broker, "tracking-a"), hub: first,
                                    logger: TestEnvironment.logger)
        let other = LiveUpdates(broker: try await TelemetryTests.client(broker, "tracking-b"), hub: second,
                                logger: TestEnvironment.logger)
        let relays = [Task { try await publisher.run() }, Task { try await other.run() }]
        defer { relays.forEach { $0.cancel() } }
        let (everything, all) = first.subscribe()
        first.set(.all, for: everything)
        let (one, mine) = second.subscribe()
        second.set(.runs([42]), for: one)

        // Announced by the first process: heard by both processes' subscribers, not by those of another run.
        let done = Atomic<Bool>(false)
        let heard = Task { () -> (String?, String?) in
            var a = all.makeAsyncIterator(), b = mine.makeAsyncIterator()
            let result = (await a.next(), await b.next())
            done.store(true, ordering: .relaxed)
            return result
        }
        // The relays subscribe in the background: announce until heard (at most 5 s).
        for _ in 0..<50 where !done.load(ordering: .relaxed) {
            await publisher.announce(Self.train(run: 43))
            await publisher.announce(Self.train(run: 42))
            try await Task.sleep(for: .milliseconds(100))
        }
        let (a, b) = await heard.value
        #expect(Self.object(a)["type"] as? String == "train")
        #expect((Self.object(b)["train"] as? [String: Any])?["runId"] as? Int == 42)
        first.unsubscribe(everything)
        second.unsubscribe(one)
    }
}

