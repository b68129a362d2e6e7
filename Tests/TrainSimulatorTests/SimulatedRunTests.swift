import Foundation
import Testing
import Tracking
@testable import TrainSimulator

/// The simulated trains follow their timetable, stop at each station, and, when drawn, leave late or are held.
struct SimulatedRunTests {
    static let trip = InventoryTrip(
        id: 7, trainNumber: 211, serviceDate: "2026-11-24", service: "express", status: "scheduled",
        stops: [
            .init(seq: 1, station: "OWE", arrival: nil, departure: "2026-11-24T11:30:00Z"),
            .init(seq: 2, station: "NTO", arrival: "2026-11-24T12:08:00Z", departure: "2026-11-24T12:18:00Z"),
            .init(seq: 3, station: "NDJ", arrival: "2026-11-24T14:58:00Z", departure: nil),
        ])
    static let pks = ["OWE": 0.0, "NTO": 40.0, "NDJ": 182.0]

    static func date(_ text: String) -> Date { FixTime.iso(text)! }

    @Test func withoutDelaysTheTrainKeepsToItsTimetable() throws {
        var random = SeededGenerator(seed: 1)
        let run = try #require(SimulatedRun(trip: Self.trip, pks: Self.pks, delays: DelayPlan(chance: 0),
                                            random: &random))
        #expect(run.position(at: Self.date("2026-11-24T11:29:00Z"))?.pk == 0)
        #expect(run.position(at: Self.date("2026-11-24T12:08:00Z"))?.pk == 40)
        #expect(run.position(at: Self.date("2026-11-24T12:15:00Z"))?.speedKmh == 0)
        let halfway = try #require(run.position(at: Self.date("2026-11-24T11:49:00Z")))
        #expect(abs(halfway.pk - 20) < 0.01)
        #expect(abs(halfway.speedKmh - 40 / (38.0 / 60)) < 0.1)
        #expect(run.position(at: Self.date("2026-11-24T14:58:00Z"))?.pk == 182)
        #expect(run.position(at: Self.date("2026-11-24T16:00:00Z")) == nil)
        #expect(run.position(at: Self.date("2026-11-24T10:00:00Z")) == nil)
    }

    @Test func aDrawnDelayMakesTheTrainLateAndTheSameSeedDrawsTheSame() throws {
        var first = SeededGenerator(seed: 42), second = SeededGenerator(seed: 42)
        let plan = DelayPlan(chance: 1, minutes: 20...20)
        let run = try #require(SimulatedRun(trip: Self.trip, pks: Self.pks, delays: plan, random: &first))
        let again = try #require(SimulatedRun(trip: Self.trip, pks: Self.pks, delays: plan, random: &second))
        #expect(run.keyframes == again.keyframes)
        // 20 minutes late from Owendo and held 20 minutes on the first leg: NTO reached 40 minutes late, left after
        // a short dwell (12:49); held again 20 minutes on the 160-minute leg to NDJ: there at 15:49.
        #expect(run.position(at: Self.date("2026-11-24T11:45:00Z"))?.pk == 0)
        #expect(run.position(at: Self.date("2026-11-24T12:48:00Z"))?.pk == 40)
        let arrival = try #require(run.keyframes.first { $0.pk == 182 })
        #expect(abs(arrival.at.timeIntervalSince(Self.date("2026-11-24T15:49:00Z"))) < 1)
    }
}
