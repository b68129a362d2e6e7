import Foundation
import Logging
import SetragMQTT
import Tracking

/// `setrag simulate trains`: moves the trains of the timetable along the line and publishes their fixes over MQTT
/// as locomotive trackers do (`setrag/telemetry/<deviceId>`, QoS 1, `{"key": ..., "fixes": [...]}`), so that the
/// platform's tracking, ETAs, delays and live map run as they would with real trains. Development and tests only.
///
/// The simulation's clock starts at `from` (in the past, or now) and runs `speed` times faster than real time until
/// it has caught up with now; from then on it is real time, so fixes never carry a time in the future. Every
/// `refresh` of simulated time it asks inventory for the trips on the line around that time, and gives each new one
/// a tracker of its own (`sim-<train>-<date>`, registered in tracking's database with a fresh key, and assigned to
/// the trip). Each train may leave late and be held between stations (`delays`), drawn once per run.
public struct TrainSimulator: Sendable {
    public struct Options: Sendable {
        public var from: Date
        public var speed: Double
        /// Simulated seconds between two fixes of a train.
        public var interval: TimeInterval
        public var delays: DelayPlan
        public var seed: UInt64
        public var refresh: TimeInterval = 300

        public init(from: Date, speed: Double, interval: TimeInterval, delays: DelayPlan, seed: UInt64) {
            self.from = from
            self.speed = speed
            self.interval = interval
            self.delays = delays
            self.seed = seed
        }
    }

    struct Tracker {
        var run: SimulatedRun
        var deviceID: Int
        var key: String
        var seq: Int
    }

    let options: Options
    let inventory: any InventoryLink
    let store: any TrackingStore
    let broker: MQTTClient
    let logger: Logger

    public init(options: Options, inventory: any InventoryLink, store: any TrackingStore, broker: MQTTClient,
                logger: Logger) {
        self.options = options
        self.inventory = inventory
        self.store = store
        self.broker = broker
        self.logger = logger
    }

    /// Runs until cancelled.
    public func run() async throws {
        let realStart = Date()
        func simulatedNow() -> Date {
            let now = Date()
            return min(now, options.from.addingTimeInterval(now.timeIntervalSince(realStart) * options.speed))
        }
        let network = try await inventory.network()
        let line = LineGeometry(points: network.line, stations: network.stations)
        let pks = line.stationPKs
        var random = SeededGenerator(seed: options.seed)
        var trackers: [Int: Tracker] = [:]
        var refreshed: Date?
        logger.info("train simulator started", metadata: [
            "from": "\(options.from)", "speed": "\(options.speed)", "interval_s": "\(options.interval)"])
        while !Task.isCancelled {
            let now = simulatedNow()
            if refreshed.map({ now.timeIntervalSince($0) >= options.refresh }) ?? true {
                refreshed = now
                do {
                    for trip in try await inventory.trips(from: now.addingTimeInterval(-3600),
                                                          to: now.addingTimeInterval(3600))
                    where trackers[trip.id] == nil && trip.status != "cancelled" {
                        guard let run = SimulatedRun(trip: trip, pks: pks, delays: options.delays, random: &random)
                        else { continue }
                        trackers[trip.id] = try await tracker(for: run, now: now)
                    }
                } catch {
                    logger.warning("trips not read", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
            for (id, tracker) in trackers {
                guard now <= tracker.run.end else {
                    trackers[id] = nil
                    continue
                }
                guard let place = tracker.run.position(at: now) else { continue }
                var next = tracker
                next.seq += 1
                trackers[id] = next
                await publish(place, at: now, tracker: next, line: line)
            }
            // Real time between two rounds: shorter while catching up.
            let caughtUp = Date().timeIntervalSince(now) < options.interval
            let pause = caughtUp ? options.interval : max(0.05, options.interval / options.speed)
            try await Task.sleep(for: .milliseconds(Int(pause * 1000)))
        }
    }

    /// The run's tracker: found by name or registered, given a new key, assigned to the trip.
    func tracker(for run: SimulatedRun, now: Date) async throws -> Tracker {
        let name = "sim-\(run.trip.trainNumber)-\(run.trip.serviceDate)"
        let key = DeviceKey.make()
        let device: DeviceRecord
        if let known = try await store.devices().first(where: { $0.name == name }) {
            try await store.rekey(device: known.id, keyHash: DeviceKey.hash(key))
            device = known
        } else {
            device = try await store.createDevice(name: name, kind: "locomotive", keyHash: DeviceKey.hash(key),
                                                  createdBy: "simulator", now: Date())
        }
        _ = try await store.assign(device: device.id, to: run.trip.run, now: Date())
        logger.info("simulated train", metadata: [
            "train": "\(run.trip.trainNumber)", "trip_id": "\(run.trip.id)", "device_id": "\(device.id)",
            "from": "\(run.start)", "to": "\(run.end)"])
        // Fixes in a run carry increasing seqs; a restart continues after those already sent today.
        let seq = Int(now.timeIntervalSince1970) - Int(run.start.timeIntervalSince1970)
        return Tracker(run: run, deviceID: device.id, key: key, seq: max(0, seq))
    }

    func publish(_ place: (pk: Double, speedKmh: Double), at time: Date, tracker: Tracker, line: LineGeometry) async {
        let point = line.point(atPK: place.pk)
        let fix: [String: Any] = [
            "ts": TrackingTime.utc(time), "lat": point.lat, "lon": point.lon,
            "speed": (place.speedKmh * 10).rounded() / 10, "accuracy": 10, "seq": tracker.seq,
        ]
        let message: [String: Any] = ["key": tracker.key, "fixes": [fix]]
        do {
            let payload = try JSONSerialization.data(withJSONObject: message, options: [.sortedKeys])
            try await broker.publish(topic: "setrag/telemetry/\(tracker.deviceID)", payload: [UInt8](payload))
        } catch {
            logger.warning("fix not published", metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}
