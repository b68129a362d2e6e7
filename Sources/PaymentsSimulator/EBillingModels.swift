import Foundation

/// A bill's state as the simulator reports it. E-Billing also says `processed` for a paid bill; the simulator only
/// says `paid`.
public enum BillState: String, Codable, Sendable {
    case ready, paid, expired, cancelled
}

/// A payout's state.
public enum DisbursementState: String, Codable, Sendable {
    case processing, succeeded, failed
}

/// How a payer pays. A USSD push takes the two wallets only; the hosted page also offers `card`.
public enum PaymentSystem: String, Codable, Sendable, CaseIterable {
    case airtelmoney, moovmoney4, card

    static let wallets: [PaymentSystem] = [.airtelmoney, .moovmoney4]

    /// The prefix of the operator's transaction ids (Airtel Money, Moov Money, card).
    var transactionPrefix: String {
        switch self {
        case .airtelmoney: "AM"
        case .moovmoney4: "MM"
        case .card: "CB"
        }
    }
}

/// A Gabonese mobile number as E-Billing takes it: national `0` + 8 digits (`074123456`) or `241` + 8 digits
/// (`24174123456`). Only mobile prefixes are accepted: Airtel 074/077, Moov 062/065/066.
public struct GabonMobileNumber: Sendable, Hashable {
    /// The 8 digits after the `0` or `241`: the same payer whichever form was sent.
    public let subscriber: String

    public init?(_ text: String) {
        let digits: Substring
        if text.count == 9, text.hasPrefix("0") {
            digits = text.dropFirst()
        } else if text.count == 11, text.hasPrefix("241") {
            digits = text.dropFirst(3)
        } else {
            return nil
        }
        guard digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        guard ["62", "65", "66", "74", "77"].contains(String(digits.prefix(2))) else { return nil }
        subscriber = String(digits)
    }

    /// The wallet this number's operator runs.
    public var wallet: PaymentSystem { subscriber.hasPrefix("7") ? .airtelmoney : .moovmoney4 }
    /// The national form, `074123456`.
    public var national: String { "0" + subscriber }
}

/// What the simulated payer (or payee's operator) does, chosen per phone number by the tests.
public enum Outcome: String, Codable, Sendable, CaseIterable {
    /// The payer confirms with a PIN after `confirm_after_ms`; one callback.
    case success
    /// The payer refuses: the bill is `cancelled` (a payout `failed`); one failure callback.
    case decline
    /// Like success, but the payer answers late (default 1 s): status queries say `ready` until then.
    case timeoutThenSuccess = "timeout_then_success"
    /// The payer never answers: after `confirm_after_ms` (default 1 s) the bill is `expired` (a payout `failed`).
    case timeoutThenFailure = "timeout_then_failure"
    /// Success, whose callback is sent twice at once and a third time `repeat_after_ms` later.
    case duplicateCallback = "duplicate_callback"
    /// Success at once (status queries say `paid`), but the callback only after `callback_after_ms` (default 1 s).
    case lateCallback = "late_callback"
    /// The payer confirms (as success), but the aggregator's answer to the push is lost (a 502 from its front end)
    /// and it never calls back: only a status query tells that the bill was paid.
    case lostAnswer = "lost_answer"

    var succeeds: Bool { self != .decline && self != .timeoutThenFailure }
}

/// An outcome and its delays, in milliseconds. Unset delays take the outcome's defaults.
public struct Scenario: Sendable, Equatable {
    public var outcome: Outcome
    public var confirmAfterMS: Int
    public var callbackAfterMS: Int
    public var repeatAfterMS: Int
    /// Bills created for this payer expire after this long instead of their `expiry_period`.
    public var expireAfterMS: Int?

    public init(outcome: Outcome, confirmAfterMS: Int? = nil, callbackAfterMS: Int? = nil, repeatAfterMS: Int? = nil,
                expireAfterMS: Int? = nil) {
        self.outcome = outcome
        let slow = [Outcome.timeoutThenSuccess, .timeoutThenFailure].contains(outcome)
        self.confirmAfterMS = confirmAfterMS ?? (slow ? 1000 : 300)
        self.callbackAfterMS = callbackAfterMS ?? (outcome == .lateCallback ? 1000 : 0)
        self.repeatAfterMS = repeatAfterMS ?? 300
        self.expireAfterMS = expireAfterMS
    }

    public static let standard = Scenario(outcome: .success)

    var confirmAfter: Duration { .milliseconds(confirmAfterMS) }
    var callbackAfter: Duration { .milliseconds(callbackAfterMS) }
    var repeatAfter: Duration { .milliseconds(repeatAfterMS) }
}

/// One attempt to deliver a callback, kept for `/_sim` listings.
public struct DeliveryAttempt: Sendable, Encodable {
    /// Which copy of the callback (duplicates count from 1).
    public var copy: Int
    public var attempt: Int
    public var at: Date
    /// The receiver's status, or nil when the connection failed.
    public var status: Int?
    public var error: String?
}

/// A bill as the simulator holds it.
struct Bill: Sendable {
    var id: String
    var payerMsisdn: String
    var payer: GabonMobileNumber
    var payerEmail: String?
    var payerName: String?
    var amount: Int
    var shortDescription: String
    var externalReference: String
    var expiryPeriod: Int
    var returnURL: String?
    var createdAt: Date
    var updatedAt: Date
    var expiresAt: Date
    var state: BillState = .ready
    var paymentSystem: PaymentSystem?
    var transactionID: String?
    var paidAt: Date?
    /// The number a USSD push is waiting on, while it waits.
    var pendingPush: String?
    var outcome: Outcome?
    var callbacks: [DeliveryAttempt] = []
}

/// A payout as the simulator holds it.
struct Disbursement: Sendable {
    var id: String
    var payeeMsisdn: String
    var payee: GabonMobileNumber
    var amount: Int
    var externalReference: String
    var paymentSystem: PaymentSystem
    var createdAt: Date
    var updatedAt: Date
    var state: DisbursementState = .processing
    var transactionID: String?
    var processedAt: Date?
    var outcome: Outcome
    var callbacks: [DeliveryAttempt] = []
}
