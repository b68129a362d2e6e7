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
public final class TestBroker: Sendable {
    let directory: URL
    private let configurationLines: [String]
    private let state = Mutex<(pid: pid_t?, port: Int, starts: Int)>((nil, 0, 0))

    /// - Parameters:
    ///   - persistence: keep sessions and queued messages across restarts.
    ///   - allowAnonymous: accept clients without user name.
    ///   - extraConfiguration: more mosquitto.conf lines (e.g. `password_file`).
    public init(persistence: Bool = true, allowAnonymous: Bool = true, extraConfiguration: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("setrag-mqtt-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var lines = [
            "allow_anonymous \(allowAnonymous)",
            "max_queued_messages 0",
            "user root",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
        ]
        if persistence {
            lines += ["persistence true", "persistence_location \(directory.path)/", "autosave_interval 1"]
        }
        configurationLines = lines + extraConfiguration
        state.withLock { $0.port = freeTCPPort() }
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The broker's port; the same across restarts.
    public var port: Int { state.withLock { $0.port } }

    /// Starts the broker and waits until it accepts connections. On the first start, a port
    /// taken meanwhile by someone else is replaced by another; a restart keeps its port.
    public func start() async throws {
        let firstStart = state.withLock { $0.starts == 0 }
        for _ in 0..<5 {
            let (port, logFile) = state.withLock { s -> (Int, String) in
                s.starts += 1
                return (s.port, directory.appendingPathComponent("mosquitto-\(s.starts).log").path)
            }
            let configuration = directory.appendingPathComponent("mosquitto.conf")
            try ((["listener \(port) 127.0.0.1", "log_dest file \(logFile)"] + configurationLines)
                .joined(separator: "\n") + "\n")
                .write(to: configuration, atomically: true, encoding: .utf8)
            let pid = try spawnWithDefaultSignals("/usr/sbin/mosquitto", ["-c", configuration.path])
            state.withLock { $0.pid = pid }
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if hasExited(pid) { break }
                // "running" is logged once the listener is bound: the port is ours.
                if log.contains(" running"), acceptsConnections(port: port) { return }
                try await Task.sleep(for: .milliseconds(20))
            }
            state.withLock { $0.pid = nil }
            Glibc.kill(pid, SIGKILL)
            _ = hasExited(pid)
            if firstStart {
                state.withLock { $0.port = freeTCPPort() }
            } else {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        throw BrokerError.didNotStart(log)
    }

    /// Graceful stop (SIGTERM: the broker saves its persistence file), waiting for the exit.
    public func stop() async throws {
        guard let pid = state.withLock({ $0.pid }) else { return }
        Glibc.kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(10)
        while !hasExited(pid) {
            guard ContinuousClock.now < deadline else { throw BrokerError.didNotStop(log) }
            try await Task.sleep(for: .milliseconds(20))
        }
        state.withLock { $0.pid = nil }
    }

    /// Crash-like stop (SIGKILL).
    public func kill() {
        guard let pid = state.withLock({ s in defer { s.pid = nil }; return s.pid }) else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    /// SIGSTOP / SIGCONT: a broker that keeps its connections open but answers nothing.
    public func freeze() { signal(SIGSTOP) }
    public func thaw() { signal(SIGCONT) }

    private func signal(_ number: Int32) {
        if let pid = state.withLock({ $0.pid }) { Glibc.kill(pid, number) }
    }

    /// The log of the latest start.
    var log: String {
        let starts = state.withLock { $0.starts }
        let file = directory.appendingPathComponent("mosquitto-\(starts).log")
        return (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }

    public func configuration(clientID: String) -> MQTTConfiguration {
        var configuration = MQTTConfiguration(clientID: clientID, port: port)
        configuration.connectTimeout = .seconds(5)
        configuration.operationTimeout = .seconds(15)
        return configuration
    }
}

enum BrokerError: Error {
    case didNotStart(String)
    case didNotStop(String)
    case cannotSpawn(String, Int32)
}

/// Starts a program with every signal unblocked and at its default action, and none of the caller's files but
/// standard input (its standard output and error go to /dev/null). (Foundation's
/// `Process` passes on the caller's signal mask, and threads of Swift's concurrency pool block
/// SIGTERM: a broker started that way would ignore a graceful stop.)
public func spawnWithDefaultSignals(_ path: String, _ arguments: [String]) throws -> pid_t {
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
    // Nothing else of ours: a child holding a copy of a test server's socket would keep a connection open after
    // the server closed it (the peer would never see the end).
    closeFrom3(&actions)

    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid = pid_t()
    let rc = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
    guard rc == 0 else { throw BrokerError.cannotSpawn(path, rc) }
    return pid
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), looked up at run time: Swift's Glibc module does not
/// export it.
private func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
    else { return }
    _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
}

/// Whether the child has exited (reaping it if so).
public func hasExited(_ pid: pid_t) -> Bool {
    var status: Int32 = 0
    let rc = waitpid(pid, &status, WNOHANG)
    return rc == pid || (rc == -1 && errno == ECHILD)
}

/// Runs a program to completion; its exit status.
public func run(_ path: String, _ arguments: [String]) async throws -> Int32 {
    let pid = try spawnWithDefaultSignals(path, arguments)
    while true {
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid { return (status >> 8) & 0xFF }
        if rc == -1 { return -1 }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// A port that is free right now, below Linux's ephemeral range (32768-60999) so that the
/// source port of some client connection cannot take it before the broker binds it.
public func freeTCPPort() -> Int {
    while true {
        let port = Int.random(in: 20_000..<32_000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { continue }
        defer { close(fd) }
        var address = loopbackAddress(port: port)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        if bound { return port }
    }
}

public func acceptsConnections(port: Int) -> Bool {
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
public func testLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    let level = ProcessInfo.processInfo.environment["SETRAG_MQTT_TEST_LOG"].flatMap(Logger.Level.init(rawValue:))
    logger.logLevel = level ?? .warning
    return logger
}

/// Thread-safe collector for what test consumers receive.
public final class Received<Value: Sendable & Hashable>: Sendable {
    private let storage = Mutex<[Value]>([])

    public init() {}
    public func append(_ value: Value) { storage.withLock { $0.append(value) } }
    public var all: [Value] { storage.withLock { $0 } }
    public var count: Int { storage.withLock { $0.count } }
    public var set: Set<Value> { Set(all) }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
public func eventually(
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
public func collect<Value: Sendable & Hashable>(
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

public func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

extension Array where Element == UInt8 {
    public var text: String { String(decoding: self, as: UTF8.self) }
}
