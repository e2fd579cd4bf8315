import DojoAdapter
import DojoProtocol
import FuzzSupport

/// The bytes an adapter process writes to stdout: framed into lines (fed in two chunks, split at the first
/// byte's value, so the framer's chunk boundaries are fuzzed too), each line classified, every error answer mapped.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdapterLine(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(fuzzBytes(data, size))
    let limit = 4096
    var framer = LineFramer(maximumLineLength: limit)
    let split = size == 0 ? 0 : Int(bytes[0]) % (size + 1)
    var items = framer.append(UnsafeRawBufferPointer(rebasing: bytes[0..<split]))
    items += framer.append(UnsafeRawBufferPointer(rebasing: bytes[split..<size]))
    items += framer.finish()
    for item in items {
        switch item {
        case .oversized(let length):
            precondition(length > limit, "an oversized line of \(length) bytes, under the limit")
        case .line(let line):
            precondition(line.count <= limit, "a line of \(line.count) bytes passed the limit")
            precondition(!line.contains(UInt8(ascii: "\n")), "a framed line contains a newline")
            classify(line)
        }
    }
    return 0
}

private func classify(_ line: [UInt8]) {
    switch ProcessMessage(line: line) {
    case .response(_, .error(let remote)):
        for method in DojoMethod.allCases { _ = DojoError.from(remote.adapterError(for: method)) }
    case .response(let id, .result(let result)):
        _ = ProcessMessage.resultLine(id: .integer(id), result)
    case .request(let id, _, let params):
        _ = ProcessMessage.errorLine(id: id, code: ProcessMessage.Code.invalidParams, message: "\(params ?? .null)")
    case .notification, .invalid:
        break
    }
}

@_cdecl("FuzzAdapterLine_main")
public func fuzzAdapterLineMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    libFuzzerMain(argc, argv, fuzzAdapterLine)
}
