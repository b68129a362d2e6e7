import Foundation
import HummingbirdTesting
import SetragKernel
import Testing
@testable import Inventory

/// `GET /internal/trips/{id}`: a trip with its stops and their times, for other services (tracking).
struct InternalTripRouteTests {
    @Test func aTripIsReadWithItsStatusAndItsStopsInOrder() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { client in
            let tuesday = fixture.next(2)
            let id = try await fixture.tripID(train: 211, date: tuesday)
            let trip = try await get(client, "/internal/trips/\(id)")
            #expect(trip.status == .ok)
            #expect(trip["id"] as? Int == id && trip["trainNumber"] as? Int == 211)
            #expect(trip["serviceDate"] as? String == tuesday.description && trip["service"] as? String == "express")
            #expect(trip["status"] as? String == "scheduled" && trip["direction"] as? String == "OWE-FCV")
            let stops = trip.objects("stops")
            #expect(stops.map { $0["station"] as? String } == ["OWE", "NTO", "NDJ", "LOP", "BOO", "LTV", "MOA", "FCV"])
            #expect(stops.map { $0["seq"] as? Int } == Array(1...8))
            #expect(stops.first?["departure"] as? String == "\(tuesday)T12:30:00+01:00")
            #expect(stops.first?["arrival"] == nil && stops.last?["departure"] == nil)
            #expect(stops.last?["arrival"] as? String == "\(tuesday.adding(days: 1))T01:49:00+01:00")

            #expect(try await get(client, "/internal/trips/987654").status == .notFound)
            #expect(try await get(client, "/internal/trips/abc").status == .notFound)
        }
    }
    @Test func theTripsOnTheLineBetweenTwoInstantsAreListed() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { client in
            let tuesday = fixture.next(2)
            let id = try await fixture.tripID(train: 211, date: tuesday)
            // 211 runs from 12:30 on Tuesday to 01:49 on Wednesday, Libreville time (UTC+1).
            let during = try await get(client, "/internal/trips?from=\(tuesday)T20:00:00Z&to=\(tuesday)T21:00:00Z")
            #expect(during.status == .ok)
            let trips = during.objects("trips")
            #expect(trips.contains { $0["id"] as? Int == id })
            #expect(trips.first { $0["id"] as? Int == id }.map { ($0["stops"] as? [Any])?.count } == 8)
            let before = try await get(client, "/internal/trips?from=\(tuesday)T08:00:00Z&to=\(tuesday)T11:00:00Z")
            #expect(!before.objects("trips").contains { $0["id"] as? Int == id })
            for query in ["", "?from=nonsense&to=\(tuesday)T21:00:00Z",
                          "?from=\(tuesday)T21:00:00Z&to=\(tuesday)T20:00:00Z",
                          "?from=\(tuesday)T00:00:00Z&to=\(tuesday.adding(days: 5))T00:00:00Z"] {
                let refused = try await get(client, "/internal/trips\(query)")
                #expect(refused.status == .unprocessableContent, "\(query)")
            }
        }
    }
}

