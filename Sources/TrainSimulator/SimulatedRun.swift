import Foundation
import Tracking

/// A random number generator with a seed, so that a simulation can be run again the same way.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// SplitMix64.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// How a simulated train runs: its timetable, with the delays drawn for it.
public struct DelayPlan: Sendable {
    /// Chance that the train leaves its origin late, and that it is held somewhere on each leg.
    public var chance: Double
    /// Minutes of a late start or a hold, drawn uniformly.
    public var minutes: ClosedRange<Int>

    public init(chance: Double, minutes: ClosedRange<Int> = 5...45) {
        self.chance = chance
        self.minutes = minutes
    }
}

/// Where a simulated train is over time: keyframes (instant, PK) built from its timetable, where it stops at each
/// station, sometimes leaves late or is held between two stations, and, when late, cuts its dwell short.
public struct SimulatedRun: Sendable {
    public struct Keyframe: Sendable, Equatable {
        public var at: Date
        public var pk: Double
    }

    public let trip: InventoryTrip
    public let keyframes: [Keyframe]
    /// A late train still dwells this long at a stop.
    static let shortestDwell: TimeInterval = 60

    /// Nil when a stop is not a station of the line or a time is missing.
    public init?(trip: InventoryTrip, pks: [String: Double], delays: DelayPlan,
                 random: inout some RandomNumberGenerator) {
        let stops = trip.stops.sorted { $0.seq < $1.seq }
        guard stops.count >= 2 else { return nil }
        var frames: [Keyframe] = []
        func instant(_ text: String?) -> Date? { text.flatMap(FixTime.iso) }
        func draw() -> TimeInterval? {
            Double.random(in: 0..<1, using: &random) < delays.chance
                ? Double(Int.random(in: delays.minutes, using: &random) * 60) : nil
        }
        guard let firstPK = pks[stops[0].station], let scheduledStart = instant(stops[0].departure) else { return nil }
        var leaving = scheduledStart.addingTimeInterval(draw() ?? 0)
        frames.append(Keyframe(at: scheduledStart.addingTimeInterval(-900), pk: firstPK))
        frames.append(Keyframe(at: leaving, pk: firstPK))
        for index in 1..<stops.count {
            let previous = stops[index - 1], stop = stops[index]
            guard let from = pks[previous.station], let to = pks[stop.station],
                  let scheduledLeft = instant(previous.departure), let scheduledArrival = instant(stop.arrival)
            else { return nil }
            let running = max(60, scheduledArrival.timeIntervalSince(scheduledLeft))
            var arrival = leaving.addingTimeInterval(running)
            if let hold = draw() {
                let middle = (from + to) / 2
                let reached = leaving.addingTimeInterval(running / 2)
                frames.append(Keyframe(at: reached, pk: middle))
                frames.append(Keyframe(at: reached.addingTimeInterval(hold), pk: middle))
                arrival = arrival.addingTimeInterval(hold)
            }
            frames.append(Keyframe(at: arrival, pk: to))
            if let scheduledDeparture = instant(stop.departure) {
                let dwell = min(scheduledDeparture.timeIntervalSince(scheduledArrival), Self.shortestDwell)
                leaving = max(scheduledDeparture, arrival.addingTimeInterval(max(0, dwell)))
                frames.append(Keyframe(at: leaving, pk: to))
            } else {
                frames.append(Keyframe(at: arrival.addingTimeInterval(900), pk: to))
            }
        }
        self.trip = trip
        keyframes = frames
    }

    public var start: Date { keyframes.first!.at }
    public var end: Date { keyframes.last!.at }

    /// The train's PK and speed at an instant of its run; nil before or after it.
    public func position(at time: Date) -> (pk: Double, speedKmh: Double)? {
        guard time >= start, time <= end else { return nil }
        guard let next = keyframes.firstIndex(where: { $0.at >= time }) else { return nil }
        if next == 0 { return (keyframes[0].pk, 0) }
        let a = keyframes[next - 1], b = keyframes[next]
        let span = b.at.timeIntervalSince(a.at)
        guard span > 0 else { return (b.pk, 0) }
        let share = time.timeIntervalSince(a.at) / span
        return (a.pk + (b.pk - a.pk) * share, abs(b.pk - a.pk) / (span / 3600))
    }
}
