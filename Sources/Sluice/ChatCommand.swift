import ArgumentParser
import Conversation
import Foundation
import SluiceApp
import SluiceCore

/// `sluice chat`: a local REPL over the same command router Slack uses, rendered as console text.
/// Type `/sluice alerts`, see the reply, type a button's number to press it.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk to Sluice locally: type slash commands, press buttons by number, `quit` to leave.")

    @Option(name: .long, help: "Slack user id to act as (default: the first operator in the manifest).")
    var user: String?

    func run() async throws {
        let logger = Logs.bootstrap()
        let wiring: SluiceApplication
        do {
            wiring = try SluiceApplication.build(try SluiceConfiguration(), logger: logger)
            try await wiring.recoverInterruptedRuns()
        } catch let error as ConfigurationError {
            throw CommandFailure(error.description)
        }
        let me = user ?? wiring.manifest.access.operators.first { $0.hasPrefix("U") || $0.hasPrefix("W") } ?? "cli"
        let requester = Requester(userID: me, channelID: "local")
        let command = wiring.configuration.commandName
        print("Sluice chat as \(me). Type `\(command) help`, a button number to press it, or `quit`.")

        let lines = Self.standardInputLines()
        let work = wiring.work
        let sender = wiring.sender
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await work.run() }
            group.addTask { await sender.run(every: 0.2) }
            var buttons: [Button] = []
            prompt()
            for await line in lines {
                let input = line.trimmingCharacters(in: .whitespaces)
                if ["quit", "exit", ":q"].contains(input) { break }
                if input.isEmpty {
                    prompt()
                    continue
                }
                let reply: CommandReply?
                if let number = Int(input) {
                    guard buttons.indices.contains(number - 1), let action = buttons[number - 1].action else {
                        print("There is no button \(number) on the last message.")
                        prompt()
                        continue
                    }
                    reply = await wiring.conversation.handleAction(action, from: requester)
                } else {
                    // Parsed once (a leading `/sluice` is read as the command name); the typed command travels on.
                    switch wiring.conversation.parse(input) {
                    case let .failure(error): reply = wiring.conversation.reply(to: error)
                    case let .success(parsed): reply = await wiring.conversation.handle(parsed, text: input, from: requester)
                    }
                }
                if let reply {
                    let place = reply.ephemeral ? "only you" : "local"
                    print(ConsoleRenderer.render(reply.message, channel: place))
                    buttons = ConsoleRenderer.buttons(reply.message)
                }
                do {
                    try await sender.deliverDue()
                } catch {
                    logger.error("could not print pending messages", metadata: ["error": "\(error)"])
                }
                prompt()
            }
            group.cancelAll()
        }
    }

    private func prompt() {
        FileHandle.standardOutput.write(Data("> ".utf8))
    }

    /// Standard input lines, read on a dedicated thread so a blocking read never holds up the
    /// cooperative pool (runs and message delivery keep going while you type).
    private static func standardInputLines() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let reader = Thread {
            while let line = readLine() { continuation.yield(line) }
            continuation.finish()
        }
        reader.start()
        return stream
    }
}
