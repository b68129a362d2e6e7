import Crypto
import CryptoExtras
import Foundation
import Logging
import ServiceLifecycle
import SetragKernel

#if canImport(Glibc)
import Glibc
#endif

/// Mosquitto 2's password hashes, as `mosquitto_passwd` writes them: `$7$<iterations>$<salt>$<hash>`, PBKDF2 with
/// HMAC-SHA512, a 12-byte random salt, a 64-byte hash, salt and hash in standard base64 (with padding).
///
/// 101 iterations is what Mosquitto writes by default. What it protects is a device key (32 random bytes) or the
/// platform's generated password, not a person's password: guessing one is out of reach whatever the count.
public enum BrokerPassword {
    public static let iterations = 101
    public static let saltCount = 12

    /// A new hash of `password` with a fresh salt.
    public static func hash(_ password: String) throws -> String {
        try hash(password, salt: randomBytes(saltCount), iterations: iterations)
    }

    public static func hash(_ password: String, salt: [UInt8], iterations: Int) throws -> String {
        let derived = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha512, outputByteCount: 64,
            unsafeUncheckedRounds: iterations)
        let hash = derived.withUnsafeBytes { Data($0) }
        return "$7$\(iterations)$\(Data(salt).base64EncodedString())$\(hash.base64EncodedString())"
    }

    /// Whether `hash` (in the `$7$` format) is a hash of `password`.
    public static func verify(_ password: String, hash: String) -> Bool {
        let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "7", let iterations = Int(parts[2]),
              (1...1_000_000).contains(iterations), let salt = Data(base64Encoded: String(parts[3])),
              let again = try? Self.hash(password, salt: [UInt8](salt), iterations: iterations) else { return false }
        // Compared in time that does not depend on where the strings differ.
        let a = Array(again.utf8), b = Array(hash.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// The broker's password file and ACL file, made from the device registry: each device with a broker login (its user
/// name is its id) may publish its own fixes, on `setrag/telemetry/<its id>`, and nothing else; the platform's own
/// user reads every device's fixes and publishes and reads the platform's events and live updates.
///
/// Devices registered before broker logins existed have no broker hash: they have no line until they get a new key.
public struct BrokerAuthFiles: Sendable, Equatable {
    public static let passwordFileName = "mosquitto.passwd"
    public static let aclFileName = "mosquitto.acl"

    /// What the platform's user may do: read the devices' fixes (tracking's shared subscription), publish and read
    /// the services' events (outbox relays, inboxes: `setrag/events/<service>/...`) and the live updates that
    /// tracking processes pass to each other (`setrag/live/trains/<runId>`).
    public static let platformTopics = [
        "topic read setrag/telemetry/+",
        "topic readwrite setrag/events/#",
        "topic readwrite setrag/live/#",
    ]

    /// `<user>:<hash>` lines: the platform's user first, then the devices by id.
    public var passwords: String
    public var acl: String

    public init(devices: [DeviceRecord], platformUser: String, platformHash: String) {
        var lines = ["\(platformUser):\(platformHash)"]
        for device in devices.sorted(by: { $0.id < $1.id }) {
            guard let hash = device.brokerHash else { continue }
            lines.append("\(device.id):\(hash)")
        }
        passwords = lines.joined(separator: "\n") + "\n"
        acl = ([
            "# Written by SETRAG tracking from its device registry (setrag mqtt-auth write); edits here are lost.",
            "# A device logs in with its id as user name and its key as password, and may only publish its fixes.",
            "pattern write setrag/telemetry/%u",
            "",
            "user \(platformUser)",
        ] + Self.platformTopics).joined(separator: "\n") + "\n"
    }

    /// Whether a user name may be the platform's: not a device id (digits), nothing Mosquitto's files or pattern
    /// ACLs would read differently (`:`, `+`, `#`, `/`, spaces, control characters).
    public static func isPlatformUser(_ name: String) -> Bool {
        let forbidden = Set(":+#/".unicodeScalars)
        return !name.isEmpty && name.count <= 64 && !name.allSatisfy(\.isNumber)
            && name.unicodeScalars.allSatisfy { (33..<127).contains($0.value) && !forbidden.contains($0) }
    }

    /// The hash of `user` in a password file's text, if it has a line.
    static func hash(of user: String, in passwords: String) -> String? {
        for line in passwords.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":"), line[..<colon] == user[...] else { continue }
            return String(line[line.index(after: colon)...])
        }
        return nil
    }
}

/// Writes the broker's password and ACL files from the registry into `tracking.broker_auth_dir`, each replaced
/// atomically (a temporary file in the same directory, then a rename; mode 0640, so that a broker running as
/// another user of the directory's group can read them), and tells the broker to reload them (SIGHUP to the process
/// in `tracking.broker_pid_file`; Mosquitto then also disconnects clients whose login no longer holds). Files that
/// would not change are not touched and the broker is not signalled.
///
/// Several processes may write the same directory (each tracking process, the train simulator): they write the same
/// files, since devices come from the shared database and the platform's line is kept as found whenever it still
/// matches the platform's password.
public actor BrokerAuthWriter {
    public struct Options: Sendable, Equatable {
        public var directory: String
        public var pidFile: String?
        public var platformUser: String
        public var platformPassword: String
        /// How often tracking writes the files again (devices registered by another process, a failed reload).
        public var refresh: Duration

        public init(directory: String, pidFile: String?, platformUser: String, platformPassword: String,
                    refresh: Duration = .seconds(60)) {
            self.directory = directory
            self.pidFile = pidFile
            self.platformUser = platformUser
            self.platformPassword = platformPassword
            self.refresh = refresh
        }

        /// From the settings (`tracking.broker_auth_dir`, `tracking.broker_pid_file`,
        /// `tracking.broker_auth_refresh_seconds`, `mqtt.username`, `mqtt.password`); nil when the directory is not
        /// set. Problems are noted in `settings`.
        public init?(_ settings: Settings) {
            guard let directory = settings.optionalString("tracking.broker_auth_dir") else { return nil }
            let user = settings.optionalString("mqtt.username")
            let password = settings.optionalString("mqtt.password", secret: true)
            if let user, !BrokerAuthFiles.isPlatformUser(user) {
                settings.invalid("mqtt.username", "cannot be the platform's broker user: not digits only, no spaces, "
                                 + "':', '+', '#' or '/' (tracking.broker_auth_dir is set)")
            }
            if user == nil || password == nil {
                settings.invalid("tracking.broker_auth_dir", "needs the platform's own broker login: set "
                                 + "mqtt.username and mqtt.password (SETRAG_MQTT_USERNAME, SETRAG_MQTT_PASSWORD)")
            }
            let seconds = settings.int("tracking.broker_auth_refresh_seconds", default: 60, range: 1...86_400)
            self.init(directory: directory, pidFile: settings.optionalString("tracking.broker_pid_file"),
                      platformUser: user ?? "", platformPassword: password ?? "", refresh: .seconds(seconds))
        }

        public var passwordFile: String { directory + "/" + BrokerAuthFiles.passwordFileName }
        public var aclFile: String { directory + "/" + BrokerAuthFiles.aclFileName }
    }

    public struct Outcome: Sendable, Equatable {
        /// Whether a file was replaced.
        public var changed: Bool
        /// Whether the broker was told to reload (now, or for an earlier change it had not been told of).
        public var reloaded: Bool
    }

    public let options: Options
    let store: any TrackingStore
    let logger: Logger
    /// The platform's hash made by this writer, when the file had none that matched.
    var platformHash: String?
    /// A change the broker has not been told of yet (its signal failed).
    var reloadPending = false

    public init(store: any TrackingStore, options: Options, logger: Logger) {
        self.store = store
        self.options = options
        self.logger = logger
    }

    /// Writes the files when they differ from the registry, and tells the broker to reload.
    @discardableResult
    public func write() async throws -> Outcome {
        let devices = try await store.devices()
        let current = try? String(contentsOfFile: options.passwordFile, encoding: .utf8)
        let files = BrokerAuthFiles(devices: devices, platformUser: options.platformUser,
                                    platformHash: try platformLogin(current: current))
        var changed = false
        if current != files.passwords {
            try Self.replace(options.passwordFile, with: files.passwords)
            changed = true
        }
        if (try? String(contentsOfFile: options.aclFile, encoding: .utf8)) != files.acl {
            try Self.replace(options.aclFile, with: files.acl)
            changed = true
        }
        guard changed || reloadPending else { return Outcome(changed: false, reloaded: false) }
        reloadPending = true
        let logins = devices.count(where: { $0.brokerHash != nil })
        guard let pidFile = options.pidFile else {
            logger.notice("broker login files written; no broker pid file to signal", metadata: [
                "directory": "\(options.directory)", "devices": "\(logins)"])
            reloadPending = false
            return Outcome(changed: changed, reloaded: false)
        }
        try Self.signalReload(pidFile: pidFile)
        reloadPending = false
        logger.info("broker login files written; broker told to reload", metadata: [
            "directory": "\(options.directory)", "devices": "\(logins)"])
        return Outcome(changed: changed, reloaded: true)
    }

    /// `write()`, with a failure logged instead of thrown (after a device's key changed: the key was issued, and the
    /// next refresh tries again).
    public func refresh() async {
        do {
            try await write()
        } catch {
            logger.error("broker login files not written", metadata: [
                "directory": "\(options.directory)", "error": "\(error)"])
        }
    }

    /// The platform's hash: the one in the file when it still matches the password (so that writers agree and the
    /// file does not change at every write), else one made once by this writer.
    func platformLogin(current: String?) throws -> String {
        if let current, let found = BrokerAuthFiles.hash(of: options.platformUser, in: current),
           BrokerPassword.verify(options.platformPassword, hash: found) {
            return found
        }
        if let platformHash { return platformHash }
        let made = try BrokerPassword.hash(options.platformPassword)
        platformHash = made
        return made
    }

    /// Replaces `path` with `text`: a new file beside it (mode 0640, flushed to disk), renamed over it.
    static func replace(_ path: String, with text: String) throws {
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw BrokerAuthError.io("cannot create \(temporary)", errno) }
        var failure: BrokerAuthError?
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .io("cannot write \(temporary)", errno)
                    return
                }
                written += n
            }
        }
        // The mode asked for in open() is narrowed by the umask: set it as meant.
        if failure == nil, fchmod(fd, 0o640) != 0 { failure = .io("cannot set the mode of \(temporary)", errno) }
        if failure == nil, fsync(fd) != 0 { failure = .io("cannot flush \(temporary)", errno) }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 {
            failure = .io("cannot rename \(temporary) to \(path)", errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }

    /// SIGHUP to the broker whose pid is in `pidFile`.
    static func signalReload(pidFile: String) throws {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else {
            throw BrokerAuthError.noBrokerPid(pidFile)
        }
        guard kill(pid, SIGHUP) == 0 else { throw BrokerAuthError.io("cannot signal the broker (pid \(pid))", errno) }
    }
}

public enum BrokerAuthError: Error, CustomStringConvertible {
    case io(String, Int32)
    case noBrokerPid(String)

    public var description: String {
        switch self {
        case .io(let what, let code): "\(what): \(String(cString: strerror(code)))"
        case .noBrokerPid(let file): "no broker pid in \(file)"
        }
    }
}

/// Writes the broker's files again every `options.refresh` (devices another process registered, a reload signal
/// that failed), until graceful shutdown.
public struct BrokerAuthRefresher: Service {
    let writer: BrokerAuthWriter

    public init(writer: BrokerAuthWriter) { self.writer = writer }

    public func run() async throws {
        let interval = writer.options.refresh
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await writer.refresh()
            }
        }
    }
}
