import Foundation
import SetragKernel

/// A booking's state, after UIC OSDM's booking states: held (inventory holds its seats until the hold expires; no
/// payment started), awaiting_payment (a payment is under way; back to held if it fails), confirmed when paid, and
/// ends cancelled (unpaid), refund_pending (cancelled after payment: the refund is owed to the customer), refund_due
/// (paid but the seats could not be sold: a full refund is owed), refunded (what was owed has been paid back),
/// expired (unpaid when the hold ran out) or exchanged (replaced by the booking `exchangedTo`, made by an exchange).
public enum BookingStatus: String, Sendable, Codable, CaseIterable {
    case held
    case awaitingPayment = "awaiting_payment"
    case confirmed
    case cancelled
    case refundPending = "refund_pending"
    case refundDue = "refund_due"
    case refunded
    case expired
    case exchanged

    /// Not paid yet, and payable while the hold lasts: seats held, or a payment under way.
    public var isUnpaid: Bool { self == .held || self == .awaitingPayment }
}

/// A seat of a trip: coach number (from the locomotive) and seat number.
public struct SeatRef: Codable, Hashable, Sendable {
    public var coach: Int
    public var seat: Int
    public init(coach: Int, seat: Int) {
        self.coach = coach
        self.seat = seat
    }
}

/// The trip and the part of it a booking travels: a copy of what inventory said when the booking was made.
public struct Journey: Sendable, Equatable {
    public struct Stop: Sendable, Equatable {
        public var code: String
        public var name: String
    }

    public var tripID: Int
    public var trainNumber: Int
    public var service: String
    /// The local date the train leaves its first station, `YYYY-MM-DD`.
    public var serviceDate: String
    public var from: Stop
    public var to: Stop
    public var departure: Date
    public var arrival: Date
}

public struct BookedPassenger: Sendable, Equatable {
    public var type: String
    public var name: String
    public var idNumber: String?
    public var seat: SeatRef?
    public var fare: Int
}

/// A booking (PNR) as stored. Personal fields are clear here and sealed in the database.
public struct BookingRecord: Sendable, Equatable {
    public var pnr: String
    public var status: BookingStatus
    /// The user the booking belongs to (the caller, or the customer an agent sold it for).
    public var ownerID: String
    /// The agent who sold it at a counter.
    public var soldBy: String?
    public var journey: Journey
    public var travelClass: String
    public var distanceMetres: Int
    public var passengers: [BookedPassenger]
    public var contactPhone: String
    public var total: Int
    public var currency: String
    public var holdID: Int
    public var holdExpiresAt: Date
    /// What is owed back to the customer (refund_pending, refund_due); 0 for a cancelled unpaid booking.
    public var refundAmount: Int?
    public var createdAt: Date
    public var paidAt: Date?
    public var cancelledAt: Date?
    /// SETRAG cancelled the booking's trip (inventory's `TripCancelled`): its holder may exchange or be refunded
    /// without fee.
    public var operatorCancellation: OperatorCancellation? = nil
    /// What the booking's holder was told, newest first.
    public var notices: [BookingNotice] = []
    /// Made by exchanging another booking: its PNR and what the exchange cost (nil for a booking sold as such).
    public var exchange: ExchangeTerms? = nil
    /// The booking that replaced this one (status `exchanged`).
    public var exchangedTo: String? = nil
    /// Of `refundAmount`, what payments has paid back so far (its `RefundPaid` events).
    public var refundedAmount: Int = 0

    /// What a payment of the booking must bring: the total, or for an exchange the difference still due.
    public var amountDue: Int { exchange?.amountDue ?? total }
}

/// How a booking made by an exchange was priced: its fare (`total`) minus what the old booking was worth, plus the
/// fee the rules give. `amountDue` is what was left to pay (0 when the old booking covered it; the rest came back).
public struct ExchangeTerms: Sendable, Equatable {
    /// The PNR of the booking exchanged.
    public var of: String
    /// What the old booking was worth (its total).
    public var credit: Int
    public var feePercent: Int
    public var fee: Int
    /// max(0, total − credit + fee).
    public var amountDue: Int
    /// max(0, credit − fee − total): paid back to the customer.
    public var refund: Int

    public init(of: String, credit: Int, feePercent: Int, fee: Int, newTotal: Int) {
        self.of = of
        self.credit = credit
        self.feePercent = feePercent
        self.fee = fee
        let balance = newTotal - credit + fee
        amountDue = max(0, balance)
        refund = max(0, -balance)
    }
}

/// SETRAG's cancellation of a booking's trip, as booking recorded it.
public struct OperatorCancellation: Sendable, Equatable {
    public var reason: String
    /// When inventory cancelled the trip.
    public var at: Date
}

/// A message to a booking's holder, in French and English. `kind` is a stable code (`trip-cancelled`).
public struct BookingNotice: Sendable, Equatable {
    public var kind: String
    public var french: String
    public var english: String
    public var at: Date
}

/// A line of a customer's list of bookings (no personal data: nothing to decrypt).
public struct BookingSummary: Sendable, Equatable {
    public var pnr: String
    public var status: BookingStatus
    public var journey: Journey
    public var travelClass: String
    public var passengerCount: Int
    public var total: Int
    public var currency: String
    public var holdExpiresAt: Date
    public var createdAt: Date
    /// Set when SETRAG cancelled the trip (the list shows it without reading each booking).
    public var operatorCancellation: OperatorCancellation? = nil
}

/// The body of `POST /api/v1/bookings`.
public struct BookingRequest: JSONRequestBody {
    public static let fields: Set<String> = ["tripId", "from", "to", "class", "passengers", "contactPhone", "ownerId"]

    public struct PassengerJSON: Decodable, Sendable {
        static let fields: Set<String> = ["type", "name", "idNumber", "seat"]
        public var type: String
        public var name: String
        public var idNumber: String?
        public var seat: SeatRef?

        enum CodingKeys: String, CodingKey, CaseIterable { case type, name, idNumber, seat }

        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// Strict like the top level: an unknown field is a 422, not silently dropped.
        public init(from decoder: any Decoder) throws {
            let all = try decoder.container(keyedBy: AnyKey.self)
            let unknown = all.allKeys.map(\.stringValue).filter { !Self.fields.contains($0) }.sorted()
            if !unknown.isEmpty {
                let path = decoder.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
                throw ProblemError.validation(unknown.map {
                    .init(field: (path + [$0]).joined(separator: "."), code: "unknown-field")
                })
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decode(String.self, forKey: .type)
            name = try container.decode(String.self, forKey: .name)
            idNumber = try container.decodeIfPresent(String.self, forKey: .idNumber)
            seat = try container.decodeIfPresent(SeatRef.self, forKey: .seat)
        }
    }

    public var tripId: Int
    public var from: String
    public var to: String
    public var travelClass: String
    public var passengers: [PassengerJSON]
    public var contactPhone: String
    public var ownerId: String?

    enum CodingKeys: String, CodingKey {
        case tripId, from, to, travelClass = "class", passengers, contactPhone, ownerId
    }
}

/// A booking request that passed every check that needs neither inventory nor the database.
public struct BookingDraft: Sendable, Equatable {
    public struct Passenger: Sendable, Equatable {
        public var type: String
        public var name: String
        public var idNumber: String?
        public var seat: SeatRef?
        public var needsSeat: Bool
    }

    public static let maxSeated = 9
    public static let nameLength = 1...80
    public static let idNumberLength = 4...30

    public var tripID: Int
    public var from: String
    public var to: String
    public var travelClass: String
    public var passengers: [Passenger]
    /// E.164.
    public var contactPhone: String
    public var ownerID: String?

    /// The passengers who take a seat, in the order given.
    public var seated: [Passenger] { passengers.filter(\.needsSeat) }
    /// The seats the caller chose (none: inventory chooses).
    public var chosenSeats: [SeatRef] { seated.compactMap(\.seat) }

    /// Checks everything at once: one 422 lists every field that is wrong.
    public static func check(_ request: BookingRequest, fares: FareBook) throws -> BookingDraft {
        var errors: [Problem.FieldError] = []
        if request.tripId < 1 || request.tripId > Int(UInt32.max) {
            errors.append(.init(field: "tripId", code: "out-of-range", message: "a trip id from the trip search"))
        }
        for (field, value) in [("from", request.from), ("to", request.to)] {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.count > 80 {
                errors.append(.init(field: field, code: trimmed.isEmpty ? "required" : "too-long",
                                    message: "a station code or name"))
            }
        }
        if fares.travelClass(request.travelClass) == nil {
            errors.append(.init(field: "class", code: "unknown-class",
                                message: "one of \(fares.classes.map(\.code).joined(separator: ", "))"))
        }
        let contactPhone = GabonesePhone.mobileE164(request.contactPhone)
        if contactPhone == nil {
            errors.append(.init(field: "contactPhone", code: "invalid-phone",
                                message: "a Gabonese mobile number: 0 + 8 digits (06[256]/07[47]) or +241 + 8 digits"))
        }
        if let owner = request.ownerId, owner.wholeMatch(of: /[a-z]{3}_[0-9a-z]{1,60}/) == nil {
            errors.append(.init(field: "ownerId", code: "invalid", message: "a user id (usr_…)"))
        }

        var passengers: [Passenger] = []
        let maxEntries = maxSeated * 2
        if request.passengers.isEmpty || request.passengers.count > maxEntries {
            errors.append(.init(field: "passengers", code: "count",
                                message: "1 to \(maxSeated) passengers with a seat, plus infants"))
        } else {
            for (index, entry) in request.passengers.enumerated() {
                if let passenger = checkPassenger(entry, index: index, fares: fares, errors: &errors) {
                    passengers.append(passenger)
                }
            }
        }
        if passengers.count == request.passengers.count, !passengers.isEmpty {
            checkParty(passengers, fares: fares, errors: &errors)
        }
        guard errors.isEmpty, let contactPhone else { throw BookingError.invalid(errors) }
        return BookingDraft(tripID: request.tripId, from: request.from.trimmingCharacters(in: .whitespaces),
                            to: request.to.trimmingCharacters(in: .whitespaces), travelClass: request.travelClass,
                            passengers: passengers, contactPhone: contactPhone, ownerID: request.ownerId)
    }

    static func checkPassenger(_ entry: BookingRequest.PassengerJSON, index: Int, fares: FareBook,
                               errors: inout [Problem.FieldError]) -> Passenger? {
        let prefix = "passengers.\(index)."
        var ok = true
        let type = fares.passengerType(entry.type)
        if type == nil {
            errors.append(.init(field: prefix + "type", code: "unknown-type",
                                message: "one of \(fares.passengerTypes.map(\.code).joined(separator: ", "))"))
            ok = false
        }
        let name = entry.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if !nameLength.contains(name.count) {
            errors.append(.init(field: prefix + "name", code: name.isEmpty ? "required" : "too-long",
                                message: "\(nameLength.lowerBound) to \(nameLength.upperBound) characters"))
            ok = false
        } else if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            errors.append(.init(field: prefix + "name", code: "invalid", message: "no control characters"))
            ok = false
        }
        var idNumber: String?
        if let raw = entry.idNumber?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            let upper = raw.uppercased()
            if idNumberLength.contains(upper.count), upper.wholeMatch(of: /[A-Z0-9-]+/) != nil {
                idNumber = upper
            } else {
                errors.append(.init(field: prefix + "idNumber", code: "invalid",
                                    message: "\(idNumberLength.lowerBound) to \(idNumberLength.upperBound) "
                                        + "of A-Z 0-9 -"))
                ok = false
            }
        } else if type?.needsSeat != false {
            // Infants on a lap travel on their adult's ticket; everyone with a seat shows an ID document.
            errors.append(.init(field: prefix + "idNumber", code: "required"))
            ok = false
        }
        if let seat = entry.seat {
            if type?.needsSeat == false {
                errors.append(.init(field: prefix + "seat", code: "no-seat",
                                    message: "\(entry.type) passengers travel on a lap, without a seat"))
                ok = false
            } else if !(1...255).contains(seat.coach) || !(1...255).contains(seat.seat) {
                errors.append(.init(field: prefix + "seat", code: "out-of-range"))
                ok = false
            }
        }
        guard ok, let type else { return nil }
        return Passenger(type: type.code, name: name, idNumber: idNumber, seat: entry.seat, needsSeat: type.needsSeat)
    }

    /// Rules about the party as a whole: seats, laps.
    static func checkParty(_ passengers: [Passenger], fares: FareBook, errors: inout [Problem.FieldError]) {
        let seated = passengers.filter(\.needsSeat)
        if seated.isEmpty || seated.count > maxSeated {
            errors.append(.init(field: "passengers", code: "count",
                                message: "1 to \(maxSeated) passengers with a seat"))
        }
        let chosen = seated.compactMap(\.seat)
        if !chosen.isEmpty, chosen.count != seated.count {
            errors.append(.init(field: "passengers", code: "seats-all-or-none",
                                message: "choose a seat for every passenger who takes one, or for none"))
        }
        if Set(chosen).count != chosen.count {
            errors.append(.init(field: "passengers", code: "seats-repeated", message: "each seat once"))
        }
        for type in fares.passengerTypes {
            guard let lap = type.onLapOf else { continue }
            let count = passengers.filter { $0.type == type.code }.count
            let laps = passengers.filter { $0.type == lap }.count
            if count > laps {
                errors.append(.init(field: "passengers", code: "too-many-\(type.code)s",
                                    message: "each \(type.code) travels on the lap of a different \(lap)"))
            }
        }
    }
}

/// PNRs: 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L): 31^6 ≈ 887 million codes.
public struct PNRGenerator: Sendable {
    public static let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    public static let length = 6
    let make: @Sendable () -> String

    public init(_ make: @escaping @Sendable () -> String) { self.make = make }

    public func next() -> String { make() }

    /// Drawn from the system's secure generator, without modulo bias.
    public static let live = PNRGenerator {
        var code = ""
        while code.count < length {
            for byte in randomBytes(16) where Int(byte) < 248 && code.count < length {
                code.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return code
    }

    /// Whether `text` is shaped like a PNR (uppercased first).
    public static func isWellFormed(_ text: String) -> Bool {
        text.count == length && text.allSatisfy { alphabet.contains($0) }
    }
}
