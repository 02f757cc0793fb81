namespace PromptOps.Testing;

/// <summary>How a <see cref="CassetteChatClient"/> uses its cassette file.</summary>
public enum CassetteMode
{
    /// <summary>Answer only from the cassette; a request that was not recorded fails with <see cref="CassetteMissException"/> and never reaches a model.</summary>
    Replay,

    /// <summary>Send every request to the inner client and record (or re-record) its response.</summary>
    Record,

    /// <summary>Answer from the cassette when the request was recorded, else call the inner client and record the response.</summary>
    ReplayOrRecord,
}
