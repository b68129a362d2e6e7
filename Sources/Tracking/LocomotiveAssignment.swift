import Foundation
import Logging

/// Who assigned a device to its run.
public enum AssignmentSource: String, Sendable {
    /// An operator (`PUT /api/v1/devices/{id}/assignment`).
    case `operator`
    /// Tracking itself: the trip planned with the device's locomotive, running when the device sent fixes.
    case locomotive
}

/// The rule of automatic assignment, as plain logic (no HTTP, no SQL).
///
/// A trip planned with a locomotive *runs* from an hour before its departure until two hours after its arrival
/// (UTC instants). A device mounted on that locomotive that sends fixes while such a trip runs travels with it:
/// - an operator's assignment always wins while its run runs (until two hours after its arrival);
/// - otherwise the device is assigned to the running trip planned with its locomotive (when two run at once, the
///   one that leaves last), never back to a trip that left before the one it has (late fixes change nothing);
/// - an automatic assignment ends two hours after its run's arrival: the fixes after it, with no trip planned with
///   the locomotive running, are stored without a run.
/// Decided at the time of the newest fix of each batch a device sends.
public enum AutomaticAssignment {
    public static let before: TimeInterval = 3600
    public static let after: TimeInterval = 2 * 3600

    public enum Decision: Sendable, Equatable {
        case keep
        case assign(InventoryTrip)
        case unassign
    }

    /// Whether the device's run is over at `t` (two hours past its arrival); false while its arrival is unknown.
    static func ended(_ device: DeviceRecord, at t: Date) -> Bool {
        guard device.tripID != nil, let arrival = device.runArrivalAt else { return false }
        return t > arrival.addingTimeInterval(after)
    }

    /// Whether the plan need not be looked at: no locomotive, or an operator's assignment whose run is not over.
    public static func settled(_ device: DeviceRecord, at t: Date) -> Bool {
        guard device.locomotive != nil else { return true }
        return device.tripID != nil && device.assignmentSource != .locomotive && !ended(device, at: t)
    }

    /// The trip planned with `locomotive` running at `t`: the one that leaves last among those running.
    public static func trip(for locomotive: String, at t: Date, in trips: [InventoryTrip]) -> InventoryTrip? {
        trips.filter { trip in
            guard trip.locomotive == locomotive, trip.status == "scheduled", let departure = trip.run.departureAt,
                  let arrival = trip.run.arrivalAt else { return false }
            return departure.addingTimeInterval(-before) <= t && t <= arrival.addingTimeInterval(after)
        }.max { ($0.run.departureAt!, $0.id) < ($1.run.departureAt!, $1.id) }
    }

    /// What to do with the device's assignment at `t`, `trips` being the trips on the line around `t`.
    public static func decide(_ device: DeviceRecord, at t: Date, trips: [InventoryTrip]) -> Decision {
        guard let locomotive = device.locomotive, !settled(device, at: t) else { return .keep }
        guard let trip = trip(for: locomotive, at: t, in: trips) else {
            return device.assignmentSource == .locomotive && ended(device, at: t) ? .unassign : .keep
        }
        if trip.id == device.tripID { return .keep }
        if device.assignmentSource == .locomotive, device.tripID != nil, let current = device.runDepartureAt,
           let next = trip.run.departureAt, next < current {
            return .keep
        }
        return .assign(trip)
    }
}

/// The trips on the line around an instant, read from inventory's `GET /internal/trips?from=&to=` one hour (of fix
/// time) at a time and kept `ttl` seconds: after that the kept answer is still used while a new one is read in the
/// background, so that fixes never wait for inventory but the first of each hour. While inventory cannot be read
/// and nothing is kept, the answer is nil (no automatic assignment) and inventory is asked again after `retry`.
public actor LocomotivePlan {
    let link: any InventoryLink
    let ttl: TimeInterval
    let retry: TimeInterval
    let logger: Logger
    var hours: [Int: (trips: [InventoryTrip], at: Date)] = [:]
    var loading: [Int: Task<Void, Never>] = [:]
    var failed: [Int: Date] = [:]

    public init(link: any InventoryLink, ttl: TimeInterval = 60, retry: TimeInterval = 30, logger: Logger) {
        self.link = link
        self.ttl = ttl
        self.retry = retry
        self.logger = logger
    }

    /// Every trip that runs (by `AutomaticAssignment`'s rule) at some instant of the hour of `t`.
    public func trips(around t: Date, now: Date) async -> [InventoryTrip]? {
        let hour = Int((t.timeIntervalSince1970 / 3600).rounded(.down))
        if let kept = hours[hour] {
            if now.timeIntervalSince(kept.at) >= ttl { _ = load(hour, now: now) }
            return kept.trips
        }
        if let failure = failed[hour], now.timeIntervalSince(failure) < retry { return nil }
        await load(hour, now: now).value
        return hours[hour]?.trips
    }

    func load(_ hour: Int, now: Date) -> Task<Void, Never> {
        if let running = loading[hour] { return running }
        let start = Date(timeIntervalSince1970: TimeInterval(hour) * 3600)
        // Trips leaving before the hour's end + 1 h and arriving after its start - 2 h (one second more: the
        // window's bounds are exclusive).
        let from = start.addingTimeInterval(-AutomaticAssignment.after - 1)
        let to = start.addingTimeInterval(3600 + AutomaticAssignment.before + 1)
        let task = Task {
            do {
                let trips = try await link.trips(from: from, to: to)
                self.loaded(hour, trips: trips, now: now)
            } catch {
                self.failedToLoad(hour, now: now)
            }
        }
        loading[hour] = task
        return task
    }

    func loaded(_ hour: Int, trips: [InventoryTrip], now: Date) {
        loading[hour] = nil
        failed[hour] = nil
        hours[hour] = (trips, now)
        // The hours of the last day or so are enough.
        if hours.count > 24, let oldest = hours.keys.min() { hours[oldest] = nil }
    }

    func failedToLoad(_ hour: Int, now: Date) {
        loading[hour] = nil
        failed[hour] = now
        logger.warning("the trips planned with locomotives could not be read; no automatic assignment meanwhile")
    }
}

/// Assigns devices mounted on a locomotive to the trip planned with it (`AutomaticAssignment`), as their fixes come
/// in: nothing is read from the database, and inventory is asked only through `LocomotivePlan`.
public struct LocomotiveAssigner: Sendable {
    let plan: LocomotivePlan
    let store: any TrackingStore
    let devices: DeviceDirectory
    let logger: Logger

    public init(plan: LocomotivePlan, store: any TrackingStore, devices: DeviceDirectory, logger: Logger) {
        self.plan = plan
        self.store = store
        self.devices = devices
        self.logger = logger
    }

    /// The device as its fixes up to `t` (its newest) are to be stored. A failure leaves the device as it was.
    public func resolve(_ device: DeviceRecord, at t: Date, now: Date) async -> DeviceRecord {
        guard !AutomaticAssignment.settled(device, at: t), let locomotive = device.locomotive,
              let trips = await plan.trips(around: t, now: now) else { return device }
        let decision = AutomaticAssignment.decide(device, at: t, trips: trips)
        let run: RunRecord?
        switch decision {
        case .keep: return device
        case .assign(let trip): run = trip.run
        case .unassign: run = nil
        }
        do {
            guard let updated = try await store.assignAutomatically(
                device: device.id, to: run, locomotive: locomotive,
                expected: (device.tripID, device.assignmentSource), now: now) else {
                return device
            }
            devices.remember(updated)
            if updated.tripID == run?.tripID {
                logger.notice("device assigned automatically", metadata: [
                    "audit": "device.assign.auto", "device_id": "\(device.id)", "locomotive": "\(locomotive)",
                    "trip_id": "\(run.map { String($0.tripID) } ?? "none")",
                    "previous_trip_id": "\(device.tripID.map(String.init) ?? "none")",
                ])
            }
            return updated
        } catch {
            logger.warning("automatic assignment failed", metadata: [
                "device_id": "\(device.id)", "error": "\(error)"])
            return device
        }
    }
}
