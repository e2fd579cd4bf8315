import FuzzSupport

/// Any bytes either parse to entries or fail with a line number inside the text; never a trap or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    let lines = text.unicodeScalars.lazy.filter { $0 == "\n" }.count + 1
    do {
        let document = try TOMLDocument(parsing: text)
        for entry in document.entries {
            precondition((1...lines).contains(entry.line), "entry \(entry.key) on line \(entry.line) of \(lines)")
            precondition(!entry.key.isEmpty, "an entry with an empty key")
        }
    } catch {
        precondition((1...lines).contains(error.line), "error on line \(error.line) of \(lines): \(error.message)")
    }
    return 0
}

@_cdecl("FuzzTOML_main")
public func fuzzTOMLMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    libFuzzerMain(argc, argv, fuzzTOML)
}
