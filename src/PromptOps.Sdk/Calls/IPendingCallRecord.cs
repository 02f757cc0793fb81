namespace PromptOps;

/// <summary>
/// What the call-record dispatcher queues: a finished record, or a finished call whose record is built later, by the
/// background worker, so that building it stays off the chat call's path.
/// </summary>
internal interface IPendingCallRecord
{
    /// <summary>Gets the request id, for messages about a record that was dropped.</summary>
    string RequestId { get; }

    /// <summary>Returns the record; called once, on the dispatcher's worker.</summary>
    PromptCallRecord ToRecord();
}
