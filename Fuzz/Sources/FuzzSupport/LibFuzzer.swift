/// The callback libFuzzer calls with each input.
public typealias FuzzInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: FuzzInput
) -> CInt

/// Runs libFuzzer's driver (its command line, its corpus handling) on `callback`.
///
/// Why not libFuzzer's own `main`: SwiftPM compiles an executable target's entry point as `<Module>_main` and
/// links with `--defsym main=<Module>_main` (so tests can link executables), which leaves libFuzzer's `main`
/// out. Each harness defines `<Module>_main` with `@_cdecl` and calls this.
public func libFuzzerMain(
    _ argc: CInt,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
    _ callback: FuzzInput
) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments, callback)
}

/// The input as a buffer (libFuzzer may pass a null pointer for the empty input).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: size == 0 ? nil : data, count: size)
}
