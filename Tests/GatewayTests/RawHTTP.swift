import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import SetragKernel

/// A bare HTTP/1.1 connection for tests that care about the connection itself: several requests written at once
/// (pipelined), answers read in order, the server closing it.
enum RawHTTP {
    /// Opens a connection to `127.0.0.1:port` and runs `body` on it; the whole session fails after `timeout`.
    static func session<T: Sendable>(
        port: Int, timeout: Duration = .seconds(15),
        _ body: @escaping @Sendable (inout RawHTTPReader, NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> T
    ) async throws -> T {
        try await withTimeout(timeout) {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in
                var reader = RawHTTPReader(iterator: inbound.makeAsyncIterator())
                return try await body(&reader, outbound)
            }
        }
    }

    /// A request's bytes: `GET path` (or another method) with `Host`, the given headers and body.
    static func request(_ path: String, method: String = "GET", headers: [String: String] = [:],
                        body: String? = nil) -> ByteBuffer {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: gateway.test\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        return ByteBuffer(string: text)
    }
}

struct RawResponse: Sendable {
    var status: Int
    /// Names in lower case, in the order received.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }
    var echo: FakeService.Echo? { try? JSONDecoder().decode(FakeService.Echo.self, from: Data(body)) }
}

struct RawHTTPReader {
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var buffer = ByteBuffer()
    var ended = false

    enum Failure: Error { case closedEarly, malformed(String) }

    /// Reads more bytes; false at the end of the stream.
    private mutating func fill() async throws -> Bool {
        guard !ended else { return false }
        guard var more = try await iterator.next() else {
            ended = true
            return false
        }
        buffer.writeBuffer(&more)
        return true
    }

    /// The next answer; `bodyless` for the answer to a HEAD. Nil when the server closed before any byte of it.
    mutating func response(bodyless: Bool = false) async throws -> RawResponse? {
        var headEnd: Int?
        while true {
            let view = buffer.readableBytesView
            if let range = view.firstRange(of: Array("\r\n\r\n".utf8)) {
                headEnd = range.upperBound - view.startIndex
                break
            }
            guard try await fill() else {
                if buffer.readableBytes == 0 { return nil }
                throw Failure.closedEarly
            }
        }
        let headText = buffer.readString(length: headEnd!)!
        var lines = headText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure.malformed(headText) }
        let headers = lines.map { line -> (name: String, value: String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]).lowercased(), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        var response = RawResponse(status: status, headers: headers, body: [])
        if bodyless || status == 204 || status == 304 { return response }
        if response.header("transfer-encoding")?.lowercased() == "chunked" {
            while true {
                let size = try await line()
                guard let length = Int(size.split(separator: ";").first ?? "", radix: 16) else {
                    throw Failure.malformed(size)
                }
                if length == 0 {
                    _ = try await line()
                    return response
                }
                response.body += try await bytes(length)
                _ = try await line()
            }
        }
        let length = Int(response.header("content-length") ?? "0") ?? 0
        response.body = try await bytes(length)
        return response
    }

    private mutating func bytes(_ count: Int) async throws -> [UInt8] {
        while buffer.readableBytes < count {
            guard try await fill() else { throw Failure.closedEarly }
        }
        return buffer.readBytes(length: count)!
    }

    private mutating func line() async throws -> String {
        while true {
            if let index = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = index - buffer.readableBytesView.startIndex + 1
                return buffer.readString(length: length)!.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard try await fill() else { throw Failure.closedEarly }
        }
    }

    /// Whether the server closed the connection (nothing more to read).
    mutating func closedByServer() async throws -> Bool {
        if buffer.readableBytes > 0 { return false }
        return try await !fill()
    }
}

/// A plain blocking TCP socket, for a connection that must outlive the server it talks to. Its calls run on NIO's
/// thread pool: a blocked call must not hold one of Swift concurrency's few threads (which the servers under test
/// need to answer).
final class BlockingSocket: @unchecked Sendable {
    private var fd: Int32 = -1

    struct Failure: Error { let call: String }

    func connect(port: Int) async throws {
        try await NIOThreadPool.singleton.runIfActive { try self.connectNow(port: port) }
    }

    func send(_ buffer: ByteBuffer) async throws {
        try await NIOThreadPool.singleton.runIfActive { try self.sendNow(buffer) }
    }

    /// What one read brings ("" when the peer closed); fails after 5 s without anything.
    func receive() async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { try self.receiveNow() }
    }

    private func connectNow(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw Failure(call: "connect") }
    }

    private func sendNow(_ buffer: ByteBuffer) throws {
        let bytes = Array(buffer.readableBytesView)
        guard Glibc.send(fd, bytes, bytes.count, 0) == bytes.count else { throw Failure(call: "send") }
    }

    private func receiveNow() throws -> String {
        var bytes = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &bytes, bytes.count, 0)
        guard count >= 0 else { throw Failure(call: "recv") }
        return String(decoding: bytes[0..<count], as: UTF8.self)
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }
}
