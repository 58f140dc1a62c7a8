import Foundation
import Hummingbird

// `BareRoute PORT`: POST /slack/commands reads the body and answers a fixed ephemeral JSON reply.
let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8080
let reply = ByteBuffer(string: #"{"response_type":"ephemeral","text":"Sluice commands","blocks":[]}"#)
let router = Router()
router.post("slack/commands") { request, _ -> Response in
    var request = request
    _ = try await request.collectBody(upTo: 256 * 1024)
    return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: reply))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "bare"))
try await app.runService()
