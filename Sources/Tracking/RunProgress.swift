import Foundation

/// A stop of a run as the timetable has it, placed on the line.
public struct ScheduledStop: Sendable, Equatable, Codable {
    public var seq: Int
    public var station: String
    /// The station's kilometre point.
    public var pk: Double
    /// Nil at the origin.
    public var arrival: Date?
    /// Nil at the destination.
    public var departure: Date?

    public init(seq: Int, station: String, pk: Double, arrival: Date?, departure: Date?) {
        self.seq = seq
        self.station = station
        self.pk = pk
        self.arrival = arrival
        self.departure = departure
    }
}

/// When the train was seen to arrive at and leave a stop.
public struct StopPassage: Sendable, Equatable, Codable {
    public var arrival: Date?
    public var departure: Date?
}

/// What a fix changed in a run's progress: the facts tracking announces (as events, through its outbox).
public enum ProgressEvent: Sendable, Equatable {
    case departed(stop: Int, at: Date, delaySeconds: Int?)
    case arrived(stop: Int, at: Date, delaySeconds: Int?)
    /// The delay reached `thresholdMinutes` (15, 30 or 60) for the first time on this run.
    case delayed(thresholdMinutes: Int, delaySeconds: Int, at: Date)
}

/// Estimated times of a run at a moment: per stop, the expected arrival (`eta`) and departure (`etd`) for stops
/// still ahead (nil for those passed), and the delay.
public struct RunEstimate: Sendable, Equatable {
    public var eta: [Date?]
    public var etd: [Date?]
    /// The first stop the train has not left yet (nil once it has arrived at its destination).
    public var next: Int?
    /// Expected lateness at `next` (arrival, or departure at the stop it is at or has not left), or the lateness
    /// it arrived with at its destination; negative when early; nil without a timetable.
    public var delaySeconds: Int?
}

/// A train run's progress along its stops, built from its fixes' PKs, and its estimated times.
///
/// Positions are measured along the run's direction from its origin (`along`), so runs both ways share the rules.
/// A train *arrives* at a stop when a fix lies within `zoneKm` of it and the train is stopped or within
/// `platformKm`; it *departs* when a fix lies beyond the zone, at the time of the last fix in the zone (when it is
/// recent) or of that fix. A stop crossed between two fixes (a GPS gap, or a train running through) is arrived at
/// and left at the time interpolated at its PK.
///
/// Progress never goes back (noisy fixes a little behind are ignored) and a jump forward faster than `maxSpeedKmh`
/// is an outlier, not a move. Fixes older than the newest seen (late ones) are stored, but do not move progress.
///
/// Estimates: the remaining part of the current leg takes its share of the leg's timetabled running time, scaled
/// by the run's pace (observed over timetabled running time on the legs it completed, kept between 0.8 and 1.5);
/// the legs after it take their timetabled running time scaled the same way; a train leaves a stop no earlier
/// than the timetable says, and a late one dwells at most `lateDwell`.
public struct RunProgress: Sendable, Equatable, Codable {
    public static let thresholds = [15, 30, 60]
    public static let zoneKm = 1.5
    public static let platformKm = 0.4
    public static let maxSpeedKmh = 160.0
    public static let lateDwell: TimeInterval = 120

    public var stops: [ScheduledStop]
    public var passages: [StopPassage]
    /// The stop the train is at (arrived, not left).
    public var at: Int?
    /// The last stop left; -1 before the train leaves its origin.
    public var lastDeparted: Int
    /// Distance from the origin along the run's direction, in km, of the furthest plausible fix.
    public var along: Double?
    public var lastFixAt: Date?
    /// The newest fix that lay in the zone of the stop the train is at (or its origin): its departure time.
    public var lastInZoneAt: Date?
    public var speedKmh: Double?
    public var moving: Bool
    public var pace: Double
    /// The highest delay threshold announced (0: none yet).
    public var announced: Int

    public init(stops: [ScheduledStop]) {
        self.stops = stops
        passages = Array(repeating: StopPassage(), count: stops.count)
        lastDeparted = -1
        moving = false
        pace = 1
        announced = 0
    }

    var ascending: Bool { (stops.last?.pk ?? 0) >= (stops.first?.pk ?? 0) }

    func distance(ofPK pk: Double) -> Double {
        guard let origin = stops.first?.pk else { return 0 }
        return ascending ? pk - origin : origin - pk
    }

    func stopAlong(_ index: Int) -> Double { distance(ofPK: stops[index].pk) }

    public var arrivedAtDestination: Bool { !stops.isEmpty && passages[stops.count - 1].arrival != nil }

    // MARK: fixes

    /// Moves the run on with a fix (its time, its PK on the line, its speed and whether it is stopped), returning
    /// what happened. The delay thresholds are checked against the estimate at the fix's time.
    public mutating func advance(ts: Date, pk: Double, speedKmh: Double?, stopped: Bool) -> [ProgressEvent] {
        guard stops.count >= 2, !arrivedAtDestination else { return [] }
        if let lastFixAt, ts <= lastFixAt { return [] }
        let x = distance(ofPK: pk)
        let previousAlong = along, previousAt = lastFixAt
        if let previousAlong, let previousAt {
            let hours = ts.timeIntervalSince(previousAt) / 3600
            if x - previousAlong > Self.maxSpeedKmh * hours + Self.zoneKm { return [] }  // an outlier
        }
        lastFixAt = ts
        self.speedKmh = speedKmh
        moving = !stopped
        let position = max(previousAlong ?? x, x)
        along = position
        var events: [ProgressEvent] = []

        // Stops crossed since the previous fix without a fix near them (a gap, or running through).
        func crossingTime(_ index: Int) -> Date {
            guard let previousAlong, let previousAt, position > previousAlong else { return ts }
            let share = min(1, max(0, (stopAlong(index) - previousAlong) / (position - previousAlong)))
            return previousAt.addingTimeInterval(share * ts.timeIntervalSince(previousAt))
        }
        func depart(_ index: Int, at time: Date) {
            passages[index].departure = time
            lastDeparted = index
            at = nil
            lastInZoneAt = nil
            events.append(.departed(stop: index, at: time, delaySeconds: delay(stops[index].departure, time)))
        }
        func arrive(_ index: Int, at time: Date) {
            passages[index].arrival = time
            at = index
            lastInZoneAt = time
            events.append(.arrived(stop: index, at: time, delaySeconds: delay(stops[index].arrival, time)))
            learnPace(arrivingAt: index, time: time)
        }

        // A first fix further down the line (a tracker assigned on the way): the stops behind it were passed
        // unseen, with no times and nothing to announce.
        if previousAlong == nil, lastDeparted == -1, position > stopAlong(0) + Self.zoneKm {
            var behind = 0
            while behind + 1 < stops.count - 1, stopAlong(behind + 1) + Self.zoneKm < position { behind += 1 }
            lastDeparted = behind
        }
        // Leaving the stop it is at (or the origin).
        let current = at ?? (lastDeparted == -1 ? 0 : nil)
        if let current, current < stops.count - 1 {
            if position > stopAlong(current) + Self.zoneKm {
                let recent = lastInZoneAt.map { ts.timeIntervalSince($0) <= 300 } ?? false
                depart(current, at: recent ? lastInZoneAt! : crossingTime(current))
            } else if abs(position - stopAlong(current)) <= Self.zoneKm {
                lastInZoneAt = ts
            }
        }
        // Stops ahead: crossed, or reached.
        while at == nil, lastDeparted >= 0, lastDeparted < stops.count - 1 {
            let index = lastDeparted + 1
            let target = stopAlong(index)
            if index < stops.count - 1, position > target + Self.zoneKm {
                let time = crossingTime(index)
                arrive(index, at: time)
                depart(index, at: time)
                continue
            }
            // Arrived: in the zone, and stopped or at the platform (a train running through is seen beyond it).
            if position >= target - Self.zoneKm, stopped || position >= target - Self.platformKm {
                arrive(index, at: ts)
            }
            break
        }
        events += thresholdEvents(now: ts)
        return events
    }

    func delay(_ scheduled: Date?, _ actual: Date) -> Int? {
        scheduled.map { Int(actual.timeIntervalSince($0).rounded()) }
    }

    /// After a leg is run: its observed time over its timetabled time, blended into the run's pace.
    mutating func learnPace(arrivingAt index: Int, time: Date) {
        guard index > 0, let left = passages[index - 1].departure, let scheduledLeft = stops[index - 1].departure,
              let scheduledArrival = stops[index].arrival else { return }
        let planned = scheduledArrival.timeIntervalSince(scheduledLeft)
        guard planned > 60 else { return }
        let observed = time.timeIntervalSince(left)
        let ratio = min(1.5, max(0.8, observed / planned))
        pace = min(1.5, max(0.8, 0.5 * pace + 0.5 * ratio))
    }

    /// A `delayed` event for each threshold the delay reached for the first time.
    mutating func thresholdEvents(now: Date) -> [ProgressEvent] {
        guard let delay = estimate(now: now).delaySeconds, delay > 0 else { return [] }
        var events: [ProgressEvent] = []
        for threshold in Self.thresholds where threshold > announced && delay >= threshold * 60 {
            announced = threshold
            events.append(.delayed(thresholdMinutes: threshold, delaySeconds: delay, at: now))
        }
        return events
    }

    // MARK: estimates

    /// Expected times at the stops ahead, as of `now`.
    public func estimate(now: Date) -> RunEstimate {
        let count = stops.count
        var eta = [Date?](repeating: nil, count: count), etd = [Date?](repeating: nil, count: count)
        guard count >= 2 else { return RunEstimate(eta: eta, etd: etd, next: nil, delaySeconds: nil) }
        if arrivedAtDestination {
            let last = count - 1
            return RunEstimate(eta: eta, etd: etd, next: nil,
                               delaySeconds: passages[last].arrival.flatMap { delay(stops[last].arrival, $0) })
        }
        func running(_ from: Int) -> TimeInterval {
            guard let left = stops[from].departure, let arrival = stops[from + 1].arrival else { return 0 }
            return max(0, arrival.timeIntervalSince(left)) * pace
        }
        func leaving(_ index: Int, arrivedBy arrival: Date) -> Date {
            guard let scheduled = stops[index].departure else { return arrival }
            let dwell = stops[index].arrival.map { min(Self.lateDwell, max(0, scheduled.timeIntervalSince($0))) } ?? 0
            return max(scheduled, arrival.addingTimeInterval(dwell))
        }
        let next: Int
        var leavingAt: Date
        if let at {
            // At a stop: it leaves when the timetable says, or at once when late (after a short dwell).
            next = at
            let arrived = passages[at].arrival ?? now
            leavingAt = max(leaving(at, arrivedBy: arrived), now)
            etd[at] = leavingAt
        } else if lastDeparted == -1 {
            next = 0
            leavingAt = max(stops[0].departure ?? now, now)
            etd[0] = leavingAt
        } else {
            // Between two stops: the rest of the leg, from the newest fix while it is fresh and moving.
            next = lastDeparted + 1
            let from = lastDeparted
            let length = stopAlong(next) - stopAlong(from)
            let left = max(0, stopAlong(next) - (along ?? stopAlong(from)))
            let share = length > 0 ? min(1, left / length) : 0
            var reference = now
            if moving, let lastFixAt, now.timeIntervalSince(lastFixAt) < 900 { reference = min(now, lastFixAt) }
            let arrival = max(now, reference.addingTimeInterval(share * running(from)))
            eta[next] = arrival
            if next == count - 1 {
                return RunEstimate(eta: eta, etd: etd, next: next, delaySeconds: delay(stops[next].arrival, arrival))
            }
            leavingAt = leaving(next, arrivedBy: arrival)
            etd[next] = leavingAt
        }
        for index in (next + 1)..<count {
            let arrival = leavingAt.addingTimeInterval(running(index - 1))
            eta[index] = arrival
            guard index < count - 1 else { break }
            leavingAt = leaving(index, arrivedBy: arrival)
            etd[index] = leavingAt
        }
        let delaySeconds: Int?
        if let arrival = eta[next] {
            delaySeconds = delay(stops[next].arrival, arrival)
        } else {
            delaySeconds = etd[next].flatMap { delay(stops[next].departure, $0) }
        }
        return RunEstimate(eta: eta, etd: etd, next: next, delaySeconds: delaySeconds)
    }
}
