// swift-tools-version:6.2
import PackageDescription

/// The services: each is one library target `Sources/<Name>` with tests in `Tests/<Name>Tests`.
/// Adding a service: add its name here, create its folder, add a row to `Sources/setrag/Modules.swift`.
let services = ["Booking", "Gateway", "Identity", "Inventory", "Notifications", "Payments", "Tracking"]

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

func product(_ name: String, _ package: String) -> Target.Dependency { .product(name: name, package: package) }

let hummingbird = product("Hummingbird", "hummingbird")
let sqlKit = product("SQLKit", "sql-kit")
let logging = product("Logging", "swift-log")
let nio = product("NIOCore", "swift-nio")
let nioPosix = product("NIOPosix", "swift-nio")

/// The shared libraries every service builds on.
let sharedLibraries: [Target] = [
    .systemLibrary(name: "CMariaDB", pkgConfig: "libmariadb", providers: [.apt(["libmariadb-dev"])]),
    .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
    .target(name: "SetragMySQL", dependencies: ["CMariaDB", sqlKit, logging, nio, nioPosix], swiftSettings: settings),
    .target(name: "SetragMQTT", dependencies: ["CMosquitto", logging], swiftSettings: settings),
    .target(
        name: "SetragKernel",
        dependencies: [
            "SetragMySQL", "SetragMQTT", hummingbird, sqlKit, logging, product("HTTPTypes", "swift-http-types"),
            product("Configuration", "swift-configuration"),
            product("ServiceLifecycle", "swift-service-lifecycle"),
            product("Metrics", "swift-metrics"),
            product("Prometheus", "swift-prometheus"),
            product("JWTKit", "jwt-kit"),
            product("Crypto", "swift-crypto"),
            product("AsyncHTTPClient", "async-http-client"),
        ],
        swiftSettings: settings
    ),
    .target(name: "SetragEvents", dependencies: ["SetragKernel"], swiftSettings: settings),
    // GTFS Realtime's messages: generated once from the .proto beside them (see its header) and committed.
    .target(name: "GTFSRealtime", dependencies: [product("SwiftProtobuf", "swift-protobuf")],
            exclude: ["gtfs-realtime.proto"], swiftSettings: settings),
]

/// A service library: the kernel and events, plus what the service needs of its own.
func service(_ name: String) -> [Target] {
    let extra: [String: [Target.Dependency]] = [
        "Identity": [product("HummingbirdBcrypt", "hummingbird-auth")],
        "Payments": [product("Crypto", "swift-crypto")],
        "Booking": [product("Crypto", "swift-crypto")],
        "Tracking": [product("Crypto", "swift-crypto"), product("CryptoExtras", "swift-crypto"),
                     product("Metrics", "swift-metrics"),
                     product("HummingbirdWebSocket", "hummingbird-websocket"), "GTFSRealtime"],
        "Gateway": [
            product("HummingbirdWebSocket", "hummingbird-websocket"), product("NIOHTTP1", "swift-nio"),
            product("NIOHTTPTypes", "swift-nio-extras"), product("NIOHTTPTypesHTTP1", "swift-nio-extras"),
        ],
    ]
    // Booking's tests run a real inventory on a loopback port (the service itself only calls it over HTTP).
    // Payments' adapter is tested against the aggregator's simulator (its wire format, its callbacks); notifications'
    // against the SMS gateway's.
    // Tracking's tests read trips and the line from a real inventory too, and read its counters from a registry.
    let testExtra: [String: [Target.Dependency]] = [
        "Booking": ["Inventory"], "Payments": ["PaymentsSimulator"], "Notifications": ["SMSSimulator"],
        "Tracking": ["Inventory", product("Prometheus", "swift-prometheus"),
                     product("HummingbirdWSTesting", "hummingbird-websocket"), "GTFSRealtime",
                     product("SwiftProtobuf", "swift-protobuf")],
    ]
    return [
        .target(
            name: name, dependencies: ["SetragKernel", "SetragEvents"] + (extra[name] ?? []), swiftSettings: settings
        ),
        .testTarget(
            name: "\(name)Tests",
            dependencies: [.byName(name: name), "SetragTesting", product("HummingbirdTesting", "hummingbird")]
                + (testExtra[name] ?? []),
            swiftSettings: settings
        ),
    ]
}

/// The tests of a shared library.
func libraryTests(_ library: String, _ extra: Target.Dependency...) -> Target {
    .testTarget(name: "\(library)Tests", dependencies: [.byName(name: library), "SetragTesting"] + extra,
                swiftSettings: settings)
}

let package = Package(
    name: "setrag",
    platforms: [.macOS(.v15)],
    products: [.executable(name: "setrag", targets: ["setrag"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
    ],
    targets: sharedLibraries + services.flatMap(service) + [
        .executableTarget(
            name: "setrag",
            dependencies: services.map { .byName(name: $0) } + [
                "SetragKernel", "PaymentsSimulator", "SMSSimulator", "TrainSimulator",
                product("ArgumentParser", "swift-argument-parser"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "SetragTesting",
            dependencies: [
                "SetragKernel", "SetragEvents", product("HummingbirdTesting", "hummingbird"),
                product("Prometheus", "swift-prometheus"), product("AsyncHTTPClient", "async-http-client"),
            ],
            path: "Tests/SetragTesting",
            swiftSettings: settings
        ),
        libraryTests("SetragMySQL"),
        libraryTests("SetragMQTT", logging),
        libraryTests("SetragKernel", product("HummingbirdTesting", "hummingbird")),
        libraryTests("SetragEvents"),
        // Simulators of outside systems (tools for tests and development, not platform services).
        .target(
            name: "PaymentsSimulator",
            dependencies: ["SetragKernel", hummingbird, logging, nio, product("Crypto", "swift-crypto"),
                           product("AsyncHTTPClient", "async-http-client"),
                           product("ServiceLifecycle", "swift-service-lifecycle")],
            swiftSettings: settings
        ),
        .target(name: "SMSSimulator", dependencies: ["SetragKernel", hummingbird, logging, nio], swiftSettings: settings),
        .target(name: "TrainSimulator", dependencies: ["Tracking", "SetragKernel"], swiftSettings: settings),
        libraryTests("TrainSimulator"),
        libraryTests("PaymentsSimulator", product("HummingbirdTesting", "hummingbird"),
                     product("AsyncHTTPClient", "async-http-client"), product("Crypto", "swift-crypto")),
    ]
)
