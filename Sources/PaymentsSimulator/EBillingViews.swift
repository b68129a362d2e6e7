import Foundation

/// A bill as the merchant API shows it (`{"e_bill": ...}`). Dates are UTC ISO 8601; absent values are left out.
/// `/_sim/bills` adds `outcome`, `pending_push` and `callbacks`.
public struct BillView: Encodable, Sendable {
    public var billID: String
    public var state: BillState
    public var amount: Int
    public var currency = "XAF"
    public var payerMsisdn: String
    public var payerEmail: String?
    public var payerName: String?
    public var shortDescription: String
    public var externalReference: String
    public var expiryPeriod: Int
    public var paymentURL: String
    public var returnURL: String?
    public var paymentSystemName: PaymentSystem?
    public var transactionID: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var expiresAt: Date
    public var paidAt: Date?
    public var outcome: Outcome?
    public var pendingPush: String?
    public var callbacks: [DeliveryAttempt]?

    enum CodingKeys: String, CodingKey {
        case billID = "bill_id", state, amount, currency, payerMsisdn = "payer_msisdn", payerEmail = "payer_email"
        case payerName = "payer_name", shortDescription = "short_description"
        case externalReference = "external_reference", expiryPeriod = "expiry_period", paymentURL = "payment_url"
        case returnURL = "return_url", paymentSystemName = "payment_system_name", transactionID = "transaction_id"
        case createdAt = "created_at", updatedAt = "updated_at", expiresAt = "expires_at", paidAt = "paid_at"
        case outcome, pendingPush = "pending_push", callbacks
    }

    init(_ bill: Bill, baseURL: String, debug: Bool) {
        billID = bill.id
        state = bill.state
        amount = bill.amount
        payerMsisdn = bill.payerMsisdn
        payerEmail = bill.payerEmail
        payerName = bill.payerName
        shortDescription = bill.shortDescription
        externalReference = bill.externalReference
        expiryPeriod = bill.expiryPeriod
        paymentURL = baseURL + "/pay/" + bill.id
        returnURL = bill.returnURL
        paymentSystemName = bill.paymentSystem
        transactionID = bill.transactionID
        createdAt = bill.createdAt
        updatedAt = bill.updatedAt
        expiresAt = bill.expiresAt
        paidAt = bill.paidAt
        if debug {
            outcome = bill.outcome
            pendingPush = bill.pendingPush
            callbacks = bill.callbacks
        }
    }
}

/// `{"e_bill": {...}}`.
struct BillEnvelope: Encodable, Sendable {
    var eBill: BillView
    enum CodingKeys: String, CodingKey { case eBill = "e_bill" }
}

/// A payout as the merchant API shows it. `/_sim/disbursements` adds `outcome` and `callbacks`.
public struct DisbursementView: Encodable, Sendable {
    public var disbursementID: String
    public var state: DisbursementState
    public var amount: Int
    public var currency = "XAF"
    public var payeeMsisdn: String
    public var externalReference: String
    public var paymentSystemName: PaymentSystem
    public var transactionID: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var processedAt: Date?
    public var outcome: Outcome?
    public var callbacks: [DeliveryAttempt]?

    enum CodingKeys: String, CodingKey {
        case disbursementID = "disbursement_id", state, amount, currency, payeeMsisdn = "payee_msisdn"
        case externalReference = "external_reference", paymentSystemName = "payment_system_name"
        case transactionID = "transaction_id", createdAt = "created_at", updatedAt = "updated_at"
        case processedAt = "processed_at", outcome, callbacks
    }

    init(_ payout: Disbursement, debug: Bool) {
        disbursementID = payout.id
        state = payout.state
        amount = payout.amount
        payeeMsisdn = payout.payeeMsisdn
        externalReference = payout.externalReference
        paymentSystemName = payout.paymentSystem
        transactionID = payout.transactionID
        createdAt = payout.createdAt
        updatedAt = payout.updatedAt
        processedAt = payout.processedAt
        if debug {
            outcome = payout.outcome
            callbacks = payout.callbacks
        }
    }
}

/// A scenario as `/_sim/scenarios` shows it: the number (`default` for every other number) and effective delays.
public struct ScenarioView: Encodable, Sendable {
    public var msisdn: String
    public var outcome: Outcome
    public var confirmAfterMS: Int
    public var callbackAfterMS: Int
    public var repeatAfterMS: Int
    public var expireAfterMS: Int?

    enum CodingKeys: String, CodingKey {
        case msisdn, outcome, confirmAfterMS = "confirm_after_ms", callbackAfterMS = "callback_after_ms"
        case repeatAfterMS = "repeat_after_ms", expireAfterMS = "expire_after_ms"
    }

    init(msisdn: String, _ scenario: Scenario) {
        self.msisdn = msisdn
        outcome = scenario.outcome
        confirmAfterMS = scenario.confirmAfterMS
        callbackAfterMS = scenario.callbackAfterMS
        repeatAfterMS = scenario.repeatAfterMS
        expireAfterMS = scenario.expireAfterMS
    }
}

/// The callback bodies: fixed keys, `null` where a value does not apply, dates in UTC ISO 8601.
enum CallbackBody {
    static func bill(_ bill: Bill) -> [UInt8] {
        encode([
            "bill_id": bill.id,
            "external_reference": bill.externalReference,
            "state": bill.state.rawValue,
            "amount": bill.amount,
            "transaction_id": bill.transactionID ?? NSNull(),
            "payment_system_name": bill.paymentSystem?.rawValue ?? NSNull(),
            "paid_at": bill.paidAt.map(iso8601) ?? NSNull(),
        ])
    }

    static func disbursement(_ payout: Disbursement) -> [UInt8] {
        encode([
            "disbursement_id": payout.id,
            "external_reference": payout.externalReference,
            "state": payout.state.rawValue,
            "amount": payout.amount,
            "payee_msisdn": payout.payeeMsisdn,
            "transaction_id": payout.transactionID ?? NSNull(),
            "payment_system_name": payout.paymentSystem.rawValue,
            "processed_at": payout.processedAt.map(iso8601) ?? NSNull(),
        ])
    }

    static func iso8601(_ date: Date) -> String { date.formatted(.iso8601) }

    static func encode(_ object: [String: Any]) -> [UInt8] {
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8]((try? JSONSerialization.data(withJSONObject: object, options: options)) ?? Data("{}".utf8))
    }
}
