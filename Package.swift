// swift-tools-version:6.2
import PackageDescription

// Module map (dependencies point inward; only Transport touches C libraries, only SystemCalls calls libc):
//
//   dojo-agent (DojoAgentCLI) ─► builds the adapter `[adapter]` names: DemoPOS or DojoProcessAdapter
//        │                       ─► DojoAgentCore ─► DojoAdapter ─► DojoProtocol
//        │                                 ├──────► Transport ─► CLibWebSockets (libwebsockets + OpenSSL)
//        │                                 └──────► GRDB, swift-log, swift-service-lifecycle
//   DojoProcessAdapter ─► DojoAdapter, swift-subprocess (a vendor's program over stdin/stdout)
//   DemoPOS ─► DojoAdapter, GRDB
//   AgentSupport (locks, Completion, LogText, Backoff, LineFramer) and SystemCalls (the POSIX gate): under all of
//   the above; neither depends on any module of ours.
//   dojo-sim (DojoSimulatorCLI) ─► DojoSimulator ─► DojoProtocol, Hummingbird (NIO; never in dojo-agent)
//   DojoAgentTesting (vendor conformance kit) ─► DojoAdapter, DojoProtocol; dojo-sim check runs it via the agent
//
// The daemon's closure must stay free of NIO: scripts/check-deps enforces it.

let package = Package(
    name: "dojo-agent",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dojo-agent", targets: ["DojoAgentCLI"]),
        .executable(name: "dojo-sim", targets: ["DojoSimulatorCLI"]),
        .executable(name: "dojo-bench", targets: ["DojoBench"]),
        .executable(name: "dojo-transport-check", targets: ["TransportCheck"]),
        .executable(name: "dojo-chaos", targets: ["DojoChaos"]),
        .library(name: "DojoAdapter", targets: ["DojoAdapter"]),
        .library(name: "DojoProtocol", targets: ["DojoProtocol"]),
        .library(name: "DojoAgentCore", targets: ["DojoAgentCore"]),
        .library(name: "DojoProcessAdapter", targets: ["DojoProcessAdapter"]),
        .library(name: "DojoAgentTesting", targets: ["DojoAgentTesting"]),
        .library(name: "DojoSimulator", targets: ["DojoSimulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // The simulator's scenario files (YAML); never linked into dojo-agent.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // Child processes for the out-of-process adapter: async pipes, pidfd exit monitoring, no NIO.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    ],
    targets: [
        // The whole C fence for libwebsockets: module.modulemap + shim.h. Imported by Transport only.
        .systemLibrary(
            name: "CLibWebSockets",
            pkgConfig: "libwebsockets",
            providers: [.apt(["libwebsockets-dev", "libssl-dev"])]
        ),
        // Small pieces every module of the daemon shares: a TSan-visible lock, a one-shot completion, an async
        // semaphore, LogText (outside text made safe for a log line), the backoff rule. No C beyond pthreads.
        .target(
            name: "AgentSupport",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        // The one gate for the daemon's POSIX calls outside Transport's lws fence (sockets, file status, signals,
        // rename): errno becomes a typed SystemCallError. Imported instead of Glibc everywhere above it.
        .target(
            name: "SystemCalls",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "Transport",
            dependencies: [
                "AgentSupport",
                "CLibWebSockets",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "DojoProtocol"),
        .target(name: "DojoAdapter", dependencies: ["DojoProtocol"]),
        .target(
            name: "DemoPOS",
            dependencies: [
                "AgentSupport",  // LogText: the one helper that makes outside values safe in a log line
                "DojoAdapter",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The out-of-process adapter: a vendor's program in any language, spoken to in JSON-RPC lines over its
        // stdin/stdout (Docs/adapter-protocol.md), supervised and restarted.
        .target(
            name: "DojoProcessAdapter",
            dependencies: [
                "AgentSupport",
                "DojoAdapter",
                "DojoProtocol",
                "SystemCalls",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "DojoAgentCore",
            dependencies: [
                "AgentSupport",
                "DojoAdapter",
                "DojoProtocol",
                "SystemCalls",
                "Transport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),  // Errno, what SystemCalls fails with
            ]
        ),
        .target(
            name: "DojoAgentTesting",
            dependencies: ["DojoAdapter", "DojoProtocol"]
        ),
        .target(
            name: "DojoSimulator",
            dependencies: [
                "DojoProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "DojoAgentCLI",
            dependencies: [
                "DemoPOS",
                "DojoAdapter",
                "DojoAgentCore",
                "DojoProcessAdapter",
                "DojoProtocol",
                "SystemCalls",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "DojoSimulatorCLI",
            dependencies: [
                "DojoSimulator",
                "DojoProtocol",
                "DojoAdapter",  // dojo-sim check runs the conformance suite through the agent
                "DojoAgentTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // scripts/chaos: a real dojo-agent against dojo-sim under faults (Docs/reliability.md, "Chaos").
        .executableTarget(
            name: "DojoChaos",
            dependencies: [
                "DojoSimulator",
                "DojoProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "TransportCheck",
            dependencies: [
                "Transport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A synchronous-main driver of the transport for valgrind, which crashes on Swift's async main
        // (libdispatch's signal thread). Not a product: built on demand by Docs/transport.md's recipe.
        .executableTarget(
            name: "TransportLeakCheck",
            dependencies: ["Transport", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "DojoBench",
            dependencies: [
                "AgentSupport",
                "DemoPOS",
                "DojoAdapter",
                "DojoAgentCore",
                "DojoProtocol",
                "DojoSimulator",
                "Transport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "AgentSupportTests",
            dependencies: ["AgentSupport", "SystemCalls", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "TransportTests",
            dependencies: ["AgentSupport", "Transport", "DojoSimulator"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "DojoProtocolTests",
            dependencies: ["DojoProtocol", "DojoAdapter"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "DojoAgentCoreTests",
            dependencies: [
                "AgentSupport", "DemoPOS", "DojoAgentCore", "DojoAgentTesting", "DojoProcessAdapter", "DojoSimulator",
                "SystemCalls",
                "Transport",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "AdapterTests",
            dependencies: [
                "AgentSupport", "DemoPOS", "DojoAgentCore", "DojoAgentTesting", "DojoProcessAdapter", "SystemCalls",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "OutboxTests",
            dependencies: ["AgentSupport", "DojoAgentCore", "DojoSimulator", "Transport"]
        ),
        // A small, correct in-memory Bookings POS shared by the simulator's tests and the end-to-end tests.
        .target(name: "ReferencePOS", dependencies: ["DojoAdapter"], path: "Tests/Support/ReferencePOS"),
        .testTarget(
            name: "DojoSimulatorTests",
            dependencies: [
                "DojoSimulator",
                "ReferencePOS",
                "DojoAdapter",
                "DojoProtocol",
                "Transport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "AgentSupport", "DojoAgentCore", "DojoAgentTesting", "DojoSimulator", "ReferencePOS", "SystemCalls",
                "Transport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

// Strictness for every Swift target of ours (swift-log's pattern): explicit existentials, explicit imports,
// imports internal unless marked public (keeps C and NIO types out of public API), and warnings are errors.
for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.treatAllWarnings(as: .error))
    target.swiftSettings = settings
}
