import Foundation
import Logging
import SetragMQTT
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A private Mosquitto broker for one test: its own temporary directory, a free port on
/// 127.0.0.1, persistence on, unlimited queues. Started with `start()`, always `kill()` it at the
/// end (tests do it in a `defer`).
final class TestBroker: Sendable {
    let directory: URL
    let port: Int
    private let pid = Mutex<pid_t?>(nil)

    /// - Parameters:
    ///   - persistence: keep sessions and queued messages across restarts.
    ///   - allowAnonymous: accept clients without user name.
    ///   - extraConfiguration: more mosquitto.conf lines (e.g. `password_file`).
    init(persistence: Bool = true, allowAnonymous: Bool = true, extraConfiguration: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("setrag-mqtt-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try freeTCPPort()
        var lines = [
            "listener \(port) 127.0.0.1",
            "allow_anonymous \(allowAnonymous)",
            "max_queued_messages 0",
            "user root",
            "log_dest file \(directory.path)/mosquitto.log",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
        ]
        if persistence {
            lines += ["persistence true", "persistence_location \(directory.path)/", "autosave_interval 1"]
        }
        lines += extraConfiguration
        try (lines.joined(separator: "\n") + "\n")
            .write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts the broker and waits until it accepts connections.
    func start() async throws {
        let pid = try spawnWithDefaultSignals(
            "/usr/sbin/mosquitto", ["-c", directory.appendingPathComponent("mosquitto.conf").path]
        )
        self.pid.withLock { $0 = pid }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if acceptsConnections(port: port) { return }
            if hasExited(pid) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BrokerError.didNotStart(log)
    }

    /// Graceful stop (SIGTERM: the broker saves its persistence file), waiting for the exit.
    func stop() async throws {
        guard let pid = pid.withLock({ $0 }) else { return }
        Glibc.kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(10)
        while !hasExited(pid) {
            guard ContinuousClock.now < deadline else { throw BrokerError.didNotStop(log) }
            try await Task.sleep(for: .milliseconds(20))
        }
        self.pid.withLock { $0 = nil }
    }

    /// Crash-like stop (SIGKILL).
    func kill() {
        guard let pid = pid.withLock({ p in defer { p = nil }; return p }) else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    /// SIGSTOP / SIGCONT: a broker that keeps its connections open but answers nothing.
    func freeze() { signal(SIGSTOP) }
    func thaw() { signal(SIGCONT) }

    private func signal(_ number: Int32) {
        if let pid = pid.withLock({ $0 }) { Glibc.kill(pid, number) }
    }

    var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? ""
    }

    func configuration(clientID: String) -> MQTTConfiguration {
        var configuration = MQTTConfiguration(clientID: clientID, port: port)
        configuration.connectTimeout = .seconds(5)
        configuration.operationTimeout = .seconds(15)
        return configuration
    }
}

enum BrokerError: Error {
    case didNotStart(String)
    case didNotStop(String)
    case noFreePort
    case cannotSpawn(String, Int32)
}

/// Starts a program with every signal unblocked and at its default action. (Foundation's
/// `Process` passes on the caller's signal mask, and threads of Swift's concurrency pool block
/// SIGTERM: a broker started that way would ignore a graceful stop.)
func spawnWithDefaultSignals(_ path: String, _ arguments: [String]) throws -> pid_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid = pid_t()
    let rc = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
    guard rc == 0 else { throw BrokerError.cannotSpawn(path, rc) }
    return pid
}

/// Whether the child has exited (reaping it if so).
func hasExited(_ pid: pid_t) -> Bool {
    var status: Int32 = 0
    let rc = waitpid(pid, &status, WNOHANG)
    return rc == pid || (rc == -1 && errno == ECHILD)
}

/// Runs a program to completion; its exit status.
func run(_ path: String, _ arguments: [String]) async throws -> Int32 {
    let pid = try spawnWithDefaultSignals(path, arguments)
    while true {
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid { return (status >> 8) & 0xFF }
        if rc == -1 { return -1 }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// A port that was free a moment ago: bind port 0 on 127.0.0.1 and read what the kernel chose.
func freeTCPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BrokerError.noFreePort }
    defer { close(fd) }
    var address = loopbackAddress(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
        }
    }
    guard bound else { throw BrokerError.noFreePort }
    return Int(UInt16(bigEndian: address.sin_port))
}

func acceptsConnections(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = loopbackAddress(port: port)
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            connect(fd, raw, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

private func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return address
}

/// A logger for tests: warnings and above, or everything with `SETRAG_MQTT_TEST_LOG=trace|debug`.
func testLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    let level = ProcessInfo.processInfo.environment["SETRAG_MQTT_TEST_LOG"].flatMap(Logger.Level.init(rawValue:))
    logger.logLevel = level ?? .warning
    return logger
}

/// Thread-safe collector for what test consumers receive.
final class Received<Value: Sendable & Hashable>: Sendable {
    private let storage = Mutex<[Value]>([])

    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var all: [Value] { storage.withLock { $0 } }
    var count: Int { storage.withLock { $0.count } }
    var set: Set<Value> { Set(all) }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(
    timeout: Duration = .seconds(10),
    interval: Duration = .milliseconds(20),
    _ condition: () -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return condition()
}

/// Starts a task that drains `subscription` into `received`; the task ends with the stream.
func collect<Value: Sendable & Hashable>(
    _ subscription: MQTTSubscription,
    into received: Received<Value>,
    _ transform: @escaping @Sendable (MQTTMessage) -> Value
) -> Task<Void, Never> {
    Task {
        for await message in subscription {
            received.append(transform(message))
        }
    }
}

func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}
