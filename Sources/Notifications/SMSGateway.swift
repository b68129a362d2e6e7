import AsyncHTTPClient
import Foundation
import NIOCore

/// Why a message did not go.
public enum SMSSendError: Error, Equatable {
    /// The gateway refused it (4xx): sending it again would not help. Its status and error text, for the log.
    case refused(status: Int, detail: String)
    /// It could not be handed over (no connection, the gateway down or slow): try again later. The reference makes a
    /// repeat send once.
    case retry(String)
}

/// The adapter for the SMS gateway's HTTP API (`Authorization: Bearer <key>`, JSON): see `SMSServer` (the simulator)
/// for the wire format.
public struct SMSGateway: Sendable {
    public struct Accepted: Sendable, Equatable, Decodable {
        public let id: String
        public let segments: Int
    }

    struct Body: Encodable {
        let from: String
        let to: String
        let text: String
        let reference: String
    }

    public let baseURL: String
    let authorization: String
    let sender: String
    let http: HTTPClient
    let timeout: TimeAmount

    public init(baseURL: String, apiKey: String, sender: String, http: HTTPClient, timeout: TimeAmount = .seconds(10)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        authorization = "Bearer " + apiKey
        self.sender = sender
        self.http = http
        self.timeout = timeout
    }

    /// Sends `text` to `to` (E.164) under `reference` (one message however often it is sent).
    public func send(to: String, text: String, reference: String) async throws(SMSSendError) -> Accepted {
        var request = HTTPClientRequest(url: "\(baseURL)/v1/messages")
        request.method = .POST
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Content-Type", value: "application/json")
        guard let body = try? JSONEncoder().encode(Body(from: sender, to: to, text: text, reference: reference)) else {
            throw .refused(status: 0, detail: "the message cannot be encoded")
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: UInt
        let answer: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = response.status.code
            answer = try await response.body.collect(upTo: 64 << 10)
        } catch {
            throw .retry("\(error)")
        }
        let text = String(buffer: answer)
        switch status {
        case 200, 201:
            guard let accepted = try? JSONDecoder().decode(Accepted.self, from: Data(answer.readableBytesView)) else {
                throw .retry("an unreadable answer: \(text.prefix(200))")
            }
            return accepted
        case 408, 429, 500...599:
            throw .retry("HTTP \(status): \(text.prefix(200))")
        default:
            throw .refused(status: Int(status), detail: String(text.prefix(200)))
        }
    }
}
