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
///
/// Like a real tracker, each one has its own broker connection, logged in with its device id and key (`broker` gives
/// the broker's address; its login is not used). Where tracking writes the broker's logins (`brokerAuth`), the
/// simulator writes them too after registering a tracker, so that the broker knows the new key before it logs in.
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
        /// Its own connection, logged in as the device.
        var client: MQTTClient
    }

    let options: Options
    let inventory: any InventoryLink
    let store: any TrackingStore
    let broker: MQTTConfiguration
    let brokerAuth: BrokerAuthWriter?
    let logger: Logger

    public init(options: Options, inventory: any InventoryLink, store: any TrackingStore, broker: MQTTConfiguration,
                brokerAuth: BrokerAuthWriter? = nil, logger: Logger) {
        self.options = options
        self.inventory = inventory
        self.store = store
        self.broker = broker
        self.brokerAuth = brokerAuth
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
        logger.info("train simulator started", metadata: [
            "from": "\(options.from)", "speed": "\(options.speed)", "interval_s": "\(options.interval)"])
        var failure: (any Error)?
        do {
            try await simulate(line: line, pks: pks, random: &random, trackers: &trackers, simulatedNow: simulatedNow)
        } catch {
            failure = error
        }
        for tracker in trackers.values { await tracker.client.disconnect() }
        if let failure { throw failure }
    }

    func simulate(line: LineGeometry, pks: [String: Double], random: inout SeededGenerator,
                  trackers: inout [Int: Tracker], simulatedNow: () -> Date) async throws {
        var refreshed: Date?
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
                    logger.warning("trips not read, or a tracker not set up", metadata: [
                        "error": "\(String(reflecting: error))"])
                }
            }
            for (id, tracker) in trackers {
                guard now <= tracker.run.end else {
                    trackers[id] = nil
                    await tracker.client.disconnect()
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

    /// The run's tracker: found by name or registered, given a new key, assigned to the trip, logged in to the broker.
    func tracker(for run: SimulatedRun, now: Date) async throws -> Tracker {
        let name = "sim-\(run.trip.trainNumber)-\(run.trip.serviceDate)"
        let (key, credentials) = try DeviceKey.issue()
        let device: DeviceRecord
        if let known = try await store.devices().first(where: { $0.name == name }) {
            try await store.rekey(device: known.id, credentials: credentials)
            device = known
        } else {
            device = try await store.createDevice(name: name, kind: "locomotive", locomotive: nil,
                                                  credentials: credentials, createdBy: "simulator", now: Date())
        }
        _ = try await store.assign(device: device.id, to: run.trip.run, by: "simulator", now: Date())
        if let brokerAuth { try await brokerAuth.write() }
        let client = try await connect(device: device.id, key: key)
        logger.info("simulated train", metadata: [
            "train": "\(run.trip.trainNumber)", "trip_id": "\(run.trip.id)", "device_id": "\(device.id)",
            "from": "\(run.start)", "to": "\(run.end)"])
        // Fixes in a run carry increasing seqs; a restart continues after those already sent today.
        let seq = Int(now.timeIntervalSince1970) - Int(run.start.timeIntervalSince1970)
        return Tracker(run: run, deviceID: device.id, key: key, seq: max(0, seq), client: client)
    }

    /// The device's own broker connection (user name its id, password its key). The broker reloads its logins a
    /// moment after being told to: a refusal is tried again for a few seconds.
    func connect(device id: Int, key: String) async throws -> MQTTClient {
        var configuration = broker
        configuration.clientID = "setrag-sim-\(id)"
        configuration.username = String(id)
        configuration.password = key
        var attempt = 0
        while true {
            let client = MQTTClient(configuration: configuration, logger: logger)
            do {
                try await client.connect()
                return client
            } catch MQTTError.connectionRefused where attempt < 20 {
                await client.disconnect()
                attempt += 1
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    func publish(_ place: (pk: Double, speedKmh: Double), at time: Date, tracker: Tracker, line: LineGeometry) async {
        let point = line.point(atPK: place.pk)
        let fix: [String: Any] = [
            "ts": TrackingTime.utc(time), "lat": point.lat, "lon": point.lon,
            "speed": (place.speedKmh * 10).rounded() / 10, "accuracy": 10, "seq": tracker.seq,
        ]
        // The key travels in the message too, for a tracking that does not have the broker check logins.
        let message: [String: Any] = ["key": tracker.key, "fixes": [fix]]
        do {
            let payload = try JSONSerialization.data(withJSONObject: message, options: [.sortedKeys])
            try await tracker.client.publish(topic: "setrag/telemetry/\(tracker.deviceID)", payload: [UInt8](payload))
        } catch {
            logger.warning("fix not published", metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}
