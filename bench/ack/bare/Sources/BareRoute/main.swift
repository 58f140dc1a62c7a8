import Foundation
import Hummingbird

// `BareRoute PORT [BODY_FILE]`: POST /slack/commands reads the body and answers a fixed JSON reply:
// the bytes of BODY_FILE (bench/ack/run.sh passes Sluice's own answer to `/sluice help`, so both
// servers write the same response), or a short ephemeral reply without one.
let arguments = CommandLine.arguments.dropFirst()
let port = Int(arguments.first ?? "") ?? 8080
let fixed = arguments.dropFirst().first.flatMap { FileManager.default.contents(atPath: $0) }
let reply = fixed.map { ByteBuffer(bytes: $0) } ?? ByteBuffer(string: #"{"response_type":"ephemeral","text":"Sluice commands","blocks":[]}"#)
let router = Router()
router.post("slack/commands") { request, _ -> Response in
    var request = request
    _ = try await request.collectBody(upTo: 256 * 1024)
    return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: reply))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "bare"))
try await app.runService()
