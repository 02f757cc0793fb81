namespace PromptOps.Tests.Calls;

public class PromptContentRedactorTests
{
    [Theory]
    [InlineData("Write to jane.doe+shop@example.co.uk today", "Write to [EMAIL] today")]
    [InlineData("Card 4111 1111 1111 1111 was charged", "Card [CARD] was charged")]
    [InlineData("Card 4111-1111-1111-1111", "Card [CARD]")]
    [InlineData("Card 5500005555555559", "Card [CARD]")]
    [InlineData("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN [IBAN] please")]
    [InlineData("IBAN GB82WEST12345698765432", "IBAN [IBAN]")]
    [InlineData("Call +1 415 555 2671 now", "Call [PHONE] now")]
    [InlineData("Call (415) 555-2671 now", "Call [PHONE] now")]
    [InlineData("Call 020 7946 0958", "Call [PHONE]")]
    [InlineData("key sk-proj-abcdefghijklmnopqrstuvwx123", "key [SECRET]")]
    [InlineData("aws AKIAIOSFODNN7EXAMPLE", "aws [SECRET]")]
    [InlineData("Authorization: Bearer abcdefghijklmnop1234567890", "Authorization: [SECRET]")]
    [InlineData("api_key=hunter2hunter2", "api_key=[SECRET]")]
    [InlineData("\"password\": \"correct horse\"", "\"password\": \"[SECRET] horse\"")]
    public void Redact_PersonalDataAndSecrets_AreMasked(string input, string expected) =>
        Assert.Equal(expected, PromptContentRedactor.Redact(input));

    [Theory]
    [InlineData("Card 4111 1111 1111 1112 fails Luhn")]
    [InlineData("IBAN DE89 3704 0044 0532 0130 02 fails mod-97")]
    [InlineData("Order 10023 shipped on 2024-08-06")]
    [InlineData("Pi is 3.14159265 and the total is 1234567890")]
    [InlineData("Version 2.1.0 of customer-support")]
    public void Redact_LookAlikes_AreLeftAlone(string input) =>
        Assert.Equal(input, PromptContentRedactor.Redact(input));
}
