namespace PromptOps;

/// <summary>
/// The base class of every exception PromptOps throws on purpose, so an application can catch them all in one place.
/// </summary>
public class PromptOpsException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="PromptOpsException"/> class.</summary>
    public PromptOpsException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PromptOpsException"/> class with a message.</summary>
    /// <param name="message">A complete sentence that says what went wrong and how to fix it.</param>
    public PromptOpsException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PromptOpsException"/> class with a message and a cause.</summary>
    /// <param name="message">A complete sentence that says what went wrong and how to fix it.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public PromptOpsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
