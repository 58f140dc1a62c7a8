import Foundation

/// Parses the text of a slash command into a `SlashCommand`, or says what would work. Pure: the same
/// text and vocabulary always give the same answer. Command words ignore case; whitespace, curly
/// quotes and dashes as Slack and phones send them are normalised; every name must be one the
/// vocabulary knows and every argument must be used, so `run shop; drop table raw.orders` is an error.
public enum CommandParser {
    /// Parses `text` (what follows the slash command; empty means `help`). `commandName` is the
    /// configured slash command, used in messages; a text starting with it (as typed into
    /// `sluice chat`) is read without it.
    public static func parse(
        _ text: String, vocabulary: CommandVocabulary, commandName: String = "/sluice"
    ) -> Result<SlashCommand, CommandError> {
        // Characters never outnumber UTF-8 bytes: count them only for a text that might be too long.
        guard text.utf8.count <= CommandText.maximumLength || text.count <= CommandText.maximumLength else {
            return .failure(CommandError(
                message: "That command is \(text.count) characters long, far more than any command needs. "
                    + "`\(commandName) help` lists the commands."))
        }
        var words = CommandText.words(CommandText.normalise(text))
        if let first = words.first, first.lowercased() == commandName.lowercased() {
            words.removeFirst()
        }
        guard let first = words.first else { return .success(.help(topic: nil)) }
        let resolver = NameResolver(vocabulary: vocabulary)
        let verbWord = CommandText.bare(first).lowercased()
        guard let verb = Verb(rawValue: verbWord), let syntax = CommandSyntax.named(verbWord) else {
            return .failure(unknownCommand(first, resolver: resolver, commandName: commandName))
        }
        let arguments = Arguments(syntax: syntax, raw: Array(words.dropFirst()), commandName: commandName)
        do {
            return .success(try command(verb, arguments, resolver: resolver, vocabulary: vocabulary))
        } catch {
            return .failure(error)
        }
    }

    /// The command words, matching `CommandSyntax.all`.
    private enum Verb: String {
        case help, status, runs, run, rerun, backfill, freshness, volume, cost, alerts, mute, unmute, mutes, ack, details, resolve
        case digest
    }

    private static func command(
        _ verb: Verb, _ a: Arguments, resolver: NameResolver, vocabulary: CommandVocabulary
    ) throws(CommandError) -> SlashCommand {
        switch verb {
        case .help:
            try a.expect(a.words, count: 0...1)
            guard let topic = a.words.first else { return .help(topic: nil) }
            guard CommandSyntax.named(topic.lowercased()) != nil else {
                throw unknownCommand(topic, resolver: resolver, commandName: a.commandName, listingCommands: true)
            }
            return .help(topic: topic.lowercased())
        case .status:
            try a.expect(a.words, count: 0...1)
            return .status(pipeline: try optionalPipeline(a, resolver))
        case .runs:
            try a.expect(a.words, count: 0...1)
            return .runs(pipeline: try optionalPipeline(a, resolver))
        case .run:
            let options = a.words.filter { $0.hasPrefix("--") }
            if let unknown = options.first(where: { $0.lowercased() != "--full-refresh" }) {
                throw a.usageError("\(CommandText.quoted(unknown)) is not an option of `run`; it accepts `--full-refresh`.")
            }
            let rest = a.words.filter { !$0.hasPrefix("--") }
            try a.expect(rest, count: 1...1)
            let pipeline = try resolver.pipeline(rest[0])
            return options.isEmpty ? .run(pipeline: pipeline) : .fullRefresh(pipeline: pipeline)
        case .rerun:
            return try rerun(a)
        case .backfill:
            return try backfill(a, resolver: resolver, maxDays: vocabulary.maxBackfillDays)
        case .freshness:
            try a.expect(a.words, count: 0...1)
            guard let word = a.words.first else { return .freshness(target: nil) }
            return .freshness(target: try resolver.freshnessTarget(word))
        case .volume:
            return try volume(a, resolver: resolver)
        case .cost:
            return try cost(a, resolver: resolver)
        case .alerts:
            try a.expect(a.words, count: 0...0)
            return .alerts
        case .mute:
            return try mute(a, resolver: resolver)
        case .unmute:
            try a.expect(a.words, count: 1...1)
            return .unmute(target: try resolver.muteTarget(a.words[0]))
        case .mutes:
            try a.expect(a.words, count: 0...0)
            return .mutes
        case .ack:
            try a.expect(a.words, count: 1...1)
            return .ack(alertID: try a.identifier(a.words[0], what: "an alert id", example: "7"))
        case .details:
            try a.expect(a.words, count: 1...1)
            return .details(alertID: try a.identifier(a.words[0], what: "an alert id", example: "7"))
        case .resolve:
            try a.expect(a.words, count: 1...Int.max)
            let alertID = try a.identifier(a.words[0], what: "an alert id", example: "7")
            return .resolve(alertID: alertID, reason: try a.reason(after: 1))
        case .digest:
            try a.expect(a.words, count: 0...0)
            return .digest
        }
    }

    // MARK: - Commands with their own rules

    private static func optionalPipeline(_ a: Arguments, _ resolver: NameResolver) throws(CommandError) -> String? {
        guard let word = a.words.first else { return nil }
        return try resolver.pipeline(word)
    }

    private static func rerun(_ a: Arguments) throws(CommandError) -> SlashCommand {
        var all = false
        var rest: [String] = []
        for word in a.words {
            if word.lowercased() == "--all" {
                all = true
            } else if word.hasPrefix("--") {
                throw a.usageError("\(CommandText.quoted(word)) is not an option of `rerun`; it accepts `--all`.")
            } else {
                rest.append(word)
            }
        }
        try a.expect(rest, count: 1...1)
        return .rerun(runID: try a.identifier(rest[0], what: "a run id", example: "42"), all: all)
    }

    private static func backfill(_ a: Arguments, resolver: NameResolver, maxDays: Int) throws(CommandError) -> SlashCommand {
        try a.expect(a.words, count: 3...3)
        let pipeline = try resolver.pipeline(a.words[0])
        let (from, first) = try a.day(a.words[1])
        let (to, last) = try a.day(a.words[2])
        guard first <= last else {
            throw a.usageError("FROM `\(from)` is after TO `\(to)`; put the earlier day first.")
        }
        let days = last - first + 1
        guard days <= Int64(maxDays) else {
            throw a.usageError(
                "That backfill covers \(days) days; the limit is \(maxDays) (`backfill.max_days` in the manifest). "
                    + "Split it into shorter backfills.")
        }
        return .backfill(pipeline: pipeline, from: from, to: to)
    }

    private static func volume(_ a: Arguments, resolver: NameResolver) throws(CommandError) -> SlashCommand {
        try a.expect(a.words, count: 1...2)
        let table = try resolver.table(a.words[0])
        guard a.words.count == 2 else { return .volume(table: table, days: 14) }
        let word = a.words[1].lowercased()
        let digits = word.hasSuffix("d") ? String(word.dropLast()) : word
        guard digits.count <= 3, digits.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }),
              let days = Int(digits), (1...90).contains(days)
        else {
            throw a.usageError("\(CommandText.quoted(a.words[1])) is not a number of days; DAYS is 1 to 90 (default 14).")
        }
        return .volume(table: table, days: days)
    }

    private static func cost(_ a: Arguments, resolver: NameResolver) throws(CommandError) -> SlashCommand {
        var pipeline: String?
        var window: CostWindow?
        var estimate = false
        for word in a.words {
            let lowered = word.lowercased()
            if lowered == "--estimate" {
                estimate = true
            } else if lowered.hasPrefix("--") {
                throw a.usageError("\(CommandText.quoted(word)) is not an option of `cost`; it accepts `--estimate`.")
            } else if let chosen = CostWindow(rawValue: lowered) {
                guard window == nil else { throw a.usageError("Give one window: `today`, `7d` or `30d`.") }
                window = chosen
            } else if lowered.first?.isNumber == true {
                throw a.usageError("\(CommandText.quoted(word)) is not a window; use `today`, `7d` or `30d`.")
            } else {
                guard pipeline == nil else {
                    throw a.usageError("`cost` takes one pipeline; \(CommandText.quoted(word)) is one too many.")
                }
                pipeline = try resolver.pipeline(word)
            }
        }
        if estimate {
            guard let pipeline else {
                throw a.usageError("`--estimate` dry-runs one pipeline's next run: name the pipeline.")
            }
            guard window == nil else {
                throw a.usageError("`--estimate` is about the next run of `\(pipeline)`; leave out the window.")
            }
        }
        return .cost(pipeline: pipeline, window: window ?? .last7d, estimate: estimate)
    }

    private static func mute(_ a: Arguments, resolver: NameResolver) throws(CommandError) -> SlashCommand {
        guard let targetWord = a.words.first else {
            throw a.usageError("`\(a.commandName) mute` needs TARGET DURATION [REASON].")
        }
        let target = try resolver.muteTarget(targetWord)
        let rest = Array(a.words.dropFirst())
        guard let parsed = MuteEnd.parse(Array(rest.prefix(3))) else {
            guard let word = rest.first else {
                throw a.usageError("`\(a.commandName) mute \(target)` needs a DURATION: `30m`, `4h`, `2d` or `until 09:00`.")
            }
            if word.count <= 12, let span = TimeSpan(parsing: word), span > MuteEnd.longest {
                throw a.usageError("\(CommandText.quoted(word)) is longer than the longest mute, 90 days.")
            }
            let shown = ["until", "till", "for"].contains(word.lowercased()) ? rest.prefix(2).joined(separator: " ") : word
            throw a.usageError(
                "\(CommandText.quoted(shown)) is not a duration. DURATION is `30m`, `4h`, `2d`, `1h30m` (at most 90 days), "
                    + "`until 09:00`, `until tomorrow 09:00` or `tomorrow`.")
        }
        return .mute(target: target, end: parsed.0, reason: try a.reason(after: 1 + parsed.consumed))
    }

    // MARK: - Unknown commands

    /// `word` is not a command: what it is instead, or the nearest command. `listingCommands` (for
    /// `help WORD`) names every command instead of pointing at `help`.
    private static func unknownCommand(
        _ word: String, resolver: NameResolver, commandName: String, listingCommands: Bool = false
    ) -> CommandError {
        let bare = CommandText.bare(word)
        let words = CommandSyntax.all.map(\.word)
        let more = listingCommands
            ? "The commands are \(CommandText.list(words, limit: words.count)); `\(commandName) help COMMAND` explains one."
            : "`\(commandName) help` lists every command."
        if let pipeline = resolver.knownPipeline(bare) {
            return CommandError(
                message: "`\(pipeline)` is a pipeline, not a command. Try `\(commandName) status \(pipeline)` "
                    + "or `\(commandName) run \(pipeline)`. \(more)")
        }
        if let table = resolver.knownTable(bare) {
            return CommandError(
                message: "`\(table)` is a table, not a command. Try `\(commandName) freshness \(table)` "
                    + "or `\(commandName) volume \(table)`. \(more)")
        }
        let near = bare.count <= 64 ? NearestName.suggestions(for: bare.lowercased(), in: words) : []
        let hint = near.isEmpty ? "" : " Did you mean \(NameResolver.either(near.map { "\(commandName) \($0)" }))?"
        return CommandError(message: "\(CommandText.quoted(word)) is not a `\(commandName)` command.\(hint) \(more)")
    }
}

/// The words after the command word, with the helpers that check them and phrase usage errors.
private struct Arguments {
    /// The command being parsed.
    let syntax: CommandSyntax
    /// Normalised words as typed (free text is taken from these).
    let raw: [String]
    /// The words as arguments: links unwrapped, quotes removed.
    let words: [String]
    /// The configured slash command.
    let commandName: String

    init(syntax: CommandSyntax, raw: [String], commandName: String) {
        self.syntax = syntax
        self.raw = raw
        self.words = raw.map(CommandText.bare)
        self.commandName = commandName
    }

    /// `problem`, then the command's usage line and example.
    func usageError(_ problem: String) -> CommandError {
        CommandError(message: "\(problem)\n\(syntax.usageLine(commandName: commandName))")
    }

    /// Fails unless `words` has an allowed number of elements.
    func expect(_ words: [String], count allowed: ClosedRange<Int>) throws(CommandError) {
        let name = "`\(commandName) \(syntax.word)`"
        if words.count < allowed.lowerBound {
            throw usageError("\(name) needs \(syntax.arguments).")
        }
        let limit = allowed.upperBound
        if words.count > limit {
            let extra = words[limit...].joined(separator: " ")
            let plural = limit == 1 ? "" : "s"
            let takes = limit == 0
                ? "takes no arguments"
                : (allowed.lowerBound == limit ? "takes \(limit) argument\(plural)" : "takes at most \(limit) argument\(plural)")
            throw usageError("\(name) \(takes); \(CommandText.quoted(extra)) is extra.")
        }
    }

    /// A positive id, written `42` or `#42`.
    func identifier(_ word: String, what: String, example: String) throws(CommandError) -> Int64 {
        let digits = word.hasPrefix("#") ? word.dropFirst() : Substring(word)
        guard (1...18).contains(digits.count), digits.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }),
              let id = Int64(digits), id > 0
        else {
            throw usageError("\(CommandText.quoted(word)) is not \(what); use the number from its message, e.g. `\(example)`.")
        }
        return id
    }

    /// Free text after the first `count` words (a reason), within `CommandText.maximumReasonLength`.
    func reason(after count: Int) throws(CommandError) -> String? {
        let reason = CommandText.freeText(raw.dropFirst(count))
        if let reason, reason.count > CommandText.maximumReasonLength {
            throw usageError("The reason is \(reason.count) characters long; keep it under \(CommandText.maximumReasonLength).")
        }
        return reason
    }

    /// A valid day `YYYY-MM-DD` and its day number.
    func day(_ word: String) throws(CommandError) -> (String, Int64) {
        guard let number = Days.dayNumber(of: word) else {
            throw usageError("\(CommandText.quoted(word)) is not a day; write days as `YYYY-MM-DD`, e.g. `2026-03-01`.")
        }
        return (word, number)
    }
}
