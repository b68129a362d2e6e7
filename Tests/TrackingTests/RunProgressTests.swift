import Foundation
import Testing
@testable import Tracking

/// Arrivals, departures, ETAs and delay thresholds on synthetic runs: a train driven along keyframes (time, PK),
/// sending a fix every minute.
struct RunProgressTests {
    static let day = Date(timeIntervalSince1970: 1_795_000_000)  // a fixed instant; times below are offsets

    static func at(_ hour: Int, _ minute: Int, _ second: Int = 0) -> Date {
        day.addingTimeInterval(Double(hour * 3600 + minute * 60 + second))
    }

    /// A: 0 km, leaves 10:00; B: 50 km, 11:00–11:10; C: 100 km, 12:10–12:20; D: 150 km, arrives 13:20.
    static let stops = [
        ScheduledStop(seq: 1, station: "AAA", pk: 0, arrival: nil, departure: at(10, 0)),
        ScheduledStop(seq: 2, station: "BBB", pk: 50, arrival: at(11, 0), departure: at(11, 10)),
        ScheduledStop(seq: 3, station: "CCC", pk: 100, arrival: at(12, 10), departure: at(12, 20)),
        ScheduledStop(seq: 4, station: "DDD", pk: 150, arrival: at(13, 20), departure: nil),
    ]

    /// The same line run the other way (PKs decreasing).
    static let reversed = [
        ScheduledStop(seq: 1, station: "DDD", pk: 150, arrival: nil, departure: at(10, 0)),
        ScheduledStop(seq: 2, station: "CCC", pk: 100, arrival: at(11, 0), departure: at(11, 10)),
        ScheduledStop(seq: 3, station: "BBB", pk: 50, arrival: at(12, 10), departure: at(12, 20)),
        ScheduledStop(seq: 4, station: "AAA", pk: 0, arrival: at(13, 20), departure: nil),
    ]

    struct Fix {
        var ts: Date
        var pk: Double
        var stopped: Bool
    }

    /// Fixes every `step` seconds along piecewise-linear keyframes; stopped where the PK does not change.
    static func drive(_ keyframes: [(Date, Double)], step: TimeInterval = 60, skip: ClosedRange<Date>? = nil,
                      noise: (Int) -> Double = { _ in 0 }) -> [Fix] {
        var fixes: [Fix] = []
        var time = keyframes[0].0
        var index = 0
        while time <= keyframes.last!.0 {
            while index + 1 < keyframes.count - 1, keyframes[index + 1].0 <= time { index += 1 }
            let (t0, p0) = keyframes[index], (t1, p1) = keyframes[index + 1]
            let share = t1 > t0 ? min(1, max(0, time.timeIntervalSince(t0) / t1.timeIntervalSince(t0))) : 1
            if !(skip?.contains(time) ?? false) {
                fixes.append(Fix(ts: time, pk: p0 + (p1 - p0) * share + noise(fixes.count), stopped: p0 == p1))
            }
            time = time.addingTimeInterval(step)
        }
        return fixes
    }

    static let onTime: [(Date, Double)] = [
        (at(9, 50), 0), (at(10, 0), 0), (at(11, 0), 50), (at(11, 10), 50), (at(12, 10), 100), (at(12, 20), 100),
        (at(13, 20), 150), (at(13, 30), 150),
    ]

    static func run(_ fixes: [Fix], stops: [ScheduledStop] = stops, progress: inout RunProgress)
        -> [ProgressEvent]
    {
        fixes.flatMap { progress.advance(ts: $0.ts, pk: $0.pk, speedKmh: nil, stopped: $0.stopped) }
    }

    static func times(_ events: [ProgressEvent]) -> [String: Date] {
        var times: [String: Date] = [:]
        for event in events {
            switch event {
            case .arrived(let stop, let at, _): times["arr\(stop)"] = at
            case .departed(let stop, let at, _): times["dep\(stop)"] = at
            case .delayed: break
            }
        }
        return times
    }

    static func thresholds(_ events: [ProgressEvent]) -> [Int] {
        events.compactMap { if case .delayed(let minutes, _, _) = $0 { minutes } else { nil } }
    }

    static func near(_ date: Date?, _ expected: Date, within seconds: TimeInterval) -> Bool {
        guard let date else { return false }
        return abs(date.timeIntervalSince(expected)) <= seconds
    }

    @Test func anOnTimeRunArrivesAndLeavesEachStopOnceAndIsNeverLate() {
        var progress = RunProgress(stops: Self.stops)
        let events = Self.run(Self.drive(Self.onTime), progress: &progress)
        let times = Self.times(events)
        #expect(events.count == 6)  // left A; reached and left B and C; reached D
        #expect(Self.near(times["dep0"], Self.at(10, 0), within: 120))
        #expect(Self.near(times["arr1"], Self.at(11, 0), within: 120))
        #expect(Self.near(times["dep1"], Self.at(11, 10), within: 120))
        #expect(Self.near(times["arr2"], Self.at(12, 10), within: 120))
        #expect(Self.near(times["dep2"], Self.at(12, 20), within: 120))
        #expect(Self.near(times["arr3"], Self.at(13, 20), within: 120))
        #expect(Self.thresholds(events).isEmpty)
        #expect(progress.arrivedAtDestination)
        #expect(abs(progress.estimate(now: Self.at(13, 30)).delaySeconds ?? 999) <= 120)
    }

    @Test func etasFollowTheTimetableWhileOnTime() {
        var progress = RunProgress(stops: Self.stops)
        _ = Self.run(Self.drive(Self.onTime).filter { $0.ts <= Self.at(10, 30) }, progress: &progress)
        let estimate = progress.estimate(now: Self.at(10, 30))
        #expect(estimate.next == 1)
        #expect(Self.near(estimate.eta[1], Self.at(11, 0), within: 180))
        #expect(Self.near(estimate.etd[1], Self.at(11, 10), within: 180))
        #expect(Self.near(estimate.eta[3], Self.at(13, 20), within: 300))
        #expect(estimate.eta[0] == nil)
        #expect(abs(estimate.delaySeconds ?? 999) <= 180)
    }

    @Test func aTwoHourStopBetweenStationsCrossesEachThresholdOnceAndMovesTheEtas() {
        // Stopped at 75 km from 11:35 to 13:35 (on the way from B to C).
        let keyframes: [(Date, Double)] = [
            (Self.at(9, 50), 0), (Self.at(10, 0), 0), (Self.at(11, 0), 50), (Self.at(11, 10), 50),
            (Self.at(11, 35), 75), (Self.at(13, 35), 75), (Self.at(14, 0), 100), (Self.at(14, 10), 100),
            (Self.at(15, 10), 150), (Self.at(15, 20), 150),
        ]
        var progress = RunProgress(stops: Self.stops)
        let fixes = Self.drive(keyframes)
        var events: [ProgressEvent] = []
        var during: RunEstimate?
        for fix in fixes {
            events += progress.advance(ts: fix.ts, pk: fix.pk, speedKmh: nil, stopped: fix.stopped)
            if fix.ts == Self.at(12, 30) { during = progress.estimate(now: fix.ts) }
        }
        #expect(Self.thresholds(events) == [15, 30, 60])
        // An hour into the stop, C is expected no earlier than the rest of the leg from now.
        let estimate = try! #require(during)
        #expect(estimate.next == 2)
        #expect((estimate.eta[2] ?? .distantPast) >= Self.at(12, 30).addingTimeInterval(20 * 60))
        #expect((estimate.delaySeconds ?? 0) >= 35 * 60)
        let times = Self.times(events)
        #expect(Self.near(times["arr2"], Self.at(14, 0), within: 120))
        #expect(Self.near(times["arr3"], Self.at(15, 10), within: 120))
        // The thresholds came in order, each when the delay reached it, never again.
        var again = progress
        #expect(Self.run(fixes, progress: &again).isEmpty)
    }

    @Test func stopsCrossedDuringAGpsGapGetInterpolatedTimes() {
        // No fix from 10:30 to 12:40: the train passed B and C unseen.
        var progress = RunProgress(stops: Self.stops)
        let fixes = Self.drive(Self.onTime, skip: Self.at(10, 30, 1)...Self.at(12, 39, 59))
        let events = Self.run(fixes, progress: &progress)
        let times = Self.times(events)
        for key in ["arr1", "dep1", "arr2", "dep2"] {
            let time = try! #require(times[key])
            #expect(time > Self.at(10, 30) && time < Self.at(12, 40), "\(key) at \(time)")
        }
        #expect(times["arr1"]! <= times["arr2"]!)
        #expect(Self.near(times["arr3"], Self.at(13, 20), within: 120))
        #expect(events.count == 6)
    }

    @Test func noisyFixesAndAnOutlierDoNotInventArrivals() {
        var progress = RunProgress(stops: Self.stops)
        // ±0.8 km of noise, and one fix 300 km ahead of the train at 10:20.
        var fixes = Self.drive(Self.onTime, noise: { index in index % 2 == 0 ? 0.8 : -0.8 })
        let outlier = fixes.firstIndex { $0.ts >= Self.at(10, 20) }!
        fixes[outlier].pk = 300
        let events = Self.run(fixes, progress: &progress)
        let times = Self.times(events)
        #expect(events.count == 6)
        #expect(Self.near(times["arr1"], Self.at(11, 0), within: 180))
        #expect(Self.near(times["arr3"], Self.at(13, 20), within: 180))
        #expect(Self.thresholds(events).isEmpty)
    }

    @Test func lateFixesDoNotMoveProgress() {
        var progress = RunProgress(stops: Self.stops)
        _ = Self.run(Self.drive(Self.onTime).filter { $0.ts <= Self.at(10, 40) }, progress: &progress)
        let before = progress
        #expect(progress.advance(ts: Self.at(10, 5), pk: 3, speedKmh: nil, stopped: false).isEmpty)
        #expect(progress == before)
    }

    @Test func aRunTheOtherWayIsMeasuredFromItsOwnOrigin() {
        let keyframes = Self.onTime.map { ($0.0, 150 - $0.1) }
        var progress = RunProgress(stops: Self.reversed)
        let events = Self.run(Self.drive(keyframes), stops: Self.reversed, progress: &progress)
        let times = Self.times(events)
        #expect(events.count == 6)
        #expect(Self.near(times["arr1"], Self.at(11, 0), within: 120))
        #expect(Self.near(times["arr3"], Self.at(13, 20), within: 120))
    }

    @Test func aLateStartAtTheOriginIsADelayBeforeTheTrainMoves() {
        var progress = RunProgress(stops: Self.stops)
        let waiting = Self.drive([(Self.at(9, 50), 0), (Self.at(10, 40), 0)])
        let events = Self.run(waiting, progress: &progress)
        #expect(Self.thresholds(events) == [15, 30])
        #expect(Self.times(events).isEmpty)
        let estimate = progress.estimate(now: Self.at(10, 40))
        #expect(estimate.next == 0)
        #expect((estimate.delaySeconds ?? 0) >= 40 * 60)
    }

    @Test func aTrackerAssignedOnTheWayDoesNotAnnounceTheStopsBehindIt() {
        var progress = RunProgress(stops: Self.stops)
        let fixes = Self.drive(Self.onTime).filter { $0.ts >= Self.at(11, 30) }
        let events = Self.run(fixes, progress: &progress)
        let times = Self.times(events)
        #expect(times["arr1"] == nil && times["dep1"] == nil && times["dep0"] == nil)
        #expect(Self.near(times["arr2"], Self.at(12, 10), within: 120))
        #expect(Self.near(times["arr3"], Self.at(13, 20), within: 120))
    }
}
