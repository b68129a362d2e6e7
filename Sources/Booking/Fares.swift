import Foundation
import SetragKernel

/// The fares and fare rules booking applies, as loaded from `data/fares.json` into booking's database: a price per
/// kilometre point (PK) per class, rounded to the nearest step with a floor; a share of it per passenger type; the
/// fees for refunds and exchanges by how long before departure they happen. Amounts are whole XAF.
public struct FareBook: Sendable, Equatable {
    public struct TravelClass: Sendable, Equatable {
        /// Inventory's class code: `vip`, `first`, `second`.
        public var code: String
        public var name: String
        /// XAF per kilometre.
        public var perKm: Int
    }

    public struct PassengerType: Sendable, Equatable {
        public var code: String
        public var name: String
        public var minAge: Int?
        public var maxAge: Int?
        /// Share of the class fare, in percent (adult 100, child 50, infant 0).
        public var farePercent: Int
        /// False for infants travelling on a lap: no seat is taken for them.
        public var needsSeat: Bool
        /// The type of the passenger whose lap it is (each needs their own): `adult` for infants.
        public var onLapOf: String?
    }

    /// Who changes the booking: the customer, or SETRAG (the trip was cancelled by the operator).
    public enum Cause: String, Sendable, CaseIterable { case customer, `operator` }
    public enum Action: String, Sendable, CaseIterable { case refund, exchange }

    /// A fee that applies when the departure is at least `fromHoursBefore` hours away (nil: at any time, even after
    /// the departure). The first rule that applies wins; when none does, the change is not allowed.
    public struct ChangeRule: Sendable, Equatable {
        public var cause: Cause
        public var action: Action
        public var fromHoursBefore: Int?
        public var feePercent: Int
    }

    public var source: String
    public var currency: String
    public var roundingStep: Int
    public var minimumFare: Int
    public var classes: [TravelClass]
    public var passengerTypes: [PassengerType]
    public var changeRules: [ChangeRule]

    public func travelClass(_ code: String) -> TravelClass? { classes.first { $0.code == code } }
    public func passengerType(_ code: String) -> PassengerType? { passengerTypes.first { $0.code == code } }

    /// The distance in metres between two kilometre points (either direction).
    public static func metres(fromKm a: Double, toKm b: Double) -> Int { Int((abs(b - a) * 1000).rounded()) }

    /// The full (adult) fare of a class over `metres`: per-km price times the distance, rounded to the nearest
    /// `roundingStep` (halves up), never below `minimumFare`.
    public func classFare(_ travelClass: String, metres: Int) -> Int? {
        guard let fare = self.travelClass(travelClass), metres > 0 else { return nil }
        let thousandths = fare.perKm * metres
        let unit = roundingStep * 1000
        let rounded = (thousandths + unit / 2) / unit * roundingStep
        return max(minimumFare, rounded)
    }

    /// One passenger's fare: the type's share of the class fare, to the nearest whole XAF (halves up).
    public func fare(_ travelClass: String, passengerType: String, metres: Int) -> Int? {
        guard let full = classFare(travelClass, metres: metres), let type = self.passengerType(passengerType) else {
            return nil
        }
        return (full * type.farePercent + 50) / 100
    }

    /// What a change costs: the fee and what is left of `amount`.
    public struct ChangeQuote: Sendable, Equatable {
        public var feePercent: Int
        public var fee: Int
        /// `amount` minus the fee (the refund, for a refund).
        public var remainder: Int
    }

    /// The fee for a refund or an exchange of `amount` at `now` for a trip leaving at `departure`; nil when the
    /// rules allow none (a customer's refund after departure).
    public func quote(_ action: Action, cause: Cause, amount: Int, departure: Date, now: Date) -> ChangeQuote? {
        let secondsBefore = departure.timeIntervalSince(now)
        let rules = changeRules.filter { $0.action == action && $0.cause == cause }
            .sorted { ($0.fromHoursBefore ?? Int.min) > ($1.fromHoursBefore ?? Int.min) }
        guard let rule = rules.first(where: { rule in
            rule.fromHoursBefore.map { secondsBefore >= Double($0) * 3600 } ?? true
        }) else { return nil }
        let fee = (amount * rule.feePercent + 50) / 100
        return ChangeQuote(feePercent: rule.feePercent, fee: fee, remainder: amount - fee)
    }
}

/// `data/fares.json`: the fare book as the people who set prices write it.
public struct FareData: Decodable, Sendable {
    public static let fileName = "fares.json"

    struct ClassJSON: Decodable {
        let code: String
        let name: String
        let perKm: Int
    }

    struct PassengerTypeJSON: Decodable {
        let code: String
        let name: String
        let minAge: Int?
        let maxAge: Int?
        let farePercent: Int
        let needsSeat: Bool
        let onLapOf: String?
    }

    struct RuleJSON: Decodable {
        let fromHoursBefore: Int?
        let feePercent: Int
    }

    let source: String
    let currency: String
    let roundingStep: Int
    let minimumFare: Int
    let classes: [ClassJSON]
    let passengerTypes: [PassengerTypeJSON]
    let changeRules: [String: [String: [RuleJSON]]]

    /// Reads and checks the file; every problem is named at once.
    public static func load(directory: URL) throws -> FareBook {
        let url = directory.appendingPathComponent(fileName)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FareDataError(problems: ["cannot read \(url.path)"])
        }
        let decoded: FareData
        do {
            decoded = try JSONDecoder().decode(FareData.self, from: data)
        } catch {
            throw FareDataError(problems: ["\(url.path) is not a fare book: \(error)"])
        }
        return try decoded.book()
    }

    func book() throws -> FareBook {
        var problems: [String] = []
        if currency != "XAF" { problems.append("currency must be XAF (whole francs), not \(currency)") }
        if roundingStep < 1 { problems.append("roundingStep must be at least 1") }
        if minimumFare < 0 { problems.append("minimumFare cannot be negative") }
        if classes.isEmpty { problems.append("classes is empty") }
        for duplicate in Self.duplicates(classes.map(\.code)) { problems.append("class \(duplicate) appears twice") }
        for item in classes where item.perKm < 1 || item.code.isEmpty || item.code.count > 8 {
            problems.append("class \(item.code): a code of 1 to 8 characters and perKm of at least 1")
        }
        for duplicate in Self.duplicates(passengerTypes.map(\.code)) {
            problems.append("passenger type \(duplicate) appears twice")
        }
        let typeCodes = Set(passengerTypes.map(\.code))
        for type in passengerTypes {
            if !(0...100).contains(type.farePercent) || type.code.isEmpty || type.code.count > 12 {
                problems.append("passenger type \(type.code): a code of 1 to 12 characters, farePercent 0 to 100")
            }
            if let lap = type.onLapOf, !typeCodes.contains(lap) || type.needsSeat {
                problems.append("passenger type \(type.code): onLapOf names a type, and only for types without a seat")
            }
        }
        if !passengerTypes.contains(where: \.needsSeat) { problems.append("no passenger type takes a seat") }
        var rules: [FareBook.ChangeRule] = []
        for (causeName, actions) in changeRules.sorted(by: { $0.key < $1.key }) {
            guard let cause = FareBook.Cause(rawValue: causeName) else {
                problems.append("changeRules: unknown cause \(causeName) (customer or operator)")
                continue
            }
            for (actionName, list) in actions.sorted(by: { $0.key < $1.key }) {
                guard let action = FareBook.Action(rawValue: actionName) else {
                    problems.append("changeRules.\(causeName): unknown action \(actionName) (refund or exchange)")
                    continue
                }
                for rule in list {
                    if !(0...100).contains(rule.feePercent) {
                        problems.append("changeRules.\(causeName).\(actionName): feePercent 0 to 100")
                    }
                    rules.append(.init(cause: cause, action: action, fromHoursBefore: rule.fromHoursBefore,
                                       feePercent: rule.feePercent))
                }
                if Self.duplicates(list.map { $0.fromHoursBefore.map(String.init) ?? "any" }).first != nil {
                    problems.append("changeRules.\(causeName).\(actionName): two rules start at the same hour")
                }
            }
        }
        guard problems.isEmpty else { throw FareDataError(problems: problems) }
        return FareBook(
            source: String(source.prefix(200)), currency: currency, roundingStep: roundingStep,
            minimumFare: minimumFare,
            classes: classes.map { .init(code: $0.code, name: $0.name, perKm: $0.perKm) },
            passengerTypes: passengerTypes.map {
                .init(code: $0.code, name: $0.name, minAge: $0.minAge, maxAge: $0.maxAge, farePercent: $0.farePercent,
                      needsSeat: $0.needsSeat, onLapOf: $0.onLapOf)
            },
            changeRules: rules)
    }

    static func duplicates(_ values: [String]) -> [String] {
        Dictionary(grouping: values, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
    }
}

public struct FareDataError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String {
        "the fare book has \(problems.count) problem(s):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
