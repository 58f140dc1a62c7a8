/// Channel names (`#data-alerts`) to the ids Slack returned when posting there. `chat.postMessage`
/// accepts a name but `chat.update` only an id, so edits use the id learned from the post.
actor SlackChannelDirectory {
    private var ids: [String: String] = [:]

    /// The id learned for `channel`, or `channel` itself when none was learned (it may be an id already).
    func id(for channel: String) -> String {
        ids[Self.key(channel)] ?? channel
    }

    /// Records that posting to `channel` landed in the channel `id`.
    func remember(_ channel: String, id: String) {
        guard !id.isEmpty, Self.key(channel) != id else { return }
        ids[Self.key(channel)] = id
    }

    private static func key(_ channel: String) -> String {
        channel.hasPrefix("#") ? String(channel.dropFirst()) : channel
    }
}
