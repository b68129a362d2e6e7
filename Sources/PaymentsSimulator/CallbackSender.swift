import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore

/// Signs callback bodies: `X-Ebilling-Signature: sha256=<hex>` where hex is HMAC-SHA256, keyed with the callback
/// secret, of the ASCII bytes `<timestamp>.` followed by the exact body bytes, and `<timestamp>` is the value of
/// `X-Ebilling-Timestamp` (unix seconds). Binding the time into the MAC lets a receiver refuse replays: it
/// recomputes the MAC and rejects a timestamp outside its tolerance (say 5 minutes).
public struct CallbackSigner: Sendable {
    public static let signatureHeader = "X-Ebilling-Signature"
    public static let timestampHeader = "X-Ebilling-Timestamp"

    static let hexDigits = Array("0123456789abcdef".utf8)
    let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey(data: Data(secret.utf8))
    }

    /// The header value, `sha256=<64 lowercase hex digits>`.
    public func signature(timestamp: Int, body: some Collection<UInt8>) -> String {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Array("\(timestamp).".utf8))
        mac.update(data: Array(body))
        var hex: [UInt8] = []
        for byte in mac.finalize() {
            hex.append(Self.hexDigits[Int(byte >> 4)])
            hex.append(Self.hexDigits[Int(byte & 0x0F)])
        }
        return "sha256=" + String(decoding: hex, as: UTF8.self)
    }
}

/// Delivers signed callbacks to the merchant's URL, retrying a non-2xx answer or a failed connection after each
/// of `retryDelays`. Every attempt is signed afresh with the time it is sent.
struct CallbackSender: Sendable {
    let url: String
    let signer: CallbackSigner
    let client: HTTPClient
    let retryDelays: [Duration]
    let timeout: TimeAmount
    let logger: Logger

    /// Sends `body` until the receiver answers 2xx or the retries run out; reports each attempt to `record`.
    /// Returns whether the callback was accepted.
    @discardableResult
    func deliver(_ body: [UInt8], record: @Sendable (_ attempt: Int, _ status: Int?, _ error: String?) async -> Void)
        async -> Bool
    {
        for attempt in 1...(retryDelays.count + 1) {
            if attempt > 1 {
                try? await Task.sleep(for: retryDelays[attempt - 2])
            }
            if Task.isCancelled { return false }
            let timestamp = Int(Date().timeIntervalSince1970)
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: CallbackSigner.timestampHeader, value: String(timestamp))
            request.headers.add(name: CallbackSigner.signatureHeader,
                                value: signer.signature(timestamp: timestamp, body: body))
            request.headers.add(name: "User-Agent", value: "setrag-ebilling-simulator")
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await client.execute(request, timeout: timeout)
                _ = try? await response.body.collect(upTo: 64 << 10)
                let status = Int(response.status.code)
                await record(attempt, status, nil)
                if (200..<300).contains(status) { return true }
                logger.notice("callback refused", metadata: ["status": "\(status)", "attempt": "\(attempt)"])
            } catch {
                await record(attempt, nil, String(describing: error))
                logger.notice("callback failed", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
            }
        }
        logger.warning("callback given up", metadata: ["url": "\(url)"])
        return false
    }
}
