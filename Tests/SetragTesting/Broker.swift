import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private Mosquitto for tests that stop and restart the broker: its own port, directory and persistence file.
public final class BrokerProcess: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    private var process: Process?
    private let lock = NSLock()

    public init() throws {
        port = try freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("setrag-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = """
            listener \(port) 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location \(directory.path)/
            autosave_interval 60
            max_queued_messages 0
            user root
            log_dest file \(directory.path)/mosquitto.log
            """
        try config.write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
    }

    public func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/mosquitto")
        process.arguments = ["-c", directory.appendingPathComponent("mosquitto.conf").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        lock.withLock { self.process = process }
        for _ in 0..<100 {
            if canConnect(port: port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BrokerError.notStarted
    }

    /// Stops the broker: SIGKILL loses what it had not saved, SIGTERM lets it save.
    public func stop(signal: Int32 = SIGTERM) async {
        guard let process = lock.withLock({ self.process }) else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        lock.withLock { self.process = nil }
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }
}

public enum BrokerError: Error { case notStarted }

/// A TCP port nobody listens on right now.
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw BrokerError.notStarted }
    return Int(UInt16(bigEndian: address.sin_port))
}

func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}
