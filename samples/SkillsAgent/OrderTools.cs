using System.ComponentModel;

namespace SkillsAgent;

/// <summary>The tools the skills in skills.yaml declare, over a tiny in-memory order book. Each call is printed.</summary>
internal static class OrderTools
{
    private static readonly Dictionary<string, (string Item, DateOnly Delivered, decimal Price)> Orders = new()
    {
        ["10023"] = ("Trail 2 tent", new DateOnly(2026, 11, 9), 249.00m),
        ["10024"] = ("Headlamp", new DateOnly(2026, 9, 1), 39.90m),
    };

    public static DateOnly Today { get; set; } = new(2026, 11, 23);

    [Description("Looks up an order: item, delivery date and price.")]
    public static string LookupOrder([Description("The order number, for example 10023.")] string orderId) =>
        Log("lookup_order", orderId, Orders.TryGetValue(orderId, out var order)
            ? $"Order {orderId}: {order.Item}, delivered {order.Delivered:yyyy-MM-dd}, {order.Price} EUR."
            : $"Order {orderId} does not exist.");

    [Description("Tracks the shipment of an order.")]
    public static string TrackShipping(string orderId) => Log("track_shipping", orderId, $"Order {orderId} was delivered.");

    [Description("Changes the delivery address of an order that has not shipped.")]
    public static string UpdateOrder(string orderId, string address) => Log("update_order", orderId, $"Order {orderId} has already shipped; the address cannot change.");

    [Description("Checks whether an order can be refunded (30 days from delivery).")]
    public static string CheckEligibility(string orderId)
    {
        if (!Orders.TryGetValue(orderId, out var order))
        {
            return Log("check_eligibility", orderId, $"Order {orderId} does not exist.");
        }

        var days = Today.DayNumber - order.Delivered.DayNumber;
        return Log("check_eligibility", orderId, days <= 30
            ? $"Eligible: delivered {days} days ago, within the 30-day window."
            : $"Not eligible: delivered {days} days ago, beyond the 30-day window.");
    }

    [Description("Pays a refund for an eligible order.")]
    public static string ProcessRefund(string orderId) => Log("process_refund", orderId, $"Refund for order {orderId} issued.");

    private static string Log(string tool, string orderId, string result)
    {
        Console.WriteLine($"  tool {tool}({orderId}) -> {result}");
        return result;
    }
}
