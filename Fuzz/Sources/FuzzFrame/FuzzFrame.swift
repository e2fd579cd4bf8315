import DojoAdapter
import DojoProtocol
import FuzzSupport

/// One WebSocket text frame from Dojo through everything the agent does before it reaches an adapter: the JSON
/// parser, the envelope, the method's decoder, and the error answer. Properties checked beyond "no trap":
/// every answer is JSON that parses back as a response with the request's id; a decoded request re-encodes to a
/// frame that decodes to the same request; the params read as the
/// method's result (the simulator's decoder) re-encode stably.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrame(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(fuzzBytes(data, size))
    switch IncomingMessage(frame: bytes) {
    case .request(let rpc):
        if let method = DojoMethod(rawValue: rpc.method) { checkResult(rpc.params ?? .null, for: method) }
        do {
            let request = try rpc.decode()
            _ = request.entityKeys
            _ = request.requiredCapability
            _ = request.headers
            let frame = request.requestFrame(id: rpc.id)
            guard case .request(let again) = IncomingMessage(frame: frame) else {
                fatalError("the re-encoded request is not a request: \(frame)")
            }
            let redecoded: DojoRequest
            do { redecoded = try again.decode() } catch { fatalError("\(frame) no longer decodes: \(error)") }
            precondition(redecoded == request, "\(frame) decodes to a different request")
        } catch {
            checkAnswer(.failure(DojoError.from(error).wireError, id: rpc.id, method: rpc.method), id: rpc.id)
        }
    case .invalid(let invalid):
        if let id = invalid.id { checkAnswer(invalid.response, id: id) }
    case .notification:
        break
    }
    return 0
}

/// The simulator's side of the same method: the value read as a result, written back and read again.
private func checkResult(_ value: JSONValue, for method: DojoMethod) {
    guard let result = try? DojoResult(json: value, for: method) else { return }
    precondition(result.matches(method), "a result decoded for \(method) does not match it")
    let again: DojoResult
    do { again = try DojoResult(json: result.jsonValue, for: method) } catch {
        fatalError("a \(method) result no longer decodes once re-encoded: \(error)")
    }
    precondition(again == result, "a \(method) result re-encodes to a different result")
}

private func checkAnswer(_ response: ResponseFrame, id: RequestID) {
    let text = response.encoded()
    let parsed: ResponseFrame
    do { parsed = try ResponseFrame(parsing: text) } catch { fatalError("the answer does not parse: \(error)") }
    precondition(parsed.id == id, "the answer's id \(String(describing: parsed.id)) is not the request's \(id)")
}

@_cdecl("FuzzFrame_main")
public func fuzzFrameMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    libFuzzerMain(argc, argv, fuzzFrame)
}
