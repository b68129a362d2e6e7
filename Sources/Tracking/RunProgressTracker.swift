import Foundation
import Logging
import SetragEvents
import Synchronization

/// A train left a stop (tracking's outbox, topic `setrag/events/tracking/TrainDeparted`).
public struct TrainDeparted: DomainEvent, Equatable {
    public static let name = "TrainDeparted"
    public static let version = 1
    public var tripId: Int
    public var trainNumber: Int
    public var serviceDate: String
    public var station: String
    public var scheduledAt: Date?
    public var at: Date
    /// Minutes late (negative: early); nil when the timetable gives no time there.
    public var delayMinutes: Int?
}

/// A train arrived at a stop.
public struct TrainArrived: DomainEvent, Equatable {
    public static let name = "TrainArrived"
    public static let version = 1
    public var tripId: Int
    public var trainNumber: Int
    public var serviceDate: String
    public var station: String
    public var scheduledAt: Date?
    public var at: Date
    public var delayMinutes: Int?
}

/// A train's expected delay reached 15, 30 or 60 minutes, once per threshold and run: what passengers are told.
public struct TrainDelayed: DomainEvent, Equatable {
    public static let name = "TrainDelayed"
    public static let version = 1
    public var tripId: Int
    public var trainNumber: Int
    public var serviceDate: String
    public var thresholdMinutes: Int
    public var delayMinutes: Int
    /// The next stop and when the train is now expected there.
    public var nextStation: String?
    public var expectedAt: Date?
    public var at: Date
}

/// Keeps each run's progress (`RunProgress`) up to date as its fixes are stored, and answers the estimates shown
/// with the trains. A run's timetable (its stops, their times and PKs) is read from inventory once per process.
public final class RunProgressTracker: Sendable {
    struct Schedule: Sendable {
        let run: RunRecord
        let stops: [ScheduledStop]
    }

    let store: any TrackingStore
    let inventory: any InventoryLink
    let geometry: LineGeometrySource
    let logger: Logger
    private let schedules = Mutex<[Int: Schedule]>([:])
    /// The newest progress of each run this process saw (read by the trains' routes).
    private let progress = Mutex<[Int: RunProgress]>([:])

    public init(store: any TrackingStore, inventory: any InventoryLink, geometry: LineGeometrySource,
                logger: Logger) {
        self.store = store
        self.inventory = inventory
        self.geometry = geometry
        self.logger = logger
    }

    /// The run's timetable placed on the line; nil when inventory has no such trip or a stop is not on the line.
    func schedule(tripID: Int, now: Date) async throws -> Schedule? {
        if let known = schedules.withLock({ $0[tripID] }) { return known }
        guard let trip = try await inventory.trip(id: tripID) else { return nil }
        let pks = try await geometry.geometry(now: now).stationPKs
        var stops: [ScheduledStop] = []
        for stop in trip.stops.sorted(by: { $0.seq < $1.seq }) {
            guard let pk = pks[stop.station] else {
                logger.warning("a stop of the trip is not on the line", metadata: [
                    "trip_id": "\(tripID)", "station": "\(stop.station)"])
                return nil
            }
            stops.append(ScheduledStop(seq: stop.seq, station: stop.station, pk: pk,
                                       arrival: stop.arrival.flatMap(FixTime.iso),
                                       departure: stop.departure.flatMap(FixTime.iso)))
        }
        guard stops.count >= 2 else { return nil }
        let schedule = Schedule(run: trip.run, stops: stops)
        schedules.withLock { $0[tripID] = schedule }
        return schedule
    }

    /// Moves each run on with its newly stored fixes (those placed on the line), saving its progress and events in
    /// one transaction per run. Failures are logged: the fixes are stored already, and the next ones catch up.
    public func record(_ positions: [StoredPosition], now: Date) async {
        let byRun = Dictionary(grouping: positions.filter { $0.tripID != 0 && $0.line != nil }, by: \.tripID)
        for (tripID, fixes) in byRun.sorted(by: { $0.key < $1.key }) {
            do {
                guard let schedule = try await schedule(tripID: tripID, now: now) else { continue }
                let ordered = fixes.sorted { $0.fix.ts < $1.fix.ts }
                let run = schedule.run
                let saved = try await store.updateProgress(
                    tripID: tripID, initial: RunProgress(stops: schedule.stops), now: now
                ) { progress in
                    var events: [any DomainEvent] = []
                    for position in ordered {
                        let happened = progress.advance(ts: position.fix.ts, pk: position.line!.pk,
                                                        speedKmh: position.fix.speedKmh,
                                                        stopped: position.motion == .stopped)
                        events += happened.map { Self.event($0, run: run, progress: progress) }
                    }
                    return events
                }
                progress.withLock { $0[tripID] = saved }
            } catch {
                logger.warning("run progress not updated", metadata: [
                    "trip_id": "\(tripID)", "error": "\(String(reflecting: error))"])
            }
        }
    }

    static func event(_ happened: ProgressEvent, run: RunRecord, progress: RunProgress) -> any DomainEvent {
        func minutes(_ seconds: Int?) -> Int? { seconds.map { Int((Double($0) / 60).rounded()) } }
        switch happened {
        case .departed(let index, let at, let delay):
            return TrainDeparted(tripId: run.tripID, trainNumber: run.trainNumber, serviceDate: run.serviceDate,
                                 station: progress.stops[index].station, scheduledAt: progress.stops[index].departure,
                                 at: at, delayMinutes: minutes(delay))
        case .arrived(let index, let at, let delay):
            return TrainArrived(tripId: run.tripID, trainNumber: run.trainNumber, serviceDate: run.serviceDate,
                                station: progress.stops[index].station, scheduledAt: progress.stops[index].arrival,
                                at: at, delayMinutes: minutes(delay))
        case .delayed(let threshold, let delay, let at):
            let estimate = progress.estimate(now: at)
            let next = estimate.next
            return TrainDelayed(tripId: run.tripID, trainNumber: run.trainNumber, serviceDate: run.serviceDate,
                                thresholdMinutes: threshold, delayMinutes: minutes(delay) ?? threshold,
                                nextStation: next.map { progress.stops[$0].station },
                                expectedAt: next.flatMap { estimate.eta[$0] ?? estimate.etd[$0] }, at: at)
        }
    }

    /// The run's progress: this process's newest, else the stored one.
    public func progress(tripID: Int) async throws -> RunProgress? {
        if let known = progress.withLock({ $0[tripID] }) { return known }
        guard let stored = try await store.progress(tripID: tripID) else { return nil }
        progress.withLock { $0[tripID] = $0[tripID] ?? stored }
        return stored
    }

    /// Station names by code, for the train page.
    func stationNames(now: Date) async -> [String: String] {
        (try? await geometry.geometry(now: now))?.stationNames ?? [:]
    }
}
