import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import SetragKernel

/// The trains as the public sees them: the runs with a recent fix, each with its newest position and estimates.
struct TrainsView: Sendable {
    let store: any TrackingStore
    let progress: RunProgressTracker
    /// A run is shown while its latest fix is at most this old.
    let activeWindow: TimeInterval

    func active(now: Date) async throws -> [TrainJSON] {
        var trains: [TrainJSON] = []
        for train in try await store.trains(since: now.addingTimeInterval(-activeWindow)) {
            trains.append(try await json(run: train.run, position: train.position, now: now))
        }
        return trains
    }

    func json(run: RunRecord, position: StoredPosition, now: Date) async throws -> TrainJSON {
        TrainJSON(run: run, position: position, progress: try await estimate(tripID: run.tripID, now: now))
    }

    /// The run's progress and its estimate as of `now`; nil before its first fix on the line.
    func estimate(tripID: Int, now: Date) async throws -> (RunProgress, RunEstimate)? {
        try await progress.progress(tripID: tripID).map { ($0, $0.estimate(now: now)) }
    }

    /// One run's newest position, as a list of zero or one train.
    func run(_ id: Int, now: Date) async throws -> [TrainJSON] {
        guard let run = try await store.run(tripID: id), let latest = try await store.latest(tripID: id) else {
            return []
        }
        return [try await json(run: run, position: latest, now: now)]
    }
}

/// Tells the live channel about the runs a stored batch moved: each run's newest position (never an older one that
/// came late) with its estimates.
struct LiveAnnouncer: Sendable {
    let updates: LiveUpdates
    let view: TrainsView
    let live: LiveState
    let logger: Logger

    func announce(_ stored: [StoredPosition], now: Date) async {
        var newest: [Int: StoredPosition] = [:]
        for position in stored where position.tripID != 0 {
            guard let latest = live.latest(device: position.deviceID, trip: position.tripID) else { continue }
            if newest[position.tripID].map({ $0.fix.ts < latest.fix.ts }) ?? true { newest[position.tripID] = latest }
        }
        for (trip, position) in newest.sorted(by: { $0.key < $1.key }) {
            do {
                guard let run = try await view.progress.schedule(tripID: trip, now: now)?.run else { continue }
                await updates.announce(try await view.json(run: run, position: position, now: now))
            } catch {
                logger.warning("live update not made", metadata: ["trip_id": "\(trip)", "error": "\(error)"])
            }
        }
    }
}

/// `/api/v1/live`: a WebSocket where a client subscribes to every train, one run, or the train of one of its
/// bookings (see `LiveMessage`). Each subscription first gets the current state, so a client that reconnects
/// simply subscribes again. Public channels need no sign-in; a booking's needs the caller's token, and booking
/// says whether the booking is theirs.
struct LiveChannel: Sendable {
    static let path = "/api/v1/live"
    typealias Handler = WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>

    let hub: LiveHub
    let view: TrainsView
    let bookings: any BookingLink
    let verifier: AccessTokenVerifier?
    let now: @Sendable () -> Date

    func shouldUpgrade(_ head: HTTPRequest, logger: Logger) async -> ShouldUpgradeResult<Handler> {
        guard URI(head.path ?? "/").path == Self.path else { return .dontUpgrade }
        let authorization = head.headerFields[.authorization]
        if let authorization {
            // A token that does not verify is refused at the handshake.
            guard authorization.lowercased().hasPrefix("bearer "), let verifier,
                  (try? await verifier.verify(String(authorization.dropFirst(7)))) != nil else { return .dontUpgrade }
        }
        return .upgrade([:]) { inbound, outbound, _ in
            try await session(inbound: inbound, outbound: outbound, authorization: authorization, logger: logger)
        }
    }

    func session(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, authorization: String?,
                 logger: Logger) async throws {
        let (id, messages) = hub.subscribe()
        defer { hub.unsubscribe(id) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await text in messages { try await outbound.write(.text(text)) }
            }
            group.addTask {
                for try await message in inbound.messages(maxSize: 4096) {
                    guard case .text(let text) = message else {
                        fail("invalid", "Send JSON text", to: id)
                        continue
                    }
                    await handle(text, subscriber: id, authorization: authorization, logger: logger)
                }
            }
            // The client went away (or the stream ended): the other task stops with it.
            _ = try await group.next()
            group.cancelAll()
        }
    }

    func handle(_ text: String, subscriber id: Int, authorization: String?, logger: Logger) async {
        guard let request = try? JSONDecoder().decode(LiveMessage.Request.self, from: Data(text.utf8)) else {
            fail("invalid", #"Send {"subscribe": "trains"}, {"subscribe": "run", "runId": 1} or {"subscribe": "booking", "pnr": "…"}"#, to: id)
            return
        }
        let now = now()
        do {
            switch request.subscribe {
            case "trains":
                hub.set(.all, for: id)
                snapshot("trains", try await view.active(now: now), to: id)
            case "run":
                guard let run = request.runId, (1...Int(UInt32.max)).contains(run) else {
                    fail("invalid", "runId must be a run's id", to: id)
                    return
                }
                hub.set(.runs([run]), for: id)
                snapshot("run", try await view.run(run, now: now), to: id)
            case "booking":
                guard let authorization else {
                    fail("unauthorized", "Sign in to follow the train of a booking", to: id)
                    return
                }
                guard let pnr = request.pnr,
                      let trip = try await bookings.trip(ofBooking: pnr.uppercased(), authorization: authorization) else {
                    fail("not-found", "No such booking of yours", to: id)
                    return
                }
                hub.set(.runs([trip]), for: id)
                snapshot("booking", try await view.run(trip, now: now), to: id)
            default:
                fail("invalid", "Unknown channel \(request.subscribe)", to: id)
            }
        } catch {
            logger.warning("live subscription failed", metadata: ["error": "\(String(reflecting: error))"])
            fail("unavailable", "Try again shortly", to: id)
        }
    }

    func snapshot(_ channel: String, _ trains: [TrainJSON], to id: Int) {
        if let text = LiveMessage.text(LiveMessage.Snapshot(channel: channel, trains: trains)) { hub.send(text, to: id) }
    }

    func fail(_ code: String, _ message: String, to id: Int) {
        if let text = LiveMessage.text(LiveMessage.Failure(code: code, message: message)) { hub.send(text, to: id) }
    }
}
