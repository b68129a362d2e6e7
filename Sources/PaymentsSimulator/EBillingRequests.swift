import Foundation
import SetragKernel

// The merchant's request bodies and their checks. Each check collects every problem of a body, so one answer names
// all wrong fields. Plain types: they need neither HTTP nor the simulator to test.

/// `POST /api/v1/merchant/e_bills`.
struct CreateBillBody: JSONRequestBody {
    static let fields: Set<String> = [
        "payer_msisdn", "payer_email", "payer_name", "amount", "short_description", "external_reference",
        "expiry_period", "currency", "return_url",
    ]
    var payerMsisdn: String?
    var payerEmail: String?
    var payerName: String?
    var amount: Int?
    var shortDescription: String?
    var externalReference: String?
    var expiryPeriod: Int?
    var currency: String?
    var returnURL: String?

    enum CodingKeys: String, CodingKey {
        case payerMsisdn = "payer_msisdn", payerEmail = "payer_email", payerName = "payer_name", amount
        case shortDescription = "short_description", externalReference = "external_reference"
        case expiryPeriod = "expiry_period", currency, returnURL = "return_url"
    }

    /// The bill to create, or a 422 naming every wrong field.
    func validated(maximumAmount: Int) throws -> NewBill {
        var errors = FieldErrors()
        let payer = errors.msisdn("payer_msisdn", payerMsisdn)
        let amount = errors.amount("amount", amount, maximum: maximumAmount)
        let description = errors.text("short_description", shortDescription, maxLength: 255)
        let reference = errors.reference("external_reference", externalReference)
        var expiry = 0
        if let expiryPeriod {
            if (1...43_200).contains(expiryPeriod) {
                expiry = expiryPeriod
            } else {
                errors.add("expiry_period", "out-of-range", "Minutes, from 1 to 43200 (30 days)")
            }
        } else {
            errors.add("expiry_period", "required")
        }
        if let currency {
            if currency != "XAF" { errors.add("currency", "unsupported-currency", "Only XAF") }
        } else {
            errors.add("currency", "required")
        }
        if let payerEmail, !Self.plausibleEmail(payerEmail) {
            errors.add("payer_email", "invalid-email")
        }
        if let payerName, payerName.count > 100 || payerName.contains(where: \.isControl) {
            errors.add("payer_name", "invalid", "At most 100 characters, no control characters")
        }
        if let returnURL, !EBillingConfiguration.isWebURL(returnURL) {
            errors.add("return_url", "invalid-url", "An absolute http or https URL")
        }
        try errors.throwIfAny()
        return NewBill(payerMsisdn: payerMsisdn!, payer: payer!, payerEmail: payerEmail, payerName: payerName,
                       amount: amount, shortDescription: description, externalReference: reference,
                       expiryPeriod: expiry, returnURL: returnURL)
    }

    static func plausibleEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !text.contains(where: { $0.isWhitespace || $0.isControl }) else { return false }
        return true
    }
}

/// A checked bill, ready to be created.
struct NewBill: Sendable {
    var payerMsisdn: String
    var payer: GabonMobileNumber
    var payerEmail: String?
    var payerName: String?
    var amount: Int
    var shortDescription: String
    var externalReference: String
    var expiryPeriod: Int
    var returnURL: String?
}

/// `POST /api/v1/merchant/e_bills/{bill_id}/ussd_push`.
struct PushBody: JSONRequestBody {
    static let fields: Set<String> = ["payment_system_name", "payer_msisdn"]
    var paymentSystemName: String?
    var payerMsisdn: String?

    enum CodingKeys: String, CodingKey {
        case paymentSystemName = "payment_system_name", payerMsisdn = "payer_msisdn"
    }

    func validated() throws -> (PaymentSystem, GabonMobileNumber, String) {
        var errors = FieldErrors()
        let payer = errors.msisdn("payer_msisdn", payerMsisdn)
        let system = errors.wallet("payment_system_name", paymentSystemName, for: payer)
        try errors.throwIfAny()
        return (system!, payer!, payerMsisdn!)
    }
}

/// `POST /api/v1/merchant/disbursements`.
struct CreateDisbursementBody: JSONRequestBody {
    static let fields: Set<String> = ["payee_msisdn", "amount", "external_reference", "payment_system_name"]
    var payeeMsisdn: String?
    var amount: Int?
    var externalReference: String?
    var paymentSystemName: String?

    enum CodingKeys: String, CodingKey {
        case payeeMsisdn = "payee_msisdn", amount, externalReference = "external_reference"
        case paymentSystemName = "payment_system_name"
    }

    func validated(maximumAmount: Int) throws -> NewDisbursement {
        var errors = FieldErrors()
        let payee = errors.msisdn("payee_msisdn", payeeMsisdn)
        let amount = errors.amount("amount", amount, maximum: maximumAmount)
        let reference = errors.reference("external_reference", externalReference)
        let system = errors.wallet("payment_system_name", paymentSystemName, for: payee)
        try errors.throwIfAny()
        return NewDisbursement(payeeMsisdn: payeeMsisdn!, payee: payee!, amount: amount, externalReference: reference,
                               paymentSystem: system!)
    }
}

struct NewDisbursement: Sendable {
    var payeeMsisdn: String
    var payee: GabonMobileNumber
    var amount: Int
    var externalReference: String
    var paymentSystem: PaymentSystem
}

/// `PUT /_sim/scenarios/{msisdn}`.
struct ScenarioBody: JSONRequestBody {
    static let fields: Set<String> = ["outcome", "confirm_after_ms", "callback_after_ms", "repeat_after_ms",
                                      "expire_after_ms"]
    var outcome: String?
    var confirmAfterMS: Int?
    var callbackAfterMS: Int?
    var repeatAfterMS: Int?
    var expireAfterMS: Int?

    enum CodingKeys: String, CodingKey {
        case outcome, confirmAfterMS = "confirm_after_ms", callbackAfterMS = "callback_after_ms"
        case repeatAfterMS = "repeat_after_ms", expireAfterMS = "expire_after_ms"
    }

    func validated() throws -> Scenario {
        var errors = FieldErrors()
        let outcome = self.outcome.flatMap(Outcome.init(rawValue:))
        if self.outcome == nil {
            errors.add("outcome", "required")
        } else if outcome == nil {
            errors.add("outcome", "unknown-outcome", Outcome.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let delays: [(String, Int?, ClosedRange<Int>)] = [
            ("confirm_after_ms", confirmAfterMS, 0...600_000), ("callback_after_ms", callbackAfterMS, 0...600_000),
            ("repeat_after_ms", repeatAfterMS, 0...600_000), ("expire_after_ms", expireAfterMS, 1...86_400_000),
        ]
        for (field, value, range) in delays {
            if let value, !range.contains(value) {
                errors.add(field, "out-of-range", "Milliseconds, from \(range.lowerBound) to \(range.upperBound)")
            }
        }
        try errors.throwIfAny()
        return Scenario(outcome: outcome!, confirmAfterMS: confirmAfterMS, callbackAfterMS: callbackAfterMS,
                        repeatAfterMS: repeatAfterMS, expireAfterMS: expireAfterMS)
    }
}

/// Collects field problems, then throws them all as one 422.
struct FieldErrors {
    private(set) var errors: [Problem.FieldError] = []

    mutating func add(_ field: String, _ code: String, _ message: String? = nil) {
        errors.append(.init(field: field, code: code, message: message))
    }

    func throwIfAny() throws {
        if !errors.isEmpty { throw ProblemError.validation(errors) }
    }

    mutating func msisdn(_ field: String, _ value: String?) -> GabonMobileNumber? {
        guard let value else {
            add(field, "required")
            return nil
        }
        guard let number = GabonMobileNumber(value) else {
            add(field, "invalid-msisdn", "A Gabonese mobile number: 0 + 8 digits (074123456) or 241 + 8 digits; "
                + "Airtel 074/077, Moov 062/065/066")
            return nil
        }
        return number
    }

    mutating func amount(_ field: String, _ value: Int?, maximum: Int) -> Int {
        guard let value else {
            add(field, "required")
            return 0
        }
        if value <= 0 { add(field, "not-positive", "Whole XAF, more than 0") }
        if value > maximum { add(field, "too-large", "At most \(maximum) XAF") }
        return value
    }

    mutating func text(_ field: String, _ value: String?, maxLength: Int) -> String {
        guard let value else {
            add(field, "required")
            return ""
        }
        if value.trimmingCharacters(in: .whitespaces).isEmpty {
            add(field, "blank")
        } else if value.count > maxLength || value.contains(where: \.isControl) {
            add(field, "invalid", "At most \(maxLength) characters, no control characters")
        }
        return value
    }

    /// A merchant reference: 1 to 100 printable ASCII characters, no spaces.
    mutating func reference(_ field: String, _ value: String?) -> String {
        guard let value else {
            add(field, "required")
            return ""
        }
        if value.isEmpty || value.utf8.count > 100 || !value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            add(field, "invalid", "1 to 100 printable ASCII characters without spaces")
        }
        return value
    }

    /// A wallet that can reach `number` (Airtel numbers pay with airtelmoney, Moov numbers with moovmoney4).
    mutating func wallet(_ field: String, _ value: String?, for number: GabonMobileNumber?) -> PaymentSystem? {
        guard let value else {
            add(field, "required")
            return nil
        }
        guard let system = PaymentSystem(rawValue: value), PaymentSystem.wallets.contains(system) else {
            add(field, "unknown-payment-system", "airtelmoney or moovmoney4")
            return nil
        }
        if let number, number.wallet != system {
            add(field, "wrong-operator", "\(number.national) is not a \(system.rawValue) number")
            return nil
        }
        return system
    }
}

extension Character {
    var isControl: Bool { unicodeScalars.contains { $0.properties.generalCategory == .control } }
}
