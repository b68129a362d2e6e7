import Foundation
import SetragKernel

/// A checked offer search: inventory checks the stations and the date; booking checks the party.
public struct OfferQuery: Sendable, Equatable {
    /// The query parameters and the passenger types they count.
    public static let parameters: [(name: String, type: String)] = [
        ("passengers", "adult"), ("children", "child"), ("infants", "infant"),
    ]

    public var from: String
    public var to: String
    public var date: String
    /// Passengers per type code, in the order of `parameters`.
    public var party: [(type: String, count: Int)]

    public static func == (lhs: OfferQuery, rhs: OfferQuery) -> Bool {
        lhs.from == rhs.from && lhs.to == rhs.to && lhs.date == rhs.date
            && lhs.party.map(\.type) == rhs.party.map(\.type) && lhs.party.map(\.count) == rhs.party.map(\.count)
    }

    /// Passengers who take a seat.
    public func seated(_ fares: FareBook) -> Int {
        party.reduce(0) { $0 + (fares.passengerType($1.type)?.needsSeat == false ? 0 : $1.count) }
    }

    /// The query, or the field errors of the party (the caller adds inventory's own).
    public static func parse(_ values: [String: String?], fares: FareBook) -> (OfferQuery, [Problem.FieldError]) {
        var errors: [Problem.FieldError] = []
        var party: [(type: String, count: Int)] = []
        for (name, type) in parameters {
            let fallback = type == "adult" ? 1 : 0
            guard let text = values[name] ?? nil, !text.isEmpty else {
                party.append((type, fallback))
                continue
            }
            guard let count = Int(text), (0...BookingDraft.maxSeated).contains(count) else {
                errors.append(.init(field: name, code: "out-of-range",
                                    message: "a whole number from 0 to \(BookingDraft.maxSeated)"))
                party.append((type, fallback))
                continue
            }
            party.append((type, count))
        }
        let query = OfferQuery(from: (values["from"] ?? nil) ?? "", to: (values["to"] ?? nil) ?? "",
                               date: (values["date"] ?? nil) ?? "", party: party)
        if errors.isEmpty {
            let seated = query.seated(fares)
            if !(1...BookingDraft.maxSeated).contains(seated) {
                errors.append(.init(field: "passengers", code: "out-of-range",
                                    message: "1 to \(BookingDraft.maxSeated) passengers with a seat"))
            }
            for type in fares.passengerTypes {
                guard let lap = type.onLapOf, let parameter = parameters.first(where: { $0.type == type.code })
                else { continue }
                let count = party.first { $0.type == type.code }?.count ?? 0
                let laps = party.first { $0.type == lap }?.count ?? 0
                if count > laps {
                    errors.append(.init(field: parameter.name, code: "too-many-\(parameter.name)",
                                        message: "each \(type.code) travels on the lap of a different \(lap)"))
                }
            }
        }
        return (query, errors)
    }
}

/// Trip search with prices: inventory's answer, and per class the party's total and each passenger type's fare.
public struct OfferService: Sendable {
    let bookings: BookingService
    let inventory: any InventoryClient

    public init(bookings: BookingService, inventory: any InventoryClient) {
        self.bookings = bookings
        self.inventory = inventory
    }

    public func offers(_ values: [String: String?]) async throws -> OffersJSON {
        let fares = try await bookings.fares()
        let (query, errors) = OfferQuery.parse(values, fares: fares)
        let search: InventoryTripSearch
        do {
            search = try await inventory.searchTrips(from: query.from, to: query.to, date: query.date,
                                                     passengers: errors.isEmpty ? query.seated(fares) : 1)
        } catch BookingError.inventoryRefused(let problem) where problem.status == .unprocessableContent {
            // Every problem at once: the party's and inventory's.
            throw BookingError.invalid(errors + (problem.problem.errors ?? []))
        }
        guard errors.isEmpty else { throw BookingError.invalid(errors) }
        let metres = try await bookings.distance(from: search.from.code, to: search.to.code)
        return OffersJSON(search: search, party: query.party, fares: fares, metres: metres)
    }
}

// MARK: JSON (the shapes of BookingOpenAPI)

public struct OffersJSON: Encodable, Sendable {
    struct PartyJSON: Encodable, Sendable {
        let type: String
        let count: Int
    }

    struct FareLineJSON: Encodable, Sendable {
        let type: String
        let count: Int
        let unitPrice: Int
        let amount: Int
    }

    struct PriceJSON: Encodable, Sendable {
        let total: Int
        let currency: String
        let perPassenger: [FareLineJSON]
    }

    struct ClassJSON: Encodable, Sendable {
        let travelClass: String
        let seatsFree: Int
        let available: Bool
        /// Nil for a class the fare book does not price.
        let price: PriceJSON?
        enum CodingKeys: String, CodingKey { case travelClass = "class", seatsFree, available, price }
    }

    struct TripJSON: Encodable, Sendable {
        let id: Int
        let trainNumber: Int
        let service: String
        let serviceDate: String
        let departure: String
        let arrival: String
        let durationMinutes: Int
        let classes: [ClassJSON]
    }

    let from: InventoryStationRef
    let to: InventoryStationRef
    let date: String
    let distanceKm: Double
    let passengers: [PartyJSON]
    let trips: [TripJSON]
    let nextDates: [String]

    init(search: InventoryTripSearch, party: [(type: String, count: Int)], fares: FareBook, metres: Int) {
        from = search.from
        to = search.to
        date = search.date
        distanceKm = Double(metres) / 1000
        let travelling = party.filter { $0.count > 0 }
        passengers = travelling.map { PartyJSON(type: $0.type, count: $0.count) }
        func price(_ travelClass: String) -> PriceJSON? {
            var lines: [FareLineJSON] = []
            for (type, count) in travelling {
                guard let unit = fares.fare(travelClass, passengerType: type, metres: metres) else { return nil }
                lines.append(FareLineJSON(type: type, count: count, unitPrice: unit, amount: unit * count))
            }
            return PriceJSON(total: lines.reduce(0) { $0 + $1.amount }, currency: fares.currency, perPassenger: lines)
        }
        trips = search.trips.map { trip in
            TripJSON(id: trip.id, trainNumber: trip.trainNumber, service: trip.service, serviceDate: trip.serviceDate,
                     departure: trip.departure, arrival: trip.arrival, durationMinutes: trip.durationMinutes,
                     classes: trip.classes.map {
                         ClassJSON(travelClass: $0.travelClass, seatsFree: $0.seatsFree, available: $0.available,
                                   price: price($0.travelClass))
                     })
        }
        nextDates = search.nextDates
    }
}
