import Foundation

/// A throw-away CA and a server certificate for 127.0.0.1/localhost, made with the `openssl` command in a
/// temporary directory, so `wss://` works without any files from the user. The agent trusts it through its
/// `ca_file` setting (``caFile``).
public struct GeneratedTLS: Sendable {
    /// The directory holding the files; removed by ``remove()``.
    public let directory: String
    /// The CA certificate the agent must trust.
    public var caFile: String { directory + "/ca.pem" }
    /// The server's certificate chain.
    public var certificateChain: String { directory + "/server.pem" }
    /// The server's private key.
    public var privateKey: String { directory + "/server.key" }

    /// Generates the CA and the server certificate (P-256, valid for 2 days, SAN IP:127.0.0.1 and localhost).
    ///
    /// - Throws: ``SimulatorError`` (`setupFailed`) when `openssl` is missing or fails.
    public static func make() throws -> GeneratedTLS {
        let directory = try makePrivateTemporaryDirectory(prefix: "dojo-sim-tls")
        let tls = GeneratedTLS(directory: directory)
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        do {
            try tls.openssl(
                ["req", "-x509"] + curve + [
                    "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=dojo-sim test CA",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                ]
            )
            try tls.openssl(
                ["req"] + curve + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]
            )
            try "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                .write(toFile: directory + "/server.ext", atomically: true, encoding: .utf8)
            try tls.openssl([
                "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
            ])
        } catch {
            tls.remove()
            throw error
        }
        return tls
    }

    /// Deletes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw SimulatorError(
                .setupFailed,
                "cannot run openssl to generate TLS material (install openssl): \(error)"
            )
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        try? errors.fileHandleForReading.close()  // Not left to deallocation (see runProcess).
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: output, as: UTF8.self).trimmingWhitespace()
            throw SimulatorError(
                .setupFailed,
                "openssl \(arguments.first ?? "") failed with status \(process.terminationStatus): \(message)"
            )
        }
    }
}

/// A new owner-only (0700) directory under the system's temporary directory, named `<prefix>-<random>`.
///
/// - Throws: ``SimulatorError`` (`setupFailed`).
func makePrivateTemporaryDirectory(prefix: String) throws -> String {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))").path
    do {
        try FileManager.default.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
    } catch {
        throw SimulatorError(.setupFailed, "cannot create \(directory): \(error)")
    }
    return directory
}
