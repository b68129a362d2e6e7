import Metrics
import Foundation
import Synchronization

/// How fixes came in: the label `source` of the ingestion counters.
public enum FixSource: String, Sendable, CaseIterable {
    case http, osmand, mqtt
}

/// Why an MQTT message was dropped before its fixes were looked at (HTTP answers these with a 4xx instead).
public enum MessageRefusal: String, Sendable, CaseIterable {
    /// Not a JSON object of the expected shape, or more than 1,000 fixes.
    case malformed
    /// No key, an unknown device or a wrong key.
    case unauthorized
}

/// Prometheus counters (through swift-metrics): `tracking_fixes_accepted_total{source}`,
/// `tracking_fixes_duplicate_total{source}`, `tracking_fixes_rejected_total{source,reason}`, and for MQTT
/// `tracking_messages_refused_total{reason}`.
public struct IngestCounters: Sendable {
    let accepted: [FixSource: Counter]
    let duplicates: [FixSource: Counter]
    let rejected: [FixSource: [FixRejection: Counter]]
    let refused: [MessageRefusal: Counter]

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        var accepted: [FixSource: Counter] = [:], duplicates: [FixSource: Counter] = [:]
        var rejected: [FixSource: [FixRejection: Counter]] = [:]
        for source in FixSource.allCases {
            let dimensions = [("source", source.rawValue)]
            accepted[source] = Counter(label: "tracking_fixes_accepted_total", dimensions: dimensions, factory: factory)
            duplicates[source] = Counter(label: "tracking_fixes_duplicate_total", dimensions: dimensions,
                                         factory: factory)
            for reason in FixRejection.allCases {
                rejected[source, default: [:]][reason] = Counter(
                    label: "tracking_fixes_rejected_total",
                    dimensions: [("reason", reason.rawValue), ("source", source.rawValue)], factory: factory)
            }
        }
        self.accepted = accepted
        self.duplicates = duplicates
        self.rejected = rejected
        var refused: [MessageRefusal: Counter] = [:]
        for reason in MessageRefusal.allCases {
            refused[reason] = Counter(label: "tracking_messages_refused_total",
                                      dimensions: [("reason", reason.rawValue)], factory: factory)
        }
        self.refused = refused
    }
}

/// Devices by id, read from the store and kept `ttl` seconds (an assignment or a new key made by this process is seen
/// at once; one made by another tracking process within `ttl`).
public final class DeviceDirectory: Sendable {
    let store: any TrackingStore
    let ttl: TimeInterval
    let cache = Mutex<[Int: (record: DeviceRecord, at: Date)]>([:])

    public init(store: any TrackingStore, ttl: TimeInterval = 10) {
        self.store = store
        self.ttl = ttl
    }

    public func device(id: Int, now: Date = Date()) async throws -> DeviceRecord? {
        if let hit = cache.withLock({ $0[id] }), now.timeIntervalSince(hit.at) < ttl { return hit.record }
        guard let record = try await store.device(id: id) else { return nil }
        cache.withLock { $0[id] = (record, now) }
        return record
    }

    public func forget(id: Int) { _ = cache.withLock { $0.removeValue(forKey: id) } }

    /// Keeps the device as this process just changed it (an automatic assignment).
    public func remember(_ record: DeviceRecord, now: Date = Date()) {
        cache.withLock { $0[record.id] = (record, now) }
    }

    /// The device whose id and key these are, or `TrackingError.deviceUnauthorized` (same answer for an unknown
    /// device and a wrong key).
    public func authenticate(id text: String, key: String) async throws -> DeviceRecord {
        guard key.utf8.count <= 128, let device = try await known(id: text),
              DeviceKey.matches(key, hash: device.keyHash) else {
            throw TrackingError.deviceUnauthorized
        }
        return device
    }

    /// The device of this id, when someone else checked its credentials (the broker, at the device's login); nil for
    /// an id that names no device.
    public func known(id text: String) async throws -> DeviceRecord? {
        guard let id = Int(text), id > 0, id <= Int(UInt32.max) else { return nil }
        return try await device(id: id)
    }
}

/// What tracking keeps in memory per device: its latest position per run, and its fixes of the last two minutes
/// (to tell moving from stopped, and to project the next fix near the last one).
public final class LiveState: Sendable {
    struct DeviceState {
        var latest: [Int: StoredPosition] = [:]
        var recent: [Motion.Sample] = []
    }

    let devices = Mutex<[Int: DeviceState]>([:])

    public init() {}

    public func load(_ positions: [StoredPosition]) {
        devices.withLock { devices in
            for position in positions { Self.keep(position, in: &devices[position.deviceID, default: .init()]) }
        }
    }

    public func latest(device: Int, trip: Int) -> StoredPosition? {
        devices.withLock { $0[device]?.latest[trip] }
    }

    func recent(device: Int) -> [Motion.Sample] { devices.withLock { $0[device]?.recent ?? [] } }

    func record(_ positions: [StoredPosition]) {
        devices.withLock { devices in
            for position in positions { Self.keep(position, in: &devices[position.deviceID, default: .init()]) }
        }
    }

    static func keep(_ position: StoredPosition, in state: inout DeviceState) {
        if state.latest[position.tripID].map({ $0.fix.ts < position.fix.ts }) ?? true {
            state.latest[position.tripID] = position
        }
        let sample = Motion.Sample(ts: position.fix.ts, lat: position.fix.lat, lon: position.fix.lon)
        state.recent.append(sample)
        let newest = state.recent.map(\.ts).max() ?? sample.ts
        state.recent = Array(state.recent.filter { newest.timeIntervalSince($0.ts) <= 120 }
            .sorted { $0.ts < $1.ts }.suffix(30))
    }
}

/// Ingestion, whatever way fixes come: checks every fix (a batch with one implausible fix is refused whole and
/// nothing of it is stored), places each on the line, stores the batch at once, keeps the latest in memory.
public struct PositionIngest: Sendable {
    public struct Report: Sendable, Equatable {
        public var accepted: Int
        public var duplicates: Int
    }

    let store: any TrackingStore
    let geometry: LineGeometrySource
    let rules: FixRules
    let live: LiveState
    let counters: IngestCounters
    /// Moves runs on (arrivals, departures, delays) with the fixes stored; none in tests of storage alone.
    let progress: RunProgressTracker?
    /// Tells the live channel (`/api/v1/live`) about the runs moved.
    let announcer: LiveAnnouncer?
    /// Assigns devices mounted on a locomotive to the trip planned with it, before their fixes are placed.
    let assigner: LocomotiveAssigner?

    init(store: any TrackingStore, geometry: LineGeometrySource, rules: FixRules, live: LiveState,
         counters: IngestCounters, progress: RunProgressTracker? = nil, announcer: LiveAnnouncer? = nil,
         assigner: LocomotiveAssigner? = nil) {
        self.store = store
        self.geometry = geometry
        self.rules = rules
        self.live = live
        self.counters = counters
        self.progress = progress
        self.announcer = announcer
        self.assigner = assigner
    }

    public func ingest(_ fixes: [Fix], device: DeviceRecord, source: FixSource, now: Date) async throws -> Report {
        try check(fixes, source: source, now: now)
        return try await save(fixes, device: device, source: source, now: now)
    }

    /// Refuses the fixes when one of them is not plausible (each refused fix counted).
    public func check(_ fixes: [Fix], source: FixSource, now: Date) throws {
        let rejections = fixes.enumerated().compactMap { index, fix in
            rules.check(fix, now: now).map { (index: index, reason: $0) }
        }
        if !rejections.isEmpty {
            for rejection in rejections { counters.rejected[source]?[rejection.reason]?.increment() }
            throw TrackingError.fixesRejected(rejections)
        }
    }

    /// Places checked fixes on the line and stores them at once (one insert).
    public func save(_ fixes: [Fix], device: DeviceRecord, source: FixSource, now: Date) async throws -> Report {
        try await save([(device, fixes)], source: source, now: now)
    }

    /// Places the checked fixes of several devices on the line and stores them all in one transaction (MQTT's
    /// flush: one insert for every device's fixes of the interval, not one per device).
    public func save(_ batches: [(DeviceRecord, [Fix])], source: FixSource, now: Date) async throws -> Report {
        let line = try await geometry.geometry(now: now)
        var positions: [StoredPosition] = []
        for (sent, fixes) in batches {
            // The run the fixes are for, at the time of the newest (a device on a locomotive may be assigned now).
            var device = sent
            if let assigner, let newest = fixes.map(\.ts).max() {
                device = await assigner.resolve(sent, at: newest, now: now)
            }
            let trip = device.tripID ?? 0
            var hint = live.latest(device: device.id, trip: trip)?.line?.pk
            var recent = live.recent(device: device.id)
            for fix in fixes.sorted(by: { $0.ts < $1.ts }) {
                let place = line.locate(lat: fix.lat, lon: fix.lon, hint: hint)
                let sample = Motion.Sample(ts: fix.ts, lat: fix.lat, lon: fix.lon)
                let motion = Motion.classify(speedKmh: fix.speedKmh, latest: sample, recent: recent)
                positions.append(StoredPosition(deviceID: device.id, tripID: trip, fix: fix, line: place,
                                                motion: motion, receivedAt: now))
                hint = place?.pk ?? hint
                recent.append(sample)
            }
        }
        guard !positions.isEmpty else { return Report(accepted: 0, duplicates: 0) }
        let batch = try await store.store(positions)
        let inserted = batch.inserted
        live.record(batch.stored)
        if inserted > 0 {
            await progress?.record(batch.stored, now: now)
            await announcer?.announce(batch.stored, now: now)
        }
        counters.accepted[source]?.increment(by: inserted)
        counters.duplicates[source]?.increment(by: positions.count - inserted)
        return Report(accepted: inserted, duplicates: positions.count - inserted)
    }
}
