using System.Net;
using System.Net.Sockets;

namespace PromptOps.Tests.TestSupport;

/// <summary>A free TCP port on the loopback interface, for a server a test starts (linked into the test projects that need one).</summary>
internal static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
