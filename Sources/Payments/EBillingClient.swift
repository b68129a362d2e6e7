import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Mobile-money wallets E-Billing pushes to, and the wallet of a Gabonese mobile number.
public enum Wallet: String, Sendable, Codable, CaseIterable {
    case airtelMoney = "airtelmoney"
    case moovMoney = "moovmoney4"

    /// The wallet of an E.164 Gabonese mobile number (`+241` and 8 digits): Airtel 74/77, Moov 62/65/66.
    public init?(e164 number: String) {
        guard let national = Wallet.national(e164: number) else { return nil }
        switch national.prefix(3) {
        case "074", "077": self = .airtelMoney
        case "062", "065", "066": self = .moovMoney
        default: return nil
        }
    }

    /// `+24174123456` → `074123456`, the form E-Billing takes.
    public static func national(e164 number: String) -> String? {
        guard number.hasPrefix("+241") else { return nil }
        let digits = number.dropFirst(4)
        guard digits.count == 8, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return "0" + digits
    }
}

/// What the aggregator says about a bill.
public struct EBill: Sendable, Equatable, Decodable {
    public enum State: String, Sendable, Decodable {
        case created, ready, paid, processed, expired, cancelled

        /// Paid (E-Billing says `paid` or `processed`).
        public var isPaid: Bool { self == .paid || self == .processed }
        /// Closed without payment.
        public var isFailed: Bool { self == .expired || self == .cancelled }
    }

    public var billID: String
    public var state: State
    public var amount: Int
    public var externalReference: String
    public var paymentURL: String?
    public var paymentSystemName: String?
    public var transactionID: String?

    enum CodingKeys: String, CodingKey {
        case billID = "bill_id", state, amount, externalReference = "external_reference", paymentURL = "payment_url"
        case paymentSystemName = "payment_system_name", transactionID = "transaction_id"
    }
}

/// A payout to a wallet (a refund).
public struct EDisbursement: Sendable, Equatable, Decodable {
    public enum State: String, Sendable, Decodable { case processing, succeeded, failed }
    public var disbursementID: String
    public var state: State
    public var amount: Int
    public var externalReference: String

    enum CodingKeys: String, CodingKey {
        case disbursementID = "disbursement_id", state, amount, externalReference = "external_reference"
    }
}

/// Why a call to the aggregator did not give an answer to act on.
public enum EBillingCallError: Error, Equatable {
    /// The aggregator refused the request (4xx): it did nothing. `status` and its error text, for the log.
    case refused(status: Int, detail: String)
    /// No connection: the request never reached it.
    case unreachable
    /// Sent, but no answer in time or a broken one: it may or may not have acted. Never a failure: reconcile.
    case outcomeUnknown
}

/// The adapter for E-Billing's merchant API (HTTP Basic auth, JSON). Amounts are integer XAF.
public struct EBillingClient: Sendable {
    public let baseURL: String
    let authorization: String
    let http: HTTPClient
    let timeout: TimeAmount

    public init(baseURL: String, username: String, sharedKey: String, http: HTTPClient,
                timeout: TimeAmount = .seconds(15)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.authorization = "Basic " + Data("\(username):\(sharedKey)".utf8).base64EncodedString()
        self.http = http
        self.timeout = timeout
    }

    public struct NewBill: Sendable, Encodable {
        public var payerMSISDN: String
        public var amount: Int
        public var shortDescription: String
        public var externalReference: String
        public var expiryMinutes: Int
        public var payerEmail: String?
        public var returnURL: String?

        public init(payerMSISDN: String, amount: Int, shortDescription: String, externalReference: String,
                    expiryMinutes: Int, payerEmail: String? = nil, returnURL: String? = nil) {
            self.payerMSISDN = payerMSISDN
            self.amount = amount
            self.shortDescription = shortDescription
            self.externalReference = externalReference
            self.expiryMinutes = expiryMinutes
            self.payerEmail = payerEmail
            self.returnURL = returnURL
        }

        enum CodingKeys: String, CodingKey {
            case payerMSISDN = "payer_msisdn", amount, shortDescription = "short_description"
            case externalReference = "external_reference", expiryMinutes = "expiry_period"
            case payerEmail = "payer_email", returnURL = "return_url", currency
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(payerMSISDN, forKey: .payerMSISDN)
            try container.encode(amount, forKey: .amount)
            try container.encode(shortDescription, forKey: .shortDescription)
            try container.encode(externalReference, forKey: .externalReference)
            try container.encode(expiryMinutes, forKey: .expiryMinutes)
            try container.encode("XAF", forKey: .currency)
            try container.encodeIfPresent(payerEmail, forKey: .payerEmail)
            try container.encodeIfPresent(returnURL, forKey: .returnURL)
        }
    }

    struct BillEnvelope: Decodable { let e_bill: EBill }

    /// Creates a bill; the payer then pays it on the hosted page (`paymentURL`) or on a USSD push.
    public func createBill(_ bill: NewBill) async throws(EBillingCallError) -> EBill {
        try await call(.POST, "/api/v1/merchant/e_bills", body: bill, expect: BillEnvelope.self).e_bill
    }

    public func bill(id: String) async throws(EBillingCallError) -> EBill {
        try await call(.GET, "/api/v1/merchant/e_bills/\(try Self.pathComponent(id))", body: nil as String?,
                       expect: BillEnvelope.self).e_bill
    }

    struct Push: Encodable {
        let payment_system_name: String
        let payer_msisdn: String
    }

    struct Accepted: Decodable {}

    /// Asks the payer's phone for the PIN (USSD push). The outcome arrives by callback, or by `bill(id:)`.
    public func pushUSSD(billID: String, wallet: Wallet, payerMSISDN: String) async throws(EBillingCallError) {
        _ = try await call(.POST, "/api/v1/merchant/e_bills/\(try Self.pathComponent(billID))/ussd_push",
                           body: Push(payment_system_name: wallet.rawValue, payer_msisdn: payerMSISDN),
                           expect: Accepted.self)
    }

    struct NewDisbursement: Encodable {
        let payee_msisdn: String
        let amount: Int
        let external_reference: String
        let payment_system_name: String
    }

    /// Pays `amount` back to a wallet. The same reference with the same details is answered with the same payout,
    /// so a retry after an unknown outcome is safe.
    public func disburse(to payeeMSISDN: String, wallet: Wallet, amount: Int, reference: String)
        async throws(EBillingCallError) -> EDisbursement
    {
        try await call(.POST, "/api/v1/merchant/disbursements",
                       body: NewDisbursement(payee_msisdn: payeeMSISDN, amount: amount, external_reference: reference,
                                             payment_system_name: wallet.rawValue),
                       expect: EDisbursement.self)
    }

    public func disbursement(id: String) async throws(EBillingCallError) -> EDisbursement {
        try await call(.GET, "/api/v1/merchant/disbursements/\(try Self.pathComponent(id))", body: nil as String?,
                       expect: EDisbursement.self)
    }

    /// Ids go into paths: only letters and digits.
    static func pathComponent(_ id: String) throws(EBillingCallError) -> String {
        guard !id.isEmpty, id.count <= 64, id.unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic
            || ("0"..."9").contains($0) }) else { throw .refused(status: 0, detail: "not an E-Billing id: \(id)") }
        return id
    }

    func call<Body: Encodable, Answer: Decodable>(
        _ method: HTTPMethod, _ path: String, body: Body?, expect: Answer.Type
    ) async throws(EBillingCallError) -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            guard let data = try? JSONEncoder().encode(body) else { throw .refused(status: 0, detail: "unencodable") }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: 1 << 20)
        } catch let error as HTTPClientError where Self.neverSent(error) {
            throw .unreachable
        } catch {
            if Self.connectionRefused(error) { throw .unreachable }
            throw .outcomeUnknown
        }
        switch response.status.code {
        case 200..<300:
            guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(bytes.readableBytesView)) else {
                throw .outcomeUnknown
            }
            return answer
        case 400..<500:
            throw .refused(status: Int(response.status.code), detail: String(buffer: bytes).prefix(500).description)
        default:
            // A 5xx may come after the aggregator acted: only a status query can tell.
            throw .outcomeUnknown
        }
    }

    static func neverSent(_ error: HTTPClientError) -> Bool {
        error == .connectTimeout || error == .getConnectionFromPoolTimeout || error == .alreadyShutdown
    }

    /// Refused before anything was sent (nobody listens): the request certainly did nothing.
    static func connectionRefused(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return true }
        return false
    }
}
