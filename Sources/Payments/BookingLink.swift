import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SetragKernel

/// What payments reads of a booking (booking's answer, the fields payments needs).
public struct BookingView: Decodable, Sendable, Equatable {
    public var pnr: String
    public var status: String
    public var total: Int
    public var currency: String
    public var refundAmount: Int?
    /// What a payment must bring (an exchange's difference); absent: the total.
    public var amountDue: Int?

    public var payable: Int { amountDue ?? total }
}

/// Booking, over HTTP only: its public read (with the caller's own token, so that booking checks the caller's
/// right to the PNR) and its internal "paid" step.
public protocol BookingLink: Sendable {
    func booking(pnr: String, authorization: String) async throws -> BookingView
    func paid(pnr: String) async throws -> BookingView
    /// A payment of the booking has started (held → awaiting_payment): booking's answer, not payable when the hold
    /// ran out meanwhile.
    func paying(pnr: String, payment: String) async throws -> BookingView
    /// That payment ended without paying (awaiting_payment → held, if it is still the one under way).
    func unpaid(pnr: String, payment: String) async throws
}

public struct HTTPBookingLink: BookingLink {
    let baseURL: String
    let http: HTTPClient
    let timeout: TimeAmount

    public init(baseURL: String, http: HTTPClient, timeout: TimeAmount = .seconds(10)) {
        self.baseURL = baseURL
        self.http = http
        self.timeout = timeout
    }

    public func booking(pnr: String, authorization: String) async throws -> BookingView {
        var request = HTTPClientRequest(url: "\(baseURL)/api/v1/bookings/\(pnr)")
        request.headers.add(name: "Authorization", value: authorization)
        return try await send(request)
    }

    public func paid(pnr: String) async throws -> BookingView {
        var request = HTTPClientRequest(url: "\(baseURL)/internal/bookings/\(pnr)/paid")
        request.method = .POST
        return try await send(request)
    }

    public func paying(pnr: String, payment: String) async throws -> BookingView {
        try await send(Self.internalPost("\(baseURL)/internal/bookings/\(pnr)/paying", payment: payment))
    }

    public func unpaid(pnr: String, payment: String) async throws {
        _ = try await send(Self.internalPost("\(baseURL)/internal/bookings/\(pnr)/unpaid", payment: payment))
    }

    static func internalPost(_ url: String, payment: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: Array(#"{"payment":"\#(payment)"}"#.utf8)))
        return request
    }

    func send(_ request: HTTPClientRequest) async throws -> BookingView {
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await http.execute(request, timeout: timeout)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw PaymentsError.bookingUnavailable
        }
        switch response.status.code {
        case 200:
            guard let view = try? JSONDecoder().decode(BookingView.self, from: Data(body.readableBytesView)) else {
                throw PaymentsError.bookingUnavailable
            }
            return view
        case 401, 403, 404: throw PaymentsError.bookingNotFound
        default: throw PaymentsError.bookingUnavailable
        }
    }
}
