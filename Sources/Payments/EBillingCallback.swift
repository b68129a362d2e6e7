import Crypto
import Foundation

/// A callback from E-Billing, checked: `X-Ebilling-Signature: sha256=<hex>` is the HMAC-SHA256, keyed with the
/// callback secret, of `<X-Ebilling-Timestamp>.<the exact body bytes>`, and the timestamp is recent (a captured
/// callback cannot be replayed later).
public enum EBillingCallback: Sendable, Equatable {
    case bill(billID: String, reference: String, state: EBill.State, amount: Int, transactionID: String?)
    case disbursement(id: String, reference: String, state: EDisbursement.State, amount: Int)

    public enum Rejection: Error, Equatable {
        case missingSignature
        case badSignature
        case stale
        case malformed
    }

    /// How far a callback's timestamp may be from now, either way.
    public static let tolerance: TimeInterval = 300

    public static func verify(body: [UInt8], timestamp: String?, signature: String?, secret: String, now: Date)
        throws(Rejection) -> EBillingCallback
    {
        guard let timestamp, let signature, signature.hasPrefix("sha256=") else { throw .missingSignature }
        guard let seconds = Int(timestamp), timestamp.count <= 12 else { throw .malformed }
        var signed = Array(timestamp.utf8)
        signed.append(UInt8(ascii: "."))
        signed += body
        guard let given = hexBytes(signature.dropFirst("sha256=".count)),
              given.count == SHA256.byteCount,
              HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: signed,
                                                     using: SymmetricKey(data: Data(secret.utf8))) else {
            throw .badSignature
        }
        guard abs(now.timeIntervalSince1970 - TimeInterval(seconds)) <= tolerance else { throw .stale }
        return try parse(body)
    }

    struct Wire: Decodable {
        let bill_id: String?
        let disbursement_id: String?
        let external_reference: String
        let state: String
        let amount: Int
        let transaction_id: String?
    }

    static func parse(_ body: [UInt8]) throws(Rejection) -> EBillingCallback {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(body)) else { throw .malformed }
        if let id = wire.bill_id, let state = EBill.State(rawValue: wire.state) {
            return .bill(billID: id, reference: wire.external_reference, state: state, amount: wire.amount,
                         transactionID: wire.transaction_id)
        }
        if let id = wire.disbursement_id, let state = EDisbursement.State(rawValue: wire.state) {
            return .disbursement(id: id, reference: wire.external_reference, state: state, amount: wire.amount)
        }
        throw .malformed
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
