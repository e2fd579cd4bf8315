import DojoProtocol
import FuzzSupport

/// Any text either parses to a timestamp that formats and re-parses to itself, or is refused; never a trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTimestamp(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    guard let timestamp = try? Timestamp(iso8601: text) else { return 0 }
    let formatted = timestamp.iso8601String
    guard let again = try? Timestamp(iso8601: formatted) else {
        fatalError("\(formatted) (formatted from \(timestamp.millisecondsSince1970) ms) does not parse")
    }
    precondition(again == timestamp, "\(formatted) re-parses to \(again.millisecondsSince1970), not \(timestamp)")
    _ = try? Timestamp(json: .string(text), path: "t")
    return 0
}

@_cdecl("FuzzTimestamp_main")
public func fuzzTimestampMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    libFuzzerMain(argc, argv, fuzzTimestamp)
}
