import Foundation
import HummingbirdTesting
import SQLKit
import SetragKernel
import Testing
@testable import Tracking

/// Devices mounted on a locomotive follow the trips inventory plans with it: assigned automatically while such a trip
/// runs (an hour before its departure to two hours after its arrival), never over an operator's assignment.
@Suite(.serialized)
struct LocomotiveAssignmentTests {
    struct EventRow: Decodable {
        let name: String
        let payload: String
    }

    /// The device as operators list it.
    static func listed(_ fixture: TrackingFixture, _ client: any TestClientProtocol, id: Int) async throws
        -> [String: Any]
    {
        let ops = try fixture.token("usr_ops", .operator)
        let list = try await fixture.send(client, .get, "/api/v1/devices", authorization: "Bearer \(ops)")
        return try #require(list.objects("devices").first { $0["id"] as? Int == id })
    }

    /// Fixes a minute apart from `from` to `to`, standing at `station` (its PK).
    @discardableResult
    static func stand(_ fixture: TrackingFixture, _ client: any TestClientProtocol, authorization: String,
                      plan: TrackingFixture.RunPlan, at station: String, from: Date, to: Date, firstSeq: Int)
        async throws -> Int
    {
        let pk = try #require(plan.pk[station])
        return try await fixture.drive(client, authorization: authorization, plan: plan,
                                       keyframes: [(from, pk), (to, pk)], firstSeq: firstSeq).fixes.count
    }

    func positions(_ fixture: TrackingFixture, device: Int, trip: Int) async throws -> Int {
        try await fixture.count("SELECT COUNT(*) AS n FROM positions WHERE device_id = \(device) AND trip_id = \(trip)")
    }

    @Test func aDeviceOnThePlannedLocomotiveIsAssignedToItsRunningTripAndItsFixesLandOnThatRun() async throws {
        try await TrackingFixture.run { fixture, client in
            let trip = try await fixture.trip()
            try await fixture.planLocomotive("CC 2201", trip: trip.id)
            let (device, authorization) = try await fixture.device(client, locomotive: " cc 2201")
            let before = try await Self.listed(fixture, client, id: device)
            #expect(before["locomotive"] as? String == "CC 2201" && before["tripId"] is NSNull)
            #expect(before["assignmentSource"] is NSNull)

            // Waiting at the origin ten minutes before departure, then off to the second stop.
            let plan = try await fixture.plan(trip: trip.id)
            let (first, second) = (plan.stops[0], plan.stops[1])
            let leaves = try plan.time(first.departure)
            let arrives = try plan.time(second.arrival)
            let keyframes: [(Date, Double)] = [
                (leaves.addingTimeInterval(-600), plan.pk[first.station]!), (leaves, plan.pk[first.station]!),
                (arrives, plan.pk[second.station]!), (arrives.addingTimeInterval(120), plan.pk[second.station]!),
            ]
            let sent = try await fixture.drive(client, authorization: authorization, plan: plan, keyframes: keyframes)
                .fixes.count

            let after = try await Self.listed(fixture, client, id: device)
            #expect(after["tripId"] as? Int == trip.id)
            #expect(after["assignmentSource"] as? String == "locomotive" && after["assignedBy"] as? String == "CC 2201")
            #expect(try await positions(fixture, device: device, trip: trip.id) == sent)
            #expect(try await positions(fixture, device: device, trip: 0) == 0)
            let audit = fixture.logs.entries("device assigned automatically")
            #expect(audit.count == 1)
            #expect(audit.first?.metadata["audit"] == "device.assign.auto"
                && audit.first?.metadata["trip_id"] == "\(trip.id)" && audit.first?.metadata["locomotive"] == "CC 2201")

            // The run moves on with them: placed on the line, left its origin, at its second stop.
            let run = try await fixture.send(client, .get, "/api/v1/trains/\(trip.id)")
            #expect(run.status == .ok && run["trainNumber"] as? Int == trip.trainNumber)
            let latest = try #require(run["latest"] as? [String: Any])
            #expect(abs((latest["pk"] as? Double ?? -1) - plan.pk[second.station]!) < 0.5)
            let stops = run.objects("stops")
            #expect(stops.first?["state"] as? String == "departed" && stops.first?["actualDeparture"] is String)
            #expect(stops.dropFirst().first?["actualArrival"] is String)
            let departed = try await fixture.trackingDB.pool.raw(
                "SELECT name, payload FROM event_outbox WHERE name = 'TrainDeparted'").all(decoding: EventRow.self)
            let payload = try departed.first.flatMap {
                try JSONSerialization.jsonObject(with: Data($0.payload.utf8)) as? [String: Any]
            }
            #expect(departed.count == 1 && payload?["tripId"] as? Int == trip.id)
            #expect(payload?["station"] as? String == first.station)
        }
    }

    @Test func anOperatorsAssignmentIsKeptWhileItsTripRuns() async throws {
        try await TrackingFixture.run { fixture, client in
            let trips = try await fixture.tripsByDeparture()
            let planned = try #require(trips.first)
            // Another trip on the line at the same time (the other direction).
            let other = try #require(trips.first {
                $0.id != planned.id && $0.departs_at < planned.arrives_at && $0.arrives_at > planned.departs_at
            })
            try await fixture.planLocomotive("CC 2201", trip: planned.id)
            let (device, authorization) = try await fixture.device(client, trip: other.id, locomotive: "CC 2201")
            let plan = try await fixture.plan(trip: planned.id)
            let sent = try await Self.stand(
                fixture, client, authorization: authorization, plan: plan, at: plan.stops[0].station,
                from: planned.departs_at.addingTimeInterval(-300), to: planned.departs_at.addingTimeInterval(300),
                firstSeq: 1)

            let listed = try await Self.listed(fixture, client, id: device)
            #expect(listed["tripId"] as? Int == other.id)
            #expect(listed["assignmentSource"] as? String == "operator" && listed["assignedBy"] as? String == "usr_ops")
            #expect(try await positions(fixture, device: device, trip: other.id) == sent)
            #expect(try await positions(fixture, device: device, trip: planned.id) == 0)
            #expect(fixture.logs.entries("device assigned automatically").isEmpty)
        }
    }

    @Test func withoutATripPlannedWithItsLocomotiveADeviceStaysUnassignedAndItsFixesAreStored() async throws {
        try await TrackingFixture.run { fixture, client in
            let trip = try await fixture.trip()
            try await fixture.planLocomotive("CC 2201", trip: trip.id)
            let (device, authorization) = try await fixture.device(client, locomotive: "CC 2202")
            let plan = try await fixture.plan(trip: trip.id)
            let leaves = try plan.time(plan.stops[0].departure)
            let sent = try await Self.stand(fixture, client, authorization: authorization, plan: plan,
                                            at: plan.stops[0].station, from: leaves.addingTimeInterval(-300),
                                            to: leaves.addingTimeInterval(300), firstSeq: 1)
            let listed = try await Self.listed(fixture, client, id: device)
            #expect(listed["tripId"] is NSNull && listed["assignmentSource"] is NSNull)
            #expect(try await positions(fixture, device: device, trip: 0) == sent)
            #expect(try await fixture.send(client, .get, "/api/v1/trains/\(trip.id)").status == .notFound)
        }
    }

    @Test func afterItsTripEndsADeviceIsFreedThenTakenByTheNextTripPlannedWithItsLocomotive() async throws {
        try await TrackingFixture.run { fixture, client in
            let trips = try await fixture.tripsByDeparture()
            let first = try #require(trips.first)
            // The next trip of the locomotive leaves more than four hours after the first arrives.
            let next = try #require(trips.first { $0.departs_at > first.arrives_at.addingTimeInterval(4 * 3600) })
            try await fixture.planLocomotive("CC 2201", trip: first.id)
            try await fixture.planLocomotive("CC 2201", trip: next.id)
            let (device, authorization) = try await fixture.device(client, locomotive: "CC 2201")
            let plan = try await fixture.plan(trip: first.id)
            let nextPlan = try await fixture.plan(trip: next.id)
            let origin = plan.stops[0].station, destination = plan.stops.last!.station

            // At the first trip's departure: assigned to it.
            let atDeparture = try await Self.stand(
                fixture, client, authorization: authorization, plan: plan, at: origin,
                from: first.departs_at.addingTimeInterval(-300), to: first.departs_at, firstSeq: 1)
            #expect(try await Self.listed(fixture, client, id: device)["tripId"] as? Int == first.id)
            // Half an hour after its arrival: still that trip's.
            let afterArrival = try await Self.stand(
                fixture, client, authorization: authorization, plan: plan, at: destination,
                from: first.arrives_at.addingTimeInterval(1800), to: first.arrives_at.addingTimeInterval(2100),
                firstSeq: 100)
            #expect(try await positions(fixture, device: device, trip: first.id) == atDeparture + afterArrival)
            // More than two hours after: the trip is over, no other runs: unassigned, fixes kept without a run.
            let idle = try await Self.stand(
                fixture, client, authorization: authorization, plan: plan, at: destination,
                from: first.arrives_at.addingTimeInterval(2 * 3600 + 600),
                to: first.arrives_at.addingTimeInterval(2 * 3600 + 900), firstSeq: 200)
            let freed = try await Self.listed(fixture, client, id: device)
            #expect(freed["tripId"] is NSNull && freed["assignmentSource"] is NSNull)
            #expect(try await positions(fixture, device: device, trip: 0) == idle)
            // Half an hour before the next trip planned with the locomotive: assigned to it.
            let nextOrigin = nextPlan.stops[0].station
            let waiting = try await Self.stand(
                fixture, client, authorization: authorization, plan: nextPlan, at: nextOrigin,
                from: next.departs_at.addingTimeInterval(-1800), to: next.departs_at.addingTimeInterval(-1500),
                firstSeq: 300)
            let taken = try await Self.listed(fixture, client, id: device)
            #expect(taken["tripId"] as? Int == next.id && taken["assignmentSource"] as? String == "locomotive")
            #expect(try await positions(fixture, device: device, trip: next.id) == waiting)
            #expect(fixture.logs.entries("device assigned automatically").compactMap { $0.metadata["trip_id"] }
                        == ["\(first.id)", "none", "\(next.id)"])
        }
    }

    @Test func operatorsMountADeviceOnALocomotiveAndAnAutomaticAssignmentEndsWithIt() async throws {
        try await TrackingFixture.run { fixture, client in
            let trip = try await fixture.trip()
            try await fixture.planLocomotive("CC 2201", trip: trip.id)
            let (device, authorization) = try await fixture.device(client)
            let uri = "/api/v1/devices/\(device)/locomotive"
            let ops = try fixture.token("usr_ops", .operator)
            let agent = try fixture.token("usr_agent", .agent)
            #expect(try await fixture.send(client, .put, uri, body: #"{"locomotive": "CC 2201"}"#).status
                        == .unauthorized)
            #expect(try await fixture.send(client, .put, uri, authorization: "Bearer \(agent)",
                                           body: #"{"locomotive": "CC 2201"}"#).status == .forbidden)
            for body in [#"{"locomotive": ""}"#, #"{"locomotive": "CC/2201"}"#, #"{"locomotive": 12}"#, "{}",
                         #"{"locomotive": "X234567890123456Z"}"#] {
                let refused = try await fixture.send(client, .put, uri, authorization: "Bearer \(ops)", body: body)
                #expect(refused.status == .unprocessableContent, "\(body)")
            }
            let badNew = try await fixture.send(client, .post, "/api/v1/devices", authorization: "Bearer \(ops)",
                                                body: #"{"name": "x", "kind": "phone", "locomotive": "CC_1"}"#)
            #expect(badNew.status == .unprocessableContent && badNew.errors == ["locomotive:invalid"])
            #expect(try await fixture.send(client, .put, "/api/v1/devices/4040/locomotive",
                                           authorization: "Bearer \(ops)", body: #"{"locomotive": "CC 2201"}"#)
                        .status == .notFound)

            let mounted = try await fixture.send(client, .put, uri, authorization: "Bearer \(ops)",
                                                 body: #"{"locomotive": "cc-2201"}"#)
            #expect(mounted.status == .ok && mounted["locomotive"] as? String == "CC-2201")
            let audit = try #require(fixture.logs.entries("device locomotive set").last)
            #expect(audit.metadata["audit"] == "device.locomotive" && audit.metadata["subject"] == "usr_ops")
            #expect(audit.metadata["device_id"] == "\(device)" && audit.metadata["locomotive"] == "CC-2201")

            // Mounted on the planned one, it is assigned with its first fixes; mounted on another, that ends.
            #expect(try await fixture.send(client, .put, uri, authorization: "Bearer \(ops)",
                                           body: #"{"locomotive": "CC 2201"}"#).status == .ok)
            let plan = try await fixture.plan(trip: trip.id)
            let leaves = try plan.time(plan.stops[0].departure)
            try await Self.stand(fixture, client, authorization: authorization, plan: plan, at: plan.stops[0].station,
                                 from: leaves.addingTimeInterval(-300), to: leaves, firstSeq: 1)
            #expect(try await Self.listed(fixture, client, id: device)["tripId"] as? Int == trip.id)
            let moved = try await fixture.send(client, .put, uri, authorization: "Bearer \(ops)",
                                               body: #"{"locomotive": null}"#)
            #expect(moved.status == .ok && moved["locomotive"] is NSNull && moved["tripId"] is NSNull)
            #expect(fixture.logs.entries("device locomotive set").last?.metadata["locomotive"] == "none")
        }
    }
}

/// The rule alone: which trip a device on a locomotive travels with at a given time.
struct AutomaticAssignmentRuleTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A trip planned with `locomotive`, leaving `leaves` hours after t0 and arriving `arrives` hours after it.
    static func trip(_ id: Int, _ locomotive: String?, leaves: Double, arrives: Double, status: String = "scheduled")
        -> InventoryTrip
    {
        func at(_ hours: Double) -> String { TrackingTime.utc(t0.addingTimeInterval(hours * 3600)) }
        return InventoryTrip(id: id, trainNumber: 200 + id, serviceDate: "2027-01-15", service: "express",
                             status: status,
                             stops: [.init(seq: 1, station: "OWE", arrival: nil, departure: at(leaves)),
                                     .init(seq: 2, station: "FCV", arrival: at(arrives), departure: nil)],
                             locomotive: locomotive)
    }

    static func device(trip: InventoryTrip? = nil, source: AssignmentSource? = nil, locomotive: String? = "CC 2201")
        -> DeviceRecord
    {
        DeviceRecord(id: 1, name: "d", kind: "locomotive", keyHash: [], brokerHash: nil, tripID: trip?.id,
                     assignedAt: nil, createdAt: t0, createdBy: "usr_ops", locomotive: locomotive,
                     assignmentSource: trip == nil ? nil : source, assignedBy: nil,
                     runDepartureAt: trip?.run.departureAt, runArrivalAt: trip?.run.arrivalAt)
    }

    static func at(_ hours: Double) -> Date { t0.addingTimeInterval(hours * 3600) }

    @Test func aTripRunsFromAnHourBeforeItLeavesToTwoHoursAfterItArrives() {
        let trips = [Self.trip(1, "CC 2201", leaves: 2, arrives: 10), Self.trip(2, "CC 2202", leaves: 2, arrives: 10),
                     Self.trip(3, "CC 2201", leaves: 2, arrives: 10, status: "cancelled")]
        let free = Self.device()
        #expect(AutomaticAssignment.decide(free, at: Self.at(0.9), trips: trips) == .keep)
        #expect(AutomaticAssignment.decide(free, at: Self.at(1), trips: trips) == .assign(trips[0]))
        #expect(AutomaticAssignment.decide(free, at: Self.at(12), trips: trips) == .assign(trips[0]))
        #expect(AutomaticAssignment.decide(free, at: Self.at(12.1), trips: trips) == .keep)
        // No locomotive: never looked at.
        #expect(AutomaticAssignment.decide(Self.device(locomotive: nil), at: Self.at(3), trips: trips) == .keep)
    }

    @Test func anOperatorsAssignmentWinsUntilItsTripIsOverAndLateFixesNeverGoBack() {
        let first = Self.trip(1, "CC 2201", leaves: 2, arrives: 10)
        let next = Self.trip(2, "CC 2201", leaves: 11, arrives: 20)
        let manual = Self.trip(9, nil, leaves: 0, arrives: 8)
        let trips = [first, next, manual]
        let byOperator = Self.device(trip: manual, source: .operator)
        #expect(AutomaticAssignment.decide(byOperator, at: Self.at(9.9), trips: trips) == .keep)
        #expect(AutomaticAssignment.decide(byOperator, at: Self.at(10.1), trips: trips) == .assign(next))
        // Two trips of the locomotive running at once: the one leaving last; a late fix keeps the newer one.
        let onFirst = Self.device(trip: first, source: .locomotive)
        #expect(AutomaticAssignment.decide(onFirst, at: Self.at(9), trips: trips) == .keep)
        #expect(AutomaticAssignment.decide(onFirst, at: Self.at(10.5), trips: trips) == .assign(next))
        let onNext = Self.device(trip: next, source: .locomotive)
        #expect(AutomaticAssignment.decide(onNext, at: Self.at(5), trips: trips) == .keep)
        // Over, and nothing else planned: freed; an operator's over: kept.
        #expect(AutomaticAssignment.decide(onNext, at: Self.at(22.5), trips: trips) == .unassign)
        #expect(AutomaticAssignment.decide(Self.device(trip: next, source: .operator), at: Self.at(22.5),
                                           trips: trips) == .keep)
    }

    @Test func locomotiveNumbersAreKeptInCapitalsWithSingleSpaces() {
        #expect(LocomotiveNumber.normalized(" cc  2201 ") == "CC 2201")
        #expect(LocomotiveNumber.normalized("BB-1104") == "BB-1104")
        for bad in ["", "  ", "-11", "CC_2201", "CC\t2201", "CC 22é1", "X234567890123456Z"] {
            #expect(LocomotiveNumber.normalized(bad) == nil, "\(bad)")
        }
    }
}
