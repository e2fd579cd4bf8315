// swift-tools-version:6.2
import PackageDescription

// libFuzzer targets for the parsers that read bytes from outside (scripts/fuzz builds and runs them).
//
// A package of its own so that the fuzz-only executables (whose `LLVMFuzzerTestOneInput` entry point links only
// with `-sanitize=fuzzer`) never enter the main package's `swift build --build-tests`. It compiles the real
// sources through symlinks instead of depending on the main package by path: a path dependency would resolve (and
// the sanitizer flags would rebuild) the main package's whole graph, NIO and GRDB included, while the code under
// test needs only DojoProtocol, DojoAdapter and four dependency-free files (AgentSupport/LineFramer.swift,
// DojoProcessAdapter/ProcessMessage.swift and ProcessAdapterError.swift, DojoAgentCore/…/TOMLDocument.swift).
let package = Package(
    name: "dojo-agent-fuzz",
    targets: [
        .target(name: "DojoProtocol"),
        .target(name: "DojoAdapter", dependencies: ["DojoProtocol"]),
        // libFuzzer's driver, called from each harness's entry point.
        .target(name: "FuzzSupport"),
        // The inbound frame → response path: JSON parser, envelope, every method's decoder, error answers.
        .executableTarget(name: "FuzzFrame", dependencies: ["DojoProtocol", "DojoAdapter", "FuzzSupport"]),
        // The adapter-protocol line framer and message parser (ProcessMessage.swift, LineFramer.swift).
        .executableTarget(name: "FuzzAdapterLine", dependencies: ["DojoProtocol", "DojoAdapter", "FuzzSupport"]),
        // The agent.conf reader (TOMLDocument.swift).
        .executableTarget(name: "FuzzTOML", dependencies: ["FuzzSupport"]),
        // ISO 8601 timestamps (Timestamp, TimestampParser, TimestampFormatter).
        .executableTarget(name: "FuzzTimestamp", dependencies: ["DojoProtocol", "FuzzSupport"]),
    ]
)

// The main package's strictness, so the symlinked sources compile exactly as they do there.
for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.treatAllWarnings(as: .error))
    if target.type == .executable { settings.append(.unsafeFlags(["-parse-as-library"])) }
    target.swiftSettings = settings
}
